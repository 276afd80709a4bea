// `strata bench …`: benchmarks that print figures next to a reference
// measured in the same run.

import { Command } from 'commander';
import { mastersFrom } from '../common/config';
import { META_OPS, MetaOp, formatMetaBench, runMetaBench } from '../bench/meta';
import { formatFuseBench, runFuseBench } from '../bench/fuse';
import { UsageError } from './errors';
import { parsePositive } from './master';

function parseOps(value: string): MetaOp[] {
  if (value === 'all') return [...META_OPS];
  const ops = value.split(',').map((s) => s.trim());
  for (const op of ops) {
    if (!(META_OPS as readonly string[]).includes(op)) throw new UsageError(`unknown op '${op}' (choose from ${META_OPS.join(', ')}, all)`);
  }
  return ops as MetaOp[];
}

export function benchCommand(): Command {
  const cmd = new Command('bench').description('benchmarks');
  cmd
    .command('meta')
    .description('metadata throughput and latency against the masters, from separate client processes')
    .option('--op <ops>', `comma-separated ops (${META_OPS.join(', ')}) or all`, parseOps, [...META_OPS])
    .option('--clients <n>', 'client processes', parsePositive, 4)
    .option('--files <n>', 'files per client', parsePositive, 2000)
    .option('--duration <s>', 'upper bound of each phase, seconds', parsePositive, 10)
    .option('--window <n>', 'calls in flight per client', parsePositive, 32)
    .option('--layout <layout>', 'tree, shared or both', 'both')
    .option('--reference-seconds <s>', 'seconds for each grpc-js reference measurement', parsePositive, 3)
    .option('--read-seconds <s>', 'duration of the read phases (default: --duration)', parsePositive)
    .option('--keep', 'leave the created files in place (measure a large namespace)')
    .option('--json', 'print one JSON object')
    .action(async (opts: { op: MetaOp[]; clients: number; files: number; duration: number; window: number; layout: string; referenceSeconds: number; keep?: boolean; readSeconds?: number; json?: boolean }, command: Command) => {
      const layouts = opts.layout === 'both' ? (['tree', 'shared'] as const) : opts.layout === 'tree' || opts.layout === 'shared' ? ([opts.layout] as const) : null;
      if (layouts === null) throw new UsageError(`--layout must be tree, shared or both`);
      const masters = mastersFrom(command.optsWithGlobals<{ masters?: string }>().masters);
      const progress = opts.json ? () => undefined : (line: string) => process.stderr.write(line + '\n');
      const result = await runMetaBench(
        { masters, clients: opts.clients, files: opts.files, durationSec: opts.duration, ops: opts.op, window: opts.window, layouts: [...layouts], referenceSec: opts.referenceSeconds, readSec: opts.readSeconds ?? opts.duration, keep: opts.keep ?? false },
        progress,
      );
      process.stdout.write(opts.json ? JSON.stringify(result) + '\n' : formatMetaBench(result));
    });
  cmd
    .command('fuse')
    .description('the same metadata and data workload through real syscalls, from a separate process, on a native directory, a strata mount and an in-memory file system on the same FUSE binding (the ceiling)')
    .option('--files <n>', 'small files in the metadata workload', parsePositive, 2000)
    .option('--size <mb>', 'size of the large file, MB', parsePositive, 256)
    .option('--dir <dir>', 'where the native directory and the mount points go (default: the temp dir)')
    .option('--json', 'print one JSON object')
    .option('-o, --mount-options <opts>', 'extra -o options of the strata mount only (e.g. callbacks=0)')
    .action(async (opts: { files: number; size: number; dir?: string; json?: boolean; mountOptions?: string }, command: Command) => {
      const given = command.optsWithGlobals<{ masters?: string }>().masters ?? process.env.STRATA_MASTERS;
      const masters = given === undefined || given === '' ? null : mastersFrom(given);
      const progress = opts.json ? () => undefined : (line: string) => process.stderr.write(line + '\n');
      const result = await runFuseBench({ masters, files: opts.files, sizeMb: opts.size, dir: opts.dir ?? null, strataOptions: opts.mountOptions === undefined ? [] : [opts.mountOptions] }, progress);
      if (opts.json) {
        const { date, machine, targets } = result;
        process.stdout.write(JSON.stringify({ date, machine, targets }) + '\n');
      } else process.stdout.write(formatFuseBench(result));
      process.exit(0); // a finished child's handles may hold the loop
    });
  return cmd;
}
