// The Raft driver: everything around the pure core (core.ts) that touches
// the world. It owns the clock (ticks), the durable log (log.ts), the
// transport (transport.ts) and snapshots (snapshot.ts), and hands committed
// entries to the state machine. Each Ready of the core is handled in the
// order etcd documents on its fields:
//
//   1. a leader's append messages go out at once (Raft §10.2.1: a leader may
//      replicate before its own write; it counts itself only once durable);
//   2. a snapshot to install replaces the state and the log;
//   3. the hard state (term, vote) and new entries are written; the writes
//      of the next Readies may start meanwhile (the log keeps them in order
//      and group-commits them);
//   4. committed entries (durable already) are queued for apply, which runs
//      behind, in order;
//   5. once this Ready's writes and all earlier ones are durable, every other
//      message is sent (a vote or an ack never leaves before what it
//      promises is on disk), and advance().
//
// One master is a Raft group of one: the same path, where the quorum is the
// node itself (it campaigns at start and wins without messages).

import * as fs from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, StrataError } from '../common/errors';
import { RaftCore } from './core';
import { RaftLog, fsyncDir } from './log';
import { chunkRows, receiveSnapshotFile } from './snapshot';
import type { RaftTransport } from './transport';
import type { ConfChange, ConfState, Entry, HardState, Message, NodeId, Peer, Ready, Role, SnapshotMeta } from './types';

/** What the driver needs of the state it replicates (the master's StateMachine). */
export interface RaftStateMachine {
  /** Applies committed entries, in order, as one durable-enough batch (re-applied after a crash). */
  apply(entries: Entry[]): Promise<void>;
  /** The last index applied. */
  readonly applied: number;
  /** The state as of `applied`, taken now, and its membership (null: the command line's); release() when the stream is done. */
  openSnapshot(): { index: number; conf: ConfState | null; rows: AsyncIterable<{ key: Buffer; value: Buffer }>; release: () => Promise<void> };
  /** Replaces the whole state with a snapshot file's rows (applied becomes meta.index). */
  installSnapshot(meta: SnapshotMeta, file: string): Promise<void>;
  /** Makes everything applied so far durable on its own (RocksDB memtable flush), so the log before it can go. */
  flush(): Promise<void>;
}

export interface RaftNodeOptions {
  id: NodeId;
  /** DIR/raft: the log, the hard state, snapshots being received or installed. */
  dir: string;
  /** Masters given on the command line: used until the state holds a membership. */
  peers: Peer[];
  tickMs?: number;
  electionTicks?: number;
  heartbeatTicks?: number;
  /** Applied entries between log compactions. */
  compactEvery?: number;
  /** Compact also once this many bytes of entry data were applied since the last compaction (the in-memory log stays bounded when entries are large). */
  compactBytes?: number;
  /** Entries kept behind the compaction point for followers that lag a little. */
  compactKeep?: number;
}

export interface LeadershipListener {
  /** This node leads and has applied every entry before its term: it may serve. */
  onLeaderReady(term: number): void;
  /** This node stopped leading (or never got ready). */
  onStepDown(leader: NodeId | null): void;
  /** The apply pipeline failed: the state on disk can no longer be trusted to move on. */
  onFatal(err: Error): void;
}

interface ReadWaiter {
  /** Resolved when the quorum acknowledges the round, not once the apply caught up with it. */
  atAck: boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

const DEFAULT_TICK_MS = 100;
const DEFAULT_ELECTION_TICKS = 10;

/**
 * How long after a quorum acknowledged a leader's heartbeat round (started
 * at t) no other node can lead: a follower grants no vote for electionTicks
 * ticks after it heard the leader (check-quorum's lease in core.ts), and its
 * tick timer may fire right after that, so one tick is lost; one more tick of
 * margin for timers that fire late on a busy machine.
 */
export function leaderLeaseMs(tickMs = DEFAULT_TICK_MS, electionTicks = DEFAULT_ELECTION_TICKS): number {
  return Math.max(0, electionTicks - 2) * tickMs;
}
/** Readies whose writes may be under way at once before the loop waits. */
const MAX_READIES_IN_FLIGHT = 4;
const READ_TIMEOUT_MS = 5000;

export class RaftNode {
  readonly id: NodeId;
  private core!: RaftCore;
  private readonly log: RaftLog;
  private readonly tickMs: number;
  private readonly electionTicks: number;
  private readonly heartbeatTicks: number;
  private readonly compactEvery: number;
  private readonly compactKeep: number;
  private readonly compactBytes: number;
  /** Entry data bytes applied since start, and after which index each apply left the count (for compaction by bytes). */
  private appliedBytes = 0;
  private appliedBytesAtCompact = 0;
  private readonly appliedMarks: Array<{ index: number; bytes: number }> = [];
  private tickTimer: NodeJS.Timeout | null = null;
  private processing = false;
  private processAgain = false;
  private stopped = false;
  private failed: Error | null = null;
  /** Apply runs behind persistence, one batch after another. */
  private applyChain: Promise<void> = Promise.resolve();
  private appliedTerm = 0;
  private lastCompactAt = 0;
  private compacting = false;
  private savedTerm = 0;
  private savedVote = '';
  private role: Role = 'follower';
  private leaderReadyTerm = 0;
  /** Reads waiting for the next ReadIndex round, and rounds in flight. */
  private nextRead: ReadWaiter[] = [];
  private readonly readRounds = new Map<number, ReadWaiter[]>();
  private readonly readsAtIndex: Array<{ index: number; waiters: ReadWaiter[] }> = [];
  private nextReadId = 1;
  private readScheduled = false;
  private readonly snapshotsSending = new Set<NodeId>();
  private receivingSnapshot = false;
  /** Snapshots received and offered to the core, by term:index, until one is installed. */
  private readonly receivedSnapshots = new Map<string, string>();
  private compaction: Promise<void> = Promise.resolve();
  /** Resolves once every Ready handed to persist() so far is durable and advanced. */
  private persisted: Promise<void> = Promise.resolve();
  private readiesInFlight = 0;
  private listener: LeadershipListener | null = null;
  private linkedConf = '';

  constructor(
    private readonly options: RaftNodeOptions,
    private readonly sm: RaftStateMachine,
    private readonly transport: RaftTransport,
  ) {
    this.id = options.id;
    this.log = new RaftLog(options.dir);
    this.tickMs = options.tickMs ?? DEFAULT_TICK_MS;
    this.electionTicks = options.electionTicks ?? DEFAULT_ELECTION_TICKS;
    this.heartbeatTicks = options.heartbeatTicks ?? 1;
    this.compactEvery = options.compactEvery ?? 50_000;
    this.compactKeep = options.compactKeep ?? 5_000;
    this.compactBytes = options.compactBytes ?? 64 * 1024 * 1024;
  }

  private receivedFile(meta: SnapshotMeta): string {
    return path.join(this.options.dir, `snapshot-${snapshotName(meta)}.recv`);
  }

  private get pendingSnapshotFile(): string {
    return path.join(this.options.dir, 'snapshot.pending');
  }

  /**
   * Recovers the log and the state, and builds the core. A snapshot install
   * cut short by a crash is redone first; a state that came from a snapshot
   * the log never saw (crash between install and log reset) resets the log.
   */
  async open(storedConf: ConfState | null, appliedTerm: number): Promise<void> {
    await fs.mkdir(this.options.dir, { recursive: true });
    for (const name of await fs.readdir(this.options.dir)) {
      if (/^snapshot-.*\.recv$/.test(name)) await fs.rm(path.join(this.options.dir, name), { force: true }); // offers a crash cut short
    }
    const persisted = await this.log.open();
    await this.finishPendingInstall();
    let { entries, snapshotIndex, snapshotTerm } = persisted;
    const applied = this.sm.applied;
    const termInLog = (i: number) => (i === snapshotIndex ? snapshotTerm : entries[i - snapshotIndex - 1]?.term);
    if (applied > snapshotIndex && termInLog(applied) !== appliedTerm) {
      await this.log.reset(applied, appliedTerm);
      entries = [];
      snapshotIndex = applied;
      snapshotTerm = appliedTerm;
    } else if (applied < snapshotIndex) {
      throw new StrataError(ErrorCode.IO, `the state has applied ${applied} but the log starts after ${snapshotIndex}`);
    }
    this.appliedTerm = appliedTerm;
    this.savedTerm = persisted.hardState.term;
    this.savedVote = persisted.hardState.vote;
    const conf = storedConf ?? { voters: this.options.peers };
    this.core = new RaftCore(
      {
        id: this.id,
        electionTicks: this.electionTicks,
        heartbeatTicks: this.heartbeatTicks,
        maxEntriesPerMessage: 512,
        maxInflight: 64,
        random: Math.random,
        holdVotesAtStart: true,
      },
      { hardState: persisted.hardState, conf, snapshotIndex, snapshotTerm, entries, applied },
    );
    this.lastCompactAt = Math.max(applied, snapshotIndex);
    this.followMembership();
  }

  /** Starts ticking and serving Raft traffic. */
  start(listener: LeadershipListener): void {
    this.listener = listener;
    this.transport.start({
      onMessage: (msg) => this.step(msg),
      onSnapshot: (header, chunks) => this.receiveSnapshot(header, chunks),
    });
    this.tickTimer = setInterval(() => {
      this.core.tick();
      this.schedule();
    }, this.tickMs);
    // A group of one elects itself at once; others wait for their timeout.
    const voters = this.core.confState.voters;
    if (voters.length === 1 && voters[0].id === this.id) this.core.campaign();
    this.schedule();
  }

  // ------------------------------------------------------------ queries

  get status(): RaftCore['status'] {
    return this.core.status;
  }

  get term(): number {
    return this.core?.term ?? 0;
  }

  get isLeader(): boolean {
    return this.core?.isLeader ?? false;
  }

  /** Whether open() has read the log (status and the rest are known). */
  get opened(): boolean {
    return this.core !== undefined;
  }

  get leaderId(): NodeId | null {
    return this.core.leaderId;
  }

  get conf(): ConfState {
    return this.core.confState;
  }

  addressOf(id: NodeId | null): string {
    if (id === null) return '';
    return this.knownPeers().find((p) => p.id === id)?.address ?? '';
  }

  /** Whether this node leads and has applied everything before its term. */
  get serving(): boolean {
    // Before open() there is no core yet: the masters' port answers (pings, info) from the start.
    if (!this.opened) return false;
    return this.core.isLeader && this.leaderReadyTerm === this.core.term;
  }

  // ------------------------------------------------------------ proposals

  /**
   * Appends an entry (leader only); the caller waits for its apply. With
   * `term`, only while this node leads in that very term.
   */
  propose(data: Buffer, term?: number): { index: number; term: number } {
    this.checkUsable();
    if (term !== undefined && (term !== this.core.term || !this.core.isLeader)) throw this.notLeader();
    const at = this.core.propose(data);
    this.schedule();
    return at;
  }

  proposeConfChange(change: ConfChange): { index: number; term: number } {
    this.checkUsable();
    const at = this.core.proposeConfChange(change);
    this.schedule();
    return at;
  }

  /** Starts a leadership transfer; resolves once `to` leads, or fails after an election timeout. */
  async transferLeadership(to: NodeId): Promise<void> {
    this.checkUsable();
    if (!this.core.isLeader) throw this.notLeader();
    if (!this.core.confState.voters.some((p) => p.id === to)) throw new StrataError(ErrorCode.NOT_FOUND, `no master with id ${to}`);
    if (to === this.id) return;
    this.core.transferLeadership(to);
    this.schedule();
    const deadline = Date.now() + 4 * this.electionTicks * this.tickMs;
    while (Date.now() < deadline) {
      if (this.core.leaderId === to) return;
      await new Promise((r) => setTimeout(r, this.tickMs / 2));
    }
    throw new StrataError(ErrorCode.UNAVAILABLE, `leadership did not move to ${to} in time`);
  }

  /**
   * Resolves once this node is confirmed leader by a quorum after the call
   * (ReadIndex) and has applied up to the confirmed commit index: a read
   * served after this sees every write acknowledged before the call. Calls
   * in one turn of the event loop share one round.
   */
  readBarrier(): Promise<void> {
    return this.readRound(false);
  }

  /**
   * Resolves once a quorum confirmed this node leads, in a heartbeat round
   * started after the call, without waiting for the apply to catch up (a
   * leadership lease counts from before the round: src/master/store-fence.ts).
   */
  confirmQuorum(): Promise<void> {
    return this.readRound(true);
  }

  private readRound(atAck: boolean): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (!this.serving) return Promise.reject(this.notLeader());
    const voters = this.core.confState.voters;
    if (voters.length === 1 && voters[0].id === this.id) return Promise.resolve(); // a quorum of one: itself
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new StrataError(ErrorCode.UNAVAILABLE, 'no quorum confirmed the leader in time')), READ_TIMEOUT_MS);
      this.nextRead.push({
        atAck,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      if (!this.readScheduled) {
        this.readScheduled = true;
        setImmediate(() => this.startReadRound());
      }
    });
  }

  private startReadRound(): void {
    this.readScheduled = false;
    const waiters = this.nextRead;
    this.nextRead = [];
    if (waiters.length === 0) return;
    const id = this.nextReadId++;
    if (!this.core.readIndex(id)) {
      for (const w of waiters) w.reject(this.notLeader());
      return;
    }
    this.readRounds.set(id, waiters);
    this.schedule();
  }

  // ------------------------------------------------------------ the loop

  private step(msg: Message): void {
    if (this.stopped || this.failed) return;
    this.core.step(msg);
    this.schedule();
  }

  private schedule(): void {
    if (this.processing) {
      this.processAgain = true;
      return;
    }
    if (this.stopped || this.failed) return;
    this.processing = true;
    setImmediate(() => {
      this.processReadies().then(
        () => {
          this.processing = false;
          if (this.processAgain) {
            this.processAgain = false;
            this.schedule();
          }
        },
        (err: unknown) => this.fail(err),
      );
    });
  }

  private async processReadies(): Promise<void> {
    while (!this.stopped && !this.failed && this.core.hasReady()) {
      const rd = this.core.ready();
      if (rd.softState !== null) this.onSoftState(rd.softState.role, rd.softState.leader);
      this.transport.send(rd.messages.filter((m) => m.type === 'append'));
      if (rd.snapshot !== null) {
        await this.persisted; // the install replaces the log those writes go to
        await this.installSnapshot(rd.snapshot);
      }
      // Writes of successive Readies overlap (the log keeps them in order and
      // group-commits what queues up), so a leader hands out what its
      // followers' acks committed without waiting for its next own fsync.
      // Each Ready's messages and advance() wait for its writes and all
      // earlier ones.
      const written = this.persist(rd);
      if (rd.committedEntries.length > 0) {
        const entries = rd.committedEntries; // durable already: only entries <= the stable index are handed out
        this.applyChain = this.applyChain.then(() => this.applyCommitted(entries));
        this.applyChain.catch((err: unknown) => this.fail(err));
      }
      for (const rs of rd.readStates) this.onReadState(rs.requestId, rs.index);
      this.readiesInFlight++;
      this.persisted = Promise.all([this.persisted, written]).then(() => {
        this.readiesInFlight--;
        if (this.stopped || this.failed) return;
        for (const msg of rd.messages) {
          if (msg.type === 'append') continue;
          if (msg.type === 'snapshot') this.sendSnapshot(msg);
          else this.transport.send([msg]);
        }
        this.core.advance(rd);
        this.followMembership();
        this.schedule();
      });
      this.persisted.catch((err: unknown) => this.fail(err));
      if (this.readiesInFlight >= MAX_READIES_IN_FLIGHT) await this.persisted;
    }
  }

  private async persist(rd: Ready): Promise<void> {
    // The hard state has its own file: both are made durable at once.
    const writes: Array<Promise<void>> = [];
    const hs: HardState | null = rd.hardState;
    if (hs !== null && (hs.term !== this.savedTerm || hs.vote !== this.savedVote)) {
      writes.push(this.log.saveHardState(hs));
      this.savedTerm = hs.term;
      this.savedVote = hs.vote;
    }
    if (rd.entries.length > 0) writes.push(this.log.append(rd.entries));
    await Promise.all(writes);
  }

  private async applyCommitted(entries: Entry[]): Promise<void> {
    await this.sm.apply(entries);
    for (const e of entries) this.appliedBytes += e.data.length;
    this.appliedMarks.push({ index: entries[entries.length - 1].index, bytes: this.appliedBytes });
    this.appliedTerm = entries[entries.length - 1].term;
    this.checkLeaderReady();
    this.wakeReads();
    this.maybeCompact();
  }

  private onSoftState(role: Role, leader: NodeId | null): void {
    const wasLeader = this.role === 'leader';
    this.role = role;
    if (wasLeader && role !== 'leader') {
      this.leaderReadyTerm = 0;
      this.failReads(this.notLeader());
      this.listener?.onStepDown(leader);
    }
    if (role === 'leader') this.checkLeaderReady();
  }

  /** A new leader serves once an entry of its own term (its no-op) is applied. */
  private checkLeaderReady(): void {
    if (!this.core.isLeader || this.leaderReadyTerm === this.core.term) return;
    if (this.appliedTerm !== this.core.term) return;
    this.leaderReadyTerm = this.core.term;
    this.listener?.onLeaderReady(this.core.term);
  }

  // ------------------------------------------------------------ reads

  private onReadState(requestId: number, index: number): void {
    const waiters = this.readRounds.get(requestId);
    if (waiters === undefined) return;
    this.readRounds.delete(requestId);
    for (const w of waiters) if (w.atAck) w.resolve();
    const reads = waiters.filter((w) => !w.atAck);
    if (reads.length === 0) return;
    this.readsAtIndex.push({ index, waiters: reads });
    this.wakeReads();
  }

  private wakeReads(): void {
    const applied = this.sm.applied;
    for (let i = this.readsAtIndex.length - 1; i >= 0; i--) {
      const round = this.readsAtIndex[i];
      if (round.index > applied) continue;
      this.readsAtIndex.splice(i, 1);
      for (const w of round.waiters) w.resolve();
    }
  }

  private failReads(err: Error): void {
    const all = [...this.nextRead, ...[...this.readRounds.values()].flat(), ...this.readsAtIndex.flatMap((r) => r.waiters)];
    this.nextRead = [];
    this.readRounds.clear();
    this.readsAtIndex.length = 0;
    for (const w of all) w.reject(err);
  }

  // ------------------------------------------------------------ snapshots and compaction

  private maybeCompact(): void {
    const applied = this.sm.applied;
    const dueByCount = applied - this.lastCompactAt >= this.compactEvery;
    const dueByBytes = this.appliedBytes - this.appliedBytesAtCompact >= this.compactBytes;
    if (this.compacting || (!dueByCount && !dueByBytes)) return;
    this.compacting = true;
    // Keep compactKeep entries for followers a little behind, but no more
    // than a tenth of compactBytes of them.
    let upTo = applied - this.compactKeep;
    const keepFromBytes = this.appliedBytes - this.compactBytes / 10;
    for (const mark of this.appliedMarks) {
      if (mark.bytes > keepFromBytes) break;
      upTo = Math.max(upTo, mark.index);
    }
    const bytesNow = this.appliedBytes;
    this.compaction = this.sm
      .flush()
      .then(async () => {
        // The apply may run a Ready or two ahead of what the core counts as
        // applied (advance comes after the writes); the core compacts only that.
        upTo = Math.min(upTo, this.core.status.applied);
        const term = this.core.termAt(upTo);
        if (term === null || upTo <= this.core.status.firstIndex - 1) return;
        this.core.compact(upTo);
        await this.log.compact(upTo, term);
      })
      .then(
        () => {
          this.lastCompactAt = applied;
          this.appliedBytesAtCompact = bytesNow;
          while (this.appliedMarks.length > 0 && this.appliedMarks[0].index <= upTo) this.appliedMarks.shift();
          this.compacting = false;
        },
        (err: unknown) => this.fail(err),
      );
  }

  /** Streams the state, as of the next point between applies, to a follower that fell behind the log. */
  private sendSnapshot(msg: Message): void {
    if (this.snapshotsSending.has(msg.to)) return;
    this.snapshotsSending.add(msg.to);
    const opened = this.applyChain.then(() => this.sm.openSnapshot());
    void opened
      .then(async (snap) => {
        try {
          const term = this.core.termAt(snap.index);
          if (term === null) return false;
          const header: Message = { ...msg, snapshot: { index: snap.index, term, conf: snap.conf ?? { voters: this.options.peers } } };
          return await this.transport.sendSnapshot(header, chunkRows(snap.rows));
        } finally {
          await snap.release();
        }
      })
      .catch(() => false)
      .then((ok) => {
        this.snapshotsSending.delete(msg.to);
        if (this.stopped) return;
        this.core.reportSnapshot(msg.to, ok);
        this.schedule();
      });
  }

  /** A snapshot from the leader: stored on disk first, then offered to the core. */
  private async receiveSnapshot(header: Message, chunks: AsyncIterable<Buffer>): Promise<boolean> {
    if (this.receivingSnapshot || this.stopped || header.snapshot === undefined) return false;
    this.receivingSnapshot = true;
    try {
      // One file per snapshot: a second stream arriving before the first is
      // installed must not overwrite the file the core has accepted.
      const file = this.receivedFile(header.snapshot);
      await receiveSnapshotFile(file, chunks);
      this.receivedSnapshots.set(snapshotName(header.snapshot), file);
      this.step(header);
      return true;
    } finally {
      this.receivingSnapshot = false;
    }
  }

  /**
   * The core accepted a snapshot: make the received file the pending one
   * (durably, with its meta), install it, reset the log, and drop the file.
   * Restart redoes whatever a crash cut short (finishPendingInstall).
   */
  private async installSnapshot(meta: SnapshotMeta): Promise<void> {
    await this.applyChain; // the install replaces the state that applies write to
    const dir = this.options.dir;
    const received = this.receivedSnapshots.get(snapshotName(meta)) ?? this.receivedFile(meta);
    await writeFileDurable(path.join(dir, 'snapshot.pending.meta'), JSON.stringify(meta));
    await fs.rename(received, this.pendingSnapshotFile);
    await fsyncDir(dir);
    // Other received files are older offers the core did not take.
    for (const file of this.receivedSnapshots.values()) await fs.rm(file, { force: true });
    this.receivedSnapshots.clear();
    await this.finishPendingInstall();
  }

  private async finishPendingInstall(): Promise<void> {
    const dir = this.options.dir;
    let meta: SnapshotMeta;
    try {
      await fs.access(this.pendingSnapshotFile);
      meta = JSON.parse(await fs.readFile(path.join(dir, 'snapshot.pending.meta'), 'utf8')) as SnapshotMeta;
    } catch {
      return; // nothing pending
    }
    await this.sm.installSnapshot(meta, this.pendingSnapshotFile);
    // RocksDB's own writes are not synced: make the new state durable before
    // the log that could rebuild it is dropped.
    await this.sm.flush();
    await this.log.reset(meta.index, meta.term);
    this.appliedTerm = meta.term;
    this.lastCompactAt = meta.index;
    await fs.rm(this.pendingSnapshotFile, { force: true });
    await fs.rm(path.join(dir, 'snapshot.pending.meta'), { force: true });
    await fsyncDir(dir);
    this.wakeReads();
  }

  // ------------------------------------------------------------ peers, errors, shutdown

  /** Keeps the transport's links in step with the membership (changes land in ready/advance). */
  private followMembership(): void {
    const key = JSON.stringify(this.core.confState.voters);
    if (key === this.linkedConf) return;
    this.linkedConf = key;
    this.transport.setPeers(this.knownPeers());
  }

  /** Voters, plus command-line peers not (yet) in the membership (a master being added talks to them). */
  private knownPeers(): Peer[] {
    const voters = this.core?.confState.voters ?? [];
    const extra = this.options.peers.filter((p) => !voters.some((v) => v.id === p.id));
    return [...voters, ...extra];
  }

  notLeader(): StrataError {
    const leader = this.core.leaderId;
    const address = leader !== null && leader !== this.id ? this.addressOf(leader) : '';
    return new StrataError(ErrorCode.NOT_LEADER, address !== '' ? `not the leader; the leader is ${leader} at ${address}` : 'not the leader; no leader is known yet', {
      leaderAddress: address,
    });
  }

  private checkUsable(): void {
    if (this.failed) throw this.failed;
    if (this.stopped) throw new StrataError(ErrorCode.CLOSED, 'the master is shutting down');
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = new StrataError(ErrorCode.IO, `raft: ${err instanceof Error ? err.message : String(err)}`);
    this.processing = false;
    this.failReads(this.failed);
    this.listener?.onFatal(this.failed);
  }

  /** Stops ticking and talking; waits for the log and the applies in flight. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    this.transport.close();
    this.failReads(new StrataError(ErrorCode.CLOSED, 'the master is shutting down'));
    while (this.processing) await new Promise((r) => setTimeout(r, 5));
    await this.persisted.catch(() => undefined);
    await this.applyChain.catch(() => undefined);
    await this.compaction.catch(() => undefined);
    await this.log.close();
  }
}

async function writeFileDurable(file: string, content: string): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(content);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

function snapshotName(meta: SnapshotMeta): string {
  return `${meta.term}-${meta.index}`;
}
