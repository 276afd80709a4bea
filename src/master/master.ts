// One master process: opens RocksDB and the journal, recovers, formats a
// fresh data directory, and serves the API over gRPC. Close order matters:
// stop accepting calls, let the calls in flight finish, checkpoint (flush
// RocksDB, compact the journal), then close the journal, the under stores
// and RocksDB last, so nothing in flight hits a closed store.
//
// Data directory:
//   DIR/meta      RocksDB (inodes, edges, mount table, applied index)
//   DIR/journal   the journal segments
//   DIR/underfs   the default root under store of a fresh format

import * as grpc from '@grpc/grpc-js';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { MasterInfo } from '../common/api';
import type { MasterConfig } from '../common/config';
import { ErrorCode, StrataError } from '../common/errors';
import { FileSystemMaster } from './file-system-master';
import { Inode, InodeKind, ROOT_ID } from './inode';
import { InodeStore } from './inode-store';
import { InodeTree } from './inode-tree';
import { LocalJournal } from './journal/local-journal';
import { InodeLockManager } from './lock-manager';
import { MountTable, ROOT_MOUNT_ID } from './mount-table';
import { RocksStore } from './rocks-store';
import { SessionStreams, loadMasterProto, masterServiceImplementation } from './service';
import { StateMachine } from './state-machine';

export const VERSION = '0.1.0';

export class Master {
  private rocks: RocksStore | null = null;
  private journal: LocalJournal | null = null;
  private server: grpc.Server | null = null;
  private fs: FileSystemMaster | null = null;
  private sm: StateMachine | null = null;
  private store: InodeStore | null = null;
  private boundPort = 0;
  private readonly startTimeMs = Date.now();
  private readonly sessions = new SessionStreams();
  private closing: Promise<void> | null = null;

  constructor(readonly config: MasterConfig) {}

  get port(): number {
    return this.boundPort;
  }

  get address(): string {
    return `${this.config.host}:${this.boundPort}`;
  }

  get fileSystem(): FileSystemMaster {
    if (this.fs === null) throw new StrataError(ErrorCode.CLOSED, 'master is not started');
    return this.fs;
  }

  /** Opens the stores, recovers or formats, and starts serving. */
  async start(): Promise<void> {
    const { dataDir } = this.config;
    await mkdir(dataDir, { recursive: true });
    this.rocks = new RocksStore(path.join(dataDir, 'meta'), { writeBufferBytes: this.config.writeBufferBytes });
    await this.rocks.open();
    this.journal = new LocalJournal(path.join(dataDir, 'journal'));
    await this.journal.open();
    this.store = new InodeStore(this.rocks, {
      inodeCacheEntries: this.config.inodeCacheEntries,
      edgeCacheEntries: this.config.edgeCacheEntries,
    });
    const mounts = new MountTable();
    this.sm = new StateMachine(this.store, this.journal, mounts);
    await this.sm.recover();
    const firstFreeId = Math.max(this.sm.firstFreeId, ROOT_ID + 1);
    const tree = new InodeTree(this.store, new InodeLockManager());
    this.fs = new FileSystemMaster(tree, this.sm, mounts, firstFreeId);
    if ((await this.store.getInode(ROOT_ID)) === null) await this.format();
    await this.fs.startBackground();

    this.server = new grpc.Server({
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
      'grpc.keepalive_permit_without_calls': 1,
    });
    const proto = loadMasterProto();
    this.server.addService(proto.strata.master.FileSystemMaster.service, masterServiceImplementation(this.fs, this, this.sessions));
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server?.bindAsync(`${this.config.host}:${this.config.port}`, grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(new StrataError(ErrorCode.UNAVAILABLE, `cannot listen on ${this.config.host}:${this.config.port}: ${err.message}`)) : resolve(port),
      );
    });
  }

  /** A fresh data directory: the root inode and the root mount, through the journal. */
  private async format(): Promise<void> {
    const now = Date.now();
    const rootUfs = this.config.rootUfs;
    if (rootUfs.startsWith('file://')) await mkdir(new URL(rootUfs).pathname, { recursive: true });
    const root: Inode = {
      id: ROOT_ID,
      kind: InodeKind.DIR,
      mode: 0o755,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      size: 0,
      mtimeMs: now,
      atimeMs: now,
      ctimeMs: now,
      nlink: 2,
      complete: true,
      loaded: false, // the root store may already hold files: load them on first access
      mountId: ROOT_MOUNT_ID,
      symlinkTarget: '',
      fingerprint: '',
    };
    await this.sm?.propose({
      ops: [
        { op: 'putMount', mount: { id: ROOT_MOUNT_ID, path: '/', ufsUri: rootUfs, readOnly: false, options: {} } },
        { op: 'putInode', inode: root },
      ],
    });
  }

  info(): MasterInfo {
    const applied = this.sm?.applied ?? 0;
    return {
      id: '1',
      address: this.address,
      role: 'leader',
      term: 1,
      commitIndex: this.journal?.lastIndex ?? 0,
      appliedIndex: applied,
      leaderId: '1',
      leaderAddress: this.address,
      peers: [{ id: '1', address: this.address }],
      version: VERSION,
      startTimeMs: this.startTimeMs,
      inodeCount: 0,
      rssBytes: process.memoryUsage.rss(),
      heapUsedBytes: process.memoryUsage().heapUsed,
    };
  }

  /** Stops serving and closes everything; safe to call twice. */
  close(): Promise<void> {
    if (this.closing === null) this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const server = this.server;
    if (server !== null) {
      // Let calls in flight finish (their locks, journal entries), then stop.
      await new Promise<void>((resolve) => {
        // Session streams stay open as long as their clients do: end them
        // once their calls in flight are answered, so shutdown is prompt.
        setImmediate(() => this.sessions.drain());
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 5000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          // Every call is answered: drop the idle client connections too, or
          // they keep the process alive until the clients give up.
          server.forceShutdown();
          resolve();
        });
      });
    }
    await this.fs?.stopBackground();
    try {
      await this.sm?.checkpoint();
    } finally {
      await this.journal?.close();
      await this.fs?.close();
      await this.rocks?.close();
    }
  }
}
