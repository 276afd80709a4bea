// `strata master start`: one master in the foreground.

import { Command } from 'commander';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_MASTER_PORT, MasterConfig } from '../common/config';
import { Master } from '../master/master';
import type { Peer } from '../raft/types';
import { UsageError } from './errors';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid port '${value}'`);
  return port;
}

/** `ID=HOST:PORT,ID=HOST:PORT,…` (CLI.md), checked: ids unique, addresses host:port. */
export function parsePeers(value: string): Peer[] {
  const peers: Peer[] = [];
  for (const item of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Za-z0-9_.-]{1,64})=([^\s=,]+):(\d{1,5})$/.exec(item);
    if (m === null) throw new UsageError(`invalid peer '${item}': expected ID=HOST:PORT`);
    parsePort(m[3]);
    if (peers.some((p) => p.id === m[1])) throw new UsageError(`peer id '${m[1]}' is given twice`);
    peers.push({ id: m[1], address: `${m[2]}:${m[3]}` });
  }
  if (peers.length === 0) throw new UsageError('--peers lists no master');
  return peers;
}

export interface MasterOptions {
  data: string;
  host?: string;
  port?: number;
  rootUfs?: string;
  cacheEntries?: number;
  id?: string;
  peers?: Peer[];
  tickMs?: number;
  compactEvery?: number;
  compactBytes?: number;
}

export function masterConfig(opts: MasterOptions): MasterConfig {
  const dataDir = path.resolve(opts.data);
  const entries = opts.cacheEntries ?? 200_000;
  const id = opts.id ?? '1';
  const peers = opts.peers ?? [];
  let port = opts.port ?? DEFAULT_MASTER_PORT;
  if (peers.length > 0) {
    const self = peers.find((p) => p.id === id);
    if (self === undefined) throw new UsageError(`--peers must list this master's own id '${id}'`);
    if (opts.port === undefined) port = Number(self.address.slice(self.address.lastIndexOf(':') + 1));
  }
  return {
    dataDir,
    id,
    peers,
    raftTickMs: opts.tickMs ?? 100,
    raftElectionTicks: 10,
    raftCompactEvery: opts.compactEvery ?? 50_000,
    raftCompactBytes: opts.compactBytes ?? 64 * 1024 * 1024,
    // A lone master serves within a moment; a member waits for its group.
    waitForLeadMs: peers.length > 1 ? 0 : 10_000,
    host: opts.host ?? '127.0.0.1',
    port,
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
  const role = config.peers.length > 1 ? `, member ${config.id} of ${config.peers.map((p) => `${p.id}=${p.address}`).join(',')}` : '';
  process.stdout.write(`strata master serving ${master.address} (data ${config.dataDir}${role})\n`);
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
    .option('--port <port>', `port to listen on (default ${DEFAULT_MASTER_PORT}, or this master's port in --peers)`, parsePort)
    .option('--root-ufs <uri>', 'root under store of a fresh format (default DIR/underfs)')
    .option('--cache-entries <n>', 'inodes (and edges) kept in memory', (v) => parsePositive(v), 200_000)
    .option('--id <id>', "this master's id in a replicated cluster", '1')
    .option('--peers <list>', 'every member, this one included: ID=HOST:PORT,ID=HOST:PORT,…', parsePeers)
    .option('--tick-ms <ms>', 'Raft tick (election timeout is 10-20 ticks)', (v) => parsePositive(v), 100)
    .option('--compact-every <n>', 'applied entries between Raft log compactions', (v) => parsePositive(v), 50_000)
    .option('--compact-bytes <n>', 'bytes of applied entries that also trigger a compaction', (v) => parsePositive(v), 64 * 1024 * 1024)
    .action(async (opts: MasterOptions & { data: string }) => {
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
