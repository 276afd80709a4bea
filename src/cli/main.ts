// The `strata` command: one file per command group, wired here.

import { Command, CommanderError } from 'commander';
import { VERSION } from '../master/master';
import { benchCommand } from './bench';
import { clusterCommand } from './cluster';
import { EXIT_USAGE, report } from './errors';
import { fsCommand } from './fs';
import { masterCommand } from './master';
import { mountCommand, umountCommand } from './mount';
import { upCommand } from './up';

export function buildProgram(): Command {
  const program = new Command('strata')
    .description('one POSIX namespace over many storage systems')
    .version(VERSION)
    .option('--masters <list>', 'masters as HOST:PORT[,HOST:PORT…] (else $STRATA_MASTERS, else 127.0.0.1:19998)');
  program.addCommand(upCommand());
  program.addCommand(masterCommand());
  program.addCommand(mountCommand());
  program.addCommand(umountCommand());
  program.addCommand(fsCommand());
  program.addCommand(clusterCommand());
  program.addCommand(benchCommand());
  // Usage errors exit 2 (CLI.md); commander's own default would be 1.
  const exitOverride = (cmd: Command) => {
    cmd.exitOverride();
    cmd.configureOutput({ writeErr: (s) => process.stderr.write(s) });
    for (const sub of cmd.commands) exitOverride(sub);
  };
  exitOverride(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0; // --help, --version
      return EXIT_USAGE;
    }
    return report(err);
  }
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.exitCode = report(err);
    },
  );
}
