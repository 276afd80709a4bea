// `strata up [MOUNTPOINT]`: the embedded default. One master with its data
// and a local root under store in ~/.strata (or --data), served in this
// process, and the FUSE mount at MOUNTPOINT served by a child process
// (`strata mount --foreground`): the process that serves a mount must never
// itself touch the mount, and this one stays free to. SIGTERM or Ctrl-C
// stops the mount first (it commits open files while the master still
// serves), then the master. When the mount cannot be made (no /dev/fuse, no
// fuse package), `up` says so and serves the master alone.

import type { ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { DEFAULT_MASTER_PORT } from '../common/config';
import { defaultDataDir, masterConfig, parsePort, runMaster } from './master';
import { startMountProcess } from './mount';

const MOUNT_STOP_TIMEOUT_MS = 20_000;

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), MOUNT_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

export function upCommand(): Command {
  return new Command('up')
    .description('run the embedded default: one master and the FUSE mount at MOUNTPOINT')
    .argument('[mountpoint]', 'where to mount the namespace', '/mnt/strata')
    .option('--data <dir>', 'data directory', defaultDataDir())
    .option('--port <port>', 'master port', parsePort, DEFAULT_MASTER_PORT)
    .option('-o, --options <opts>', 'mount options (see strata mount --help)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--no-mount', 'serve the master alone')
    .action(async (mountpoint: string, opts: { data: string; port: number; options: string[]; mount: boolean }) => {
      const config = masterConfig({ data: opts.data, port: opts.port });
      const mp = path.resolve(mountpoint);
      let child: ChildProcess | null = null;
      await runMaster(
        config,
        async () => {
          if (opts.mount) {
            try {
              await fsp.mkdir(mp, { recursive: true });
              child = await startMountProcess(mp, [`${config.host}:${config.port}`], opts.options, false);
              process.stdout.write(`strata is up: master on ${config.host}:${config.port}, data in ${config.dataDir}, mounted at ${mp}. Ctrl-C stops it.\n`);
              process.stdout.write(`try: ls ${mp} && strata fs ls /\n`);
              return;
            } catch (err) {
              process.stderr.write(`strata up: no mount at ${mp}: ${err instanceof Error ? err.message : String(err)}; serving the master alone\n`);
            }
          }
          process.stdout.write(`strata is up: master on ${config.host}:${config.port}, data in ${config.dataDir}. Ctrl-C stops it.\n`);
          process.stdout.write(`try: strata fs mkdir /hello && strata fs ls /\n`);
        },
        async () => {
          if (child !== null) await stopChild(child);
        },
      );
    });
}
