// `strata master start`: one master in the foreground.

import { Command } from 'commander';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_MASTER_PORT, MasterConfig } from '../common/config';
import { Master } from '../master/master';
import { UsageError } from './errors';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid port '${value}'`);
  return port;
}

export function masterConfig(opts: { data: string; host?: string; port?: number; rootUfs?: string; cacheEntries?: number }): MasterConfig {
  const dataDir = path.resolve(opts.data);
  const entries = opts.cacheEntries ?? 200_000;
  return {
    dataDir,
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? DEFAULT_MASTER_PORT,
    rootUfs: opts.rootUfs ?? pathToFileURL(path.join(dataDir, 'underfs')).href,
    inodeCacheEntries: entries,
    edgeCacheEntries: entries,
    writeBufferBytes: 32 * 1024 * 1024,
  };
}

/** Runs a master until SIGTERM or SIGINT, then runs onStop and closes the master cleanly. */
export async function runMaster(
  config: MasterConfig,
  onReady?: (master: Master) => Promise<void> | void,
  onStop?: () => Promise<void>,
): Promise<void> {
  const master = new Master(config);
  await master.start();
  process.stdout.write(`strata master serving ${master.address} (data ${config.dataDir})\n`);
  await onReady?.(master);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await onStop?.(); // e.g. `strata up`'s mount, which commits open files while the master still serves
  await master.close();
  process.stdout.write('strata master stopped\n');
}

export function masterCommand(): Command {
  const cmd = new Command('master').description('metadata master servers');
  cmd
    .command('start')
    .description('run one master in the foreground (formats DIR on first start, resumes later)')
    .requiredOption('--data <dir>', 'data directory')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', parsePort, DEFAULT_MASTER_PORT)
    .option('--root-ufs <uri>', 'root under store of a fresh format (default DIR/underfs)')
    .option('--cache-entries <n>', 'inodes (and edges) kept in memory', (v) => parsePositive(v), 200_000)
    .action(async (opts: { data: string; host: string; port: number; rootUfs?: string; cacheEntries: number }) => {
      await runMaster(masterConfig(opts));
    });
  return cmd;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`'${value}' is not a positive whole number`);
  return n;
}

export function defaultDataDir(): string {
  return path.join(os.homedir(), '.strata');
}
