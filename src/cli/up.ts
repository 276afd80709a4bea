// `strata up`: the embedded default. One master with its data and a local
// root under store in ~/.strata (or --data). The FUSE mount joins it when the
// FUSE client lands (issue 4); until then `up` serves the master alone.

import { Command } from 'commander';
import { DEFAULT_MASTER_PORT } from '../common/config';
import { defaultDataDir, masterConfig, parsePort, runMaster } from './master';

export function upCommand(): Command {
  return new Command('up')
    .description('run the embedded default: one master (and, with the FUSE client, a mount at MOUNTPOINT)')
    .argument('[mountpoint]', 'where to mount the namespace', '/mnt/strata')
    .option('--data <dir>', 'data directory', defaultDataDir())
    .option('--port <port>', 'master port', parsePort, DEFAULT_MASTER_PORT)
    .action(async (_mountpoint: string, opts: { data: string; port: number }) => {
      const config = masterConfig({ data: opts.data, port: opts.port });
      await runMaster(config, () => {
        process.stdout.write(`strata is up: master on ${config.host}:${config.port}, data in ${config.dataDir}. Ctrl-C stops it.\n`);
        process.stdout.write(`try: strata fs mkdir /hello && strata fs ls /\n`);
      });
    });
}
