// A replicated cluster of real master processes on loopback for tests:
// free ports picked up front (the members must know each other's addresses
// before they start), one data directory each, Raft fault injection on
// (STRATA_RAFT_FAULTS=1), and helpers to find the leader, kill and restart
// members, and cut links. close() kills everything it started.

import * as grpc from '@grpc/grpc-js';
import { createServer } from 'node:net';
import path from 'node:path';
import { StrataFileSystem } from '../../src/client/file-system';
import { MasterClient } from '../../src/client/master-client';
import type { MasterInfo } from '../../src/common/api';
import { loadRaftProto } from '../../src/raft/transport';
import { MasterProcess, makeTempDir, removeDir } from '../master/harness';

export interface ClusterOptions {
  tickMs?: number;
  compactEvery?: number;
  compactBytes?: number;
}

export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export class Cluster {
  readonly procs = new Map<string, MasterProcess>();

  private constructor(
    readonly root: string,
    readonly ids: string[],
    readonly ports: Map<string, number>,
    private readonly options: ClusterOptions,
  ) {}

  static async start(n: number, options: ClusterOptions = {}): Promise<Cluster> {
    const root = await makeTempDir('cluster');
    const ports = await freePorts(n);
    const ids = ports.map((_, i) => String(i + 1));
    const cluster = new Cluster(root, ids, new Map(ids.map((id, i) => [id, ports[i]])), options);
    try {
      await Promise.all(ids.map((id) => cluster.startMember(id)));
      await cluster.waitForLeader();
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  get peersArg(): string {
    return this.ids.map((id) => `${id}=127.0.0.1:${this.ports.get(id)}`).join(',');
  }

  get addresses(): string[] {
    return this.ids.map((id) => this.address(id));
  }

  address(id: string): string {
    return `127.0.0.1:${this.ports.get(id)}`;
  }

  dataDir(id: string): string {
    return path.join(this.root, `m${id}`);
  }

  /** Starts (or restarts) member id with the cluster's peers. */
  async startMember(id: string, peers = this.peersArg): Promise<MasterProcess> {
    const args = ['--id', id, '--peers', peers, '--tick-ms', String(this.options.tickMs ?? 100)];
    if (this.options.compactEvery !== undefined) args.push('--compact-every', String(this.options.compactEvery));
    if (this.options.compactBytes !== undefined) args.push('--compact-bytes', String(this.options.compactBytes));
    const proc = await MasterProcess.start(this.dataDir(id), this.ports.get(id), 20_000, args, { ...process.env, STRATA_RAFT_FAULTS: '1' });
    this.procs.set(id, proc);
    return proc;
  }

  /** Adds a port and id for a member that is not started yet (cluster add). */
  reserve(id: string, port: number): void {
    this.ids.push(id);
    this.ports.set(id, port);
  }

  /** A file system client that knows every member (the leader is found and followed). */
  client(callTimeoutMs = 30_000): StrataFileSystem {
    return new StrataFileSystem(this.addresses, { callTimeoutMs });
  }

  async info(id: string, timeoutMs = 1500): Promise<MasterInfo | null> {
    const proc = this.procs.get(id);
    if (proc === undefined || !proc.alive) return null;
    const client = new MasterClient([this.address(id)], { callTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs });
    try {
      return await client.call<MasterInfo>('getMasterInfo', {});
    } catch {
      return null;
    } finally {
      client.close();
    }
  }

  /** The id of the member that says it leads and serves, waiting up to timeoutMs. */
  async waitForLeader(timeoutMs = 15_000, except: string[] = []): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const infos = await Promise.all(this.ids.filter((id) => !except.includes(id)).map(async (id) => ({ id, info: await this.info(id) })));
      const leaders = infos.filter((x) => x.info?.role === 'leader');
      if (leaders.length === 1) return leaders[0].id;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no leader within ${timeoutMs} ms`);
  }

  /** Drops Raft traffic between member id and the given peers (both directions as seen by id). */
  async setFaults(id: string, dropPeers: string[]): Promise<void> {
    const proto = loadRaftProto();
    const client = new proto.strata.raft.Raft(this.address(id), grpc.credentials.createInsecure());
    try {
      await new Promise<void>((resolve, reject) =>
        client.SetFaults({ dropPeers }, { deadline: Date.now() + 3000 }, (err) => (err ? reject(err) : resolve())),
      );
    } finally {
      client.close();
    }
  }

  /** Cuts member id off from every other member (each side drops the other). */
  async isolate(id: string): Promise<void> {
    const others = this.ids.filter((x) => x !== id && this.procs.get(x)?.alive === true);
    await this.setFaults(id, others);
    await Promise.all(others.map((o) => this.setFaults(o, [id])));
  }

  async heal(): Promise<void> {
    await Promise.all(this.ids.filter((id) => this.procs.get(id)?.alive === true).map((id) => this.setFaults(id, [])));
  }

  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.procs.get(id)?.kill(signal);
  }

  async close(): Promise<void> {
    await Promise.all([...this.procs.values()].map((p) => p.stop(5000).catch(() => undefined)));
    await removeDir(this.root);
  }
}
