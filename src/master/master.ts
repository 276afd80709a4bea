// One master process: opens RocksDB and the Raft log, recovers, and serves
// the API over gRPC once it leads (followers answer NOT_LEADER with the
// leader's address). A master is always a Raft group member; one master is a
// group of one. On becoming leader it formats a fresh namespace if nobody
// has yet, reconciles crash leftovers and sweeps trash; on losing the lead
// it stops that work and fails its proposals in flight (clients retry on the
// new leader, which deduplicates). Close order matters: stop accepting
// calls, let the calls in flight finish, stop Raft (waiting for the log and
// the applies), flush RocksDB, close the under stores, RocksDB last.
//
// Data directory:
//   DIR/meta      RocksDB (inodes, edges, mount table, membership, applied index)
//   DIR/raft      the Raft log segments, hard state, snapshots being installed
//   DIR/underfs   the default root under store of a fresh format

import * as grpc from '@grpc/grpc-js';
import { mkdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import type { MasterInfo } from '../common/api';
import type { MasterConfig } from '../common/config';
import { ErrorCode, StrataError } from '../common/errors';
import { RaftNode, leaderLeaseMs } from '../raft/node';
import { RaftTransport } from '../raft/transport';
import { applyConfChange, type ConfChange, type Peer } from '../raft/types';
import { FileSystemMaster } from './file-system-master';
import { Inode, InodeKind, ROOT_ID } from './inode';
import { InodeStore } from './inode-store';
import { InodeTree } from './inode-tree';
import { InodeLockManager } from './lock-manager';
import { MountTable, ROOT_MOUNT_ID } from './mount-table';
import { RocksStore } from './rocks-store';
import { SessionStreams, loadMasterProto, masterServiceImplementation } from './service';
import { Callbacks } from './callbacks';

/** How long a hand-off of the lead waits for the under store changes it cut off to settle. */
const TRANSFER_FENCE_WAIT_MS = 2000;
import { StateMachine } from './state-machine';

export const VERSION = '0.1.0';

export class Master {
  private rocks: RocksStore | null = null;
  private server: grpc.Server | null = null;
  private fs: FileSystemMaster | null = null;
  private sm: StateMachine | null = null;
  private store: InodeStore | null = null;
  private raft: RaftNode | null = null;
  private transport: RaftTransport | null = null;
  private boundPort = 0;
  private readonly startTimeMs = Date.now();
  /** Which sessions cache which inodes (leader only; callbacks.ts). STRATA_CALLBACKS=0 refuses every registration. */
  private readonly callbacks = new Callbacks({ enabled: process.env.STRATA_CALLBACKS !== '0' });
  private readonly sessions = new SessionStreams(this.callbacks, this);
  private closing: Promise<void> | null = null;
  /** The term whose leadership work (format, reconcile) is done: calls are served. */
  private servingTerm = 0;

  constructor(readonly config: MasterConfig) {}

  get port(): number {
    return this.boundPort;
  }

  /** Where others reach this master: the listening address, or for a wildcard one this machine's own. */
  get address(): string {
    return `${advertisedHost(this.config.host)}:${this.boundPort}`;
  }

  get fileSystem(): FileSystemMaster {
    if (this.fs === null) throw new StrataError(ErrorCode.CLOSED, 'master is not started');
    return this.fs;
  }

  get node(): RaftNode {
    if (this.raft === null) throw new StrataError(ErrorCode.CLOSED, 'master is not started');
    return this.raft;
  }

  /** Leads, and has done the work of taking the lead: client calls are served. */
  get serving(): boolean {
    return this.raft !== null && this.raft.serving && this.servingTerm === this.raft.term;
  }

  /** Opens the stores, recovers, joins (or forms) the Raft group, and starts serving. */
  async start(): Promise<void> {
    const { dataDir } = this.config;
    await mkdir(dataDir, { recursive: true });
    this.rocks = new RocksStore(path.join(dataDir, 'meta'), { writeBufferBytes: this.config.writeBufferBytes });
    await this.rocks.open();
    this.store = new InodeStore(this.rocks, {
      inodeCacheEntries: this.config.inodeCacheEntries,
      edgeCacheEntries: this.config.edgeCacheEntries,
    });
    const mounts = new MountTable();
    this.sm = new StateMachine(this.store, mounts);
    await this.sm.recover();
    const tree = new InodeTree(this.store, new InodeLockManager());
    this.fs = new FileSystemMaster(tree, this.sm, mounts, Math.max(this.sm.firstFreeId, ROOT_ID + 1), {
      term: () => this.raft?.term ?? 0,
      confirm: (term) => this.confirmLead(term),
      confirmLease: (term) => this.confirmLeadership(term),
      leaseMs: leaderLeaseMs(this.config.raftTickMs, this.config.raftElectionTicks),
    });

    this.server = new grpc.Server({
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.keepalive_permit_without_calls': 1,
    });
    const proto = loadMasterProto();
    this.server.addService(proto.strata.master.FileSystemMaster.service, masterServiceImplementation(this.fs, this, this.sessions, this.callbacks));
    this.transport = new RaftTransport(this.config.id);
    const raftService = this.transport.service();
    this.server.addService(raftService.definition, raftService.implementation);
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server?.bindAsync(`${this.config.host}:${this.config.port}`, grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(new StrataError(ErrorCode.UNAVAILABLE, `cannot listen on ${this.config.host}:${this.config.port}: ${err.message}`)) : resolve(port),
      );
    });

    this.raft = new RaftNode(
      {
        id: this.config.id,
        dir: path.join(dataDir, 'raft'),
        peers: this.peers(),
        tickMs: this.config.raftTickMs,
        electionTicks: this.config.raftElectionTicks,
        compactEvery: this.config.raftCompactEvery,
        compactKeep: Math.floor(this.config.raftCompactEvery / 10),
        compactBytes: this.config.raftCompactBytes,
      },
      this.sm,
      this.transport,
    );
    this.sm.attach(this.raft, { voters: this.peers() });
    this.sm.beforeApply = (ids, callers) => this.callbacks.beforeApply(ids, callers);
    await this.raft.open(this.sm.conf, this.sm.appliedTerm);
    this.raft.start({
      onLeaderReady: (term) => void this.takeLead(term),
      onStepDown: () => this.loseLead(),
      onFatal: (err) => {
        process.stderr.write(`strata master: ${err.message}; stopping\n`);
        process.exitCode = 1;
        void this.close();
      },
    });
    if (this.config.waitForLeadMs > 0) await this.waitServing(this.config.waitForLeadMs);
  }

  /** The members named on the command line; a lone master stands for itself at its bound address. */
  private peers(): Peer[] {
    if (this.config.peers.length > 0) return this.config.peers;
    return [{ id: this.config.id, address: this.address }];
  }

  /** Resolves once this master serves (a group of one does within a moment of start). */
  private async waitServing(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.serving && Date.now() < deadline && this.closing === null) await new Promise((r) => setTimeout(r, 5));
  }

  /**
   * Everything before this term is applied: format a namespace nobody has
   * formatted yet, reconcile what a crashed leader left half done, then serve.
   */
  private async takeLead(term: number): Promise<void> {
    // Retried while this master leads in the term: a store that is down must
    // not leave a leader that never serves (intents under it stay open).
    for (let attempt = 0; this.raft?.isLeader === true && this.raft.term === term && this.closing === null; attempt++) {
      try {
        if ((await this.store?.getInode(ROOT_ID)) === null) await this.format();
        await this.fs?.startBackground(term);
        if (this.raft?.term === term && this.raft.serving) this.servingTerm = term;
        return;
      } catch (err) {
        if (this.raft?.isLeader !== true || this.raft.term !== term) return;
        process.stderr.write(`strata master: taking the lead failed (attempt ${attempt + 1}): ${String(err)}\n`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)));
      }
    }
  }

  private loseLead(): void {
    this.servingTerm = 0;
    // Another master may now change what these sessions cache: they drop their caches.
    this.callbacks.clear('this master no longer leads');
    this.sm?.rejectPending(this.node.notLeader());
    void this.fs?.stopLeading();
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
    const raft = this.raft?.opened === true ? this.raft : null; // the port answers before the log is read
    const status = raft?.status;
    const leaderId = status?.leader ?? '';
    return {
      id: this.config.id,
      address: this.address,
      role: status === undefined ? 'follower' : status.role === 'preCandidate' ? 'candidate' : status.role,
      term: status?.term ?? 0,
      commitIndex: status?.commit ?? 0,
      appliedIndex: this.sm?.applied ?? 0,
      logFirstIndex: status?.firstIndex ?? 0,
      leaderId,
      leaderAddress: raft?.addressOf(leaderId === '' ? null : leaderId) ?? '',
      peers: (raft?.conf.voters ?? []).map((p) => ({ id: p.id, address: p.address })),
      version: VERSION,
      startTimeMs: this.startTimeMs,
      inodeCount: 0,
      rssBytes: process.memoryUsage.rss(),
      heapUsedBytes: process.memoryUsage().heapUsed,
    };
  }

  checkServing(): number {
    if (!this.serving) throw this.node.notLeader();
    return this.node.term;
  }

  leaseLeft(): number {
    if (!this.serving || this.raft === null) return 0;
    return this.fs?.leaseLeft(this.raft.term) ?? 0;
  }

  async confirmLead(term: number): Promise<void> {
    if (!this.serving || this.node.term !== term) throw this.node.notLeader();
    // Under the leadership lease; a heartbeat round (ReadIndex) when it has lapsed.
    await (this.fs?.confirmRead(term) ?? this.confirmLeadership(term));
    if (!this.serving) throw this.node.notLeader();
  }

  /**
   * A quorum confirmed this master leads in term (it may not serve yet:
   * taking the lead reconciles first). The lease's round: what it proves
   * holds at the quorum's acknowledgement, whatever the apply's lag.
   */
  async confirmLeadership(term: number): Promise<void> {
    await this.node.confirmQuorum();
    if (this.node.term !== term) throw this.node.notLeader();
  }

  /** Adds or removes a voting member (one Raft entry); resolves once it is applied. */
  async changeMembership(change: ConfChange): Promise<{ peers: Peer[]; leaderId: string }> {
    if (!this.serving) throw this.node.notLeader();
    // Idempotent, so a client may retry across a failover: asking for what is already so succeeds.
    const member = this.node.conf.voters.find((p) => p.id === change.id);
    const already = change.type === 'add' ? member !== undefined && member.address === change.address : member === undefined;
    if (already) return { peers: this.node.conf.voters, leaderId: this.node.leaderId ?? '' };
    const at = this.node.proposeConfChange({ ...change, voters: applyConfChange(this.node.conf, change).voters });
    await this.sm?.waitApplied(at);
    return { peers: this.node.conf.voters, leaderId: this.node.leaderId ?? '' };
  }

  async transferLeadership(id: string): Promise<{ peers: Peer[]; leaderId: string }> {
    const term = this.checkServing();
    await this.fencedTransfer(id, term);
    return { peers: this.node.conf.voters, leaderId: this.node.leaderId ?? '' };
  }

  /**
   * A transfer lets the target campaign at once, inside the followers' vote
   * lease: under store changes stop first (those in flight cut off and
   * settled), and start again if the lead stays here.
   */
  private async fencedTransfer(id: string, term: number): Promise<void> {
    if (id !== this.config.id) await this.fs?.fenceOff(TRANSFER_FENCE_WAIT_MS);
    try {
      await this.node.transferLeadership(id);
    } finally {
      if (this.serving && this.node.term === term && id !== this.config.id) this.fs?.resumeLeading(term);
    }
  }

  /** Stops serving and closes everything; safe to call twice. */
  close(): Promise<void> {
    if (this.closing === null) this.closing = this.doClose();
    return this.closing;
  }

  /**
   * A leader that is asked to stop hands the lead to the follower with the
   * most of its log first, so clients wait for a transfer (a round trip or
   * two), not for an election timeout.
   */
  private async handOffLead(): Promise<void> {
    const raft = this.raft;
    if (raft === null || !raft.isLeader) return;
    const others = Object.entries(raft.status.progress).filter(([id]) => id !== this.config.id);
    if (others.length === 0) return;
    others.sort((a, b) => b[1].match - a[1].match);
    await this.fencedTransfer(others[0][0], raft.term).catch(() => undefined); // an election happens instead
  }

  private async doClose(): Promise<void> {
    const server = this.server;
    if (server !== null) {
      // Let calls in flight finish (their locks, Raft entries, under store
      // changes) before the lead moves: a change still running here while a
      // new leader reconciles it would race it. Session streams stay open as
      // long as their clients do: end them once their calls are answered;
      // then end the peers' Raft streams, which never end by themselves.
      this.sessions.drain();
      await this.sessions.drained(5000);
      await this.handOffLead();
      this.transport?.endIncoming();
      await new Promise<void>((resolve) => {
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
      await this.raft?.stop();
      await this.sm?.flush();
    } finally {
      await this.fs?.close();
      await this.rocks?.close();
    }
  }
}

/**
 * A master listening on every interface (0.0.0.0, ::) names itself by this
 * machine's first external address (what a group of one records as its own
 * member address, and what it sends clients in redirects); loopback if it
 * has none.
 */
export function advertisedHost(host: string): string {
  if (host !== '0.0.0.0' && host !== '::' && host !== '') return host;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  }
  return '127.0.0.1';
}
