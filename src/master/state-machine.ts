// The state machine: applies committed Raft entries to the inode store, in
// log order, deterministically, and never fails on a valid entry. propose()
// hands an entry to the Raft node (the leader's) and resolves once that very
// entry (same index, same term) is applied here; an entry lost to a change of
// leader rejects with NOT_LEADER, and the client retries elsewhere. Every
// group of committed entries is applied as one RocksDB batch that also
// records the applied index and its term, so a restart resumes exactly.
//
// Retries: an entry made by a client's call stores the call's reply under
// (client id, seq). callerReply() answers a retried call from there, and an
// entry's firstIncomplete lets the replies the client has seen be dropped.

import { ErrorCode, StrataError } from '../common/errors';
import type { RaftStateMachine } from '../raft/node';
import { readSnapshotFile } from '../raft/snapshot';
import { ConfState, Entry, EntryType, SnapshotMeta, applyConfChange, decodeConfChange } from '../raft/types';
import { Inode } from './inode';
import { InodeStore, LruCache, WriteSet } from './inode-store';
import { changedKeys } from './callbacks';
import { JournalEntry, decodeEntry, encodeEntry } from './journal/entry';
import { MountEntry, MountTable } from './mount-table';
import { Prefix, WriteOp, callerKey, intentKey, metaKey, mountKey, readU64, trashKey, u64, xattrKey, xattrRange } from './rocks-store';

interface Pending {
  term: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Where proposals go: the Raft node (an interface, so the state machine does not own it). */
export interface Proposer {
  /** Refuses (NOT_LEADER) unless this node leads in `term`, when given. */
  propose(data: Buffer, term?: number): { index: number; term: number };
}

/** Rows per RocksDB batch when a snapshot is installed. */
const INSTALL_BATCH_ROWS = 10_000;

export class StateMachine implements RaftStateMachine {
  private appliedIndex = 0;
  private appliedTermValue = 0;
  /** One past the highest inode id ever applied. */
  private nextFreeId = 2;
  private membership: ConfState | null = null;
  /** The membership before any change was applied: the command line's peers. */
  private initialMembership: ConfState = { voters: [] };
  private readonly pending = new Map<number, Pending>();
  private proposer: Proposer | null = null;
  /**
   * Told, before a batch is staged (from then on reads see it), which inodes
   * and names it changes (common/callback-keys.ts) and whose calls made it; what it returns is called once
   * the batch is in the store. The leader's callbacks (callbacks.ts).
   */
  beforeApply: ((keys: ReadonlySet<string>, callers: ReadonlySet<string>) => () => void) | null = null;
  /**
   * Highest seq applied per client, for the most recent clients: filled from
   * the caller replies in RocksDB on a miss (highestSeq), raised by apply.
   */
  readonly latestSeq = new LruCache<string, number>(100_000);
  /** Replies of the batch being applied, until it is in RocksDB (latestSeq already counts them). */
  private readonly stagedReplies = new Map<string, unknown>();

  constructor(
    private readonly store: InodeStore,
    readonly mounts: MountTable,
  ) {}

  /** proposer: where proposals go; initial: the command line's peers, which the first change starts from. */
  attach(proposer: Proposer, initial: ConfState): void {
    this.proposer = proposer;
    this.initialMembership = initial;
  }

  /** One past the highest inode id ever applied: where a leader's id allocator starts. */
  get firstFreeId(): number {
    return this.nextFreeId;
  }

  get applied(): number {
    return this.appliedIndex;
  }

  /** The term of the entry at `applied`. */
  get appliedTerm(): number {
    return this.appliedTermValue;
  }

  /** The membership as of `applied`, or null while it is the command line's. */
  get conf(): ConfState | null {
    return this.membership;
  }

  /** Loads the applied index, mount table and membership from RocksDB. */
  async recover(): Promise<void> {
    const rocks = this.store.rocks;
    const applied = await rocks.get(metaKey('applied'));
    this.appliedIndex = applied === null ? 0 : readU64(applied);
    const appliedTerm = await rocks.get(metaKey('appliedTerm'));
    this.appliedTermValue = appliedTerm === null ? 0 : readU64(appliedTerm);
    const nextId = await rocks.get(metaKey('nextId'));
    this.nextFreeId = nextId === null ? 2 : readU64(nextId);
    const conf = await rocks.get(metaKey('conf'));
    this.membership = conf === null ? null : (JSON.parse(conf.toString('utf8')) as ConfState);
    this.mounts.clear();
    for (const row of await rocks.scan({ gte: Buffer.from([Prefix.MOUNT]), lt: Buffer.from([Prefix.MOUNT + 1]) }, 1_000_000)) {
      this.mounts.put(JSON.parse(row.value.toString('utf8')) as MountEntry);
    }
    this.latestSeq.clear();
  }

  /** Proposes the entry (within `term` only, when given); resolves once it is committed and applied here. */
  propose(entry: JournalEntry, term?: number): Promise<void> {
    if (this.proposer === null) return Promise.reject(new StrataError(ErrorCode.CLOSED, 'the master is not started'));
    let at: { index: number; term: number };
    try {
      at = this.proposer.propose(encodeEntry(entry), term);
    } catch (err) {
      return Promise.reject(err); // NOT_LEADER, CLOSED, or IO once the node has failed
    }
    return new Promise<void>((resolve, reject) => this.pending.set(at.index, { term: at.term, resolve, reject }));
  }

  /** Waits for the apply of an entry proposed elsewhere (membership changes). */
  waitApplied(at: { index: number; term: number }): Promise<void> {
    return new Promise<void>((resolve, reject) => this.pending.set(at.index, { term: at.term, resolve, reject }));
  }

  /** This master stopped leading: its proposals may never commit; clients retry on the new leader. */
  rejectPending(err: StrataError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }

  /** Applies committed entries (in index order) as one RocksDB batch with the applied index. */
  async apply(entries: Entry[]): Promise<void> {
    const set = this.store.newWriteSet();
    // The applied index moves only once the batch is in RocksDB: a batch that
    // fails leaves it where the store has it.
    let applied = this.appliedIndex;
    let conf = this.membership;
    // Decoded first, so that the callbacks hear of every inode the batch
    // changes before the first of them is staged.
    const decoded = entries.map((e) => (e.index > applied && e.type !== EntryType.CONF_CHANGE && e.data.length > 0 ? decodeEntry(e.data) : null));
    let announced: (() => void) | null = null;
    if (this.beforeApply !== null) {
      const keys = new Set<string>();
      const callers = new Set<string>();
      for (const entry of decoded) {
        if (entry === null) continue;
        changedKeys(entry.ops, keys);
        if (entry.caller !== undefined) callers.add(entry.caller.clientId);
      }
      if (keys.size > 0) announced = this.beforeApply(keys, callers);
    }
    try {
      await this.applyBatch(entries, decoded, set, applied, conf);
    } finally {
      announced?.();
    }
  }

  private async applyBatch(entries: Entry[], decoded: (JournalEntry | null)[], set: WriteSet, applied: number, conf: ConfState | null): Promise<void> {
    for (const [i, e] of entries.entries()) {
      if (e.index <= applied) continue; // re-handed after a restart: already in RocksDB
      if (e.index !== applied + 1) throw new Error(`log gap: applying ${e.index} after ${applied}`);
      if (e.type === EntryType.CONF_CHANGE) {
        conf = applyConfChange(conf ?? this.initialMembership, decodeConfChange(e.data));
        set.put(metaKey('conf'), Buffer.from(JSON.stringify(conf)));
      } else if (e.data.length > 0) {
        const entry = decoded[i] ?? decodeEntry(e.data);
        // A client call applied before (a copy proposed by a leader that lost
        // and regained the lead) changes nothing the second time.
        if (entry.caller === undefined || !(await this.wasApplied(entry.caller.clientId, entry.caller.seq))) await this.applyEntry(set, entry);
      }
      applied = e.index;
    }
    if (applied === this.appliedIndex) return;
    const last = entries[entries.length - 1];
    set.put(metaKey('applied'), u64(applied));
    set.put(metaKey('appliedTerm'), u64(last.term));
    // Ids are never reused, even when the newest inodes were deleted before a restart.
    set.put(metaKey('nextId'), u64(this.nextFreeId));
    try {
      await this.store.commit(set);
    } finally {
      this.stagedReplies.clear();
    }
    this.appliedIndex = applied;
    this.appliedTermValue = last.term;
    this.membership = conf;
    for (const e of entries) {
      const p = this.pending.get(e.index);
      if (p === undefined) continue;
      this.pending.delete(e.index);
      if (p.term === e.term) p.resolve();
      else p.reject(new StrataError(ErrorCode.NOT_LEADER, 'the entry was replaced by a newer leader'));
    }
  }

  /** The state as of now (between applies), for a follower that needs a snapshot. */
  openSnapshot(): { index: number; conf: ConfState | null; rows: AsyncIterable<{ key: Buffer; value: Buffer }>; release: () => Promise<void> } {
    const snap = this.store.rocks.openSnapshot();
    return { index: this.appliedIndex, conf: this.membership, ...snap };
  }

  /** Replaces everything in RocksDB with the snapshot's rows, then reloads what is kept in memory. */
  async installSnapshot(meta: SnapshotMeta, file: string): Promise<void> {
    const rocks = this.store.rocks;
    await rocks.write([{ kind: 'deleteRange', gte: Buffer.alloc(0), lt: Buffer.from([0xff]) }]);
    let batch: WriteOp[] = [];
    for await (const { key, value } of readSnapshotFile(file)) {
      batch.push({ kind: 'put', key, value });
      if (batch.length >= INSTALL_BATCH_ROWS) {
        await rocks.write(batch);
        batch = [];
      }
    }
    // The rows are the leader's, membership included (none stored while the
    // group still runs on its command-line peers); the applied index is meta's.
    batch.push({ kind: 'put', key: metaKey('applied'), value: u64(meta.index) });
    batch.push({ kind: 'put', key: metaKey('appliedTerm'), value: u64(meta.term) });
    await rocks.write(batch);
    this.store.invalidateCaches();
    await this.recover();
  }

  /** Makes what is applied durable without the log (memtables to SST files). */
  async flush(): Promise<void> {
    await this.store.rocks.flushMemtables();
  }

  private async applyEntry(set: WriteSet, entry: JournalEntry): Promise<void> {
    // Directories whose set of children this entry changes, and by how many edge ops.
    const changedDirs = new Map<number, number>();
    for (const op of entry.ops) {
      switch (op.op) {
        case 'putInode':
          set.putInode(op.inode);
          if (op.inode.id >= this.nextFreeId) this.nextFreeId = op.inode.id + 1;
          break;
        case 'deleteInode': {
          const inode = await this.store.getInode(op.id);
          set.deleteInode(op.id);
          if (inode?.hasXattrs) set.deleteRange(xattrRange(op.id).gte, xattrRange(op.id).lt);
          break;
        }
        case 'putXattr': {
          const inode = await this.store.getInode(op.id);
          if (inode !== null && !inode.hasXattrs) set.putInode({ ...inode, hasXattrs: true });
          set.put(xattrKey(op.id, op.name), Buffer.from(op.value, 'base64'));
          break;
        }
        case 'deleteXattr':
          set.delete(xattrKey(op.id, op.name));
          break;
        case 'putEdge':
          set.putEdge(op.parent, op.name, op.child);
          changedDirs.set(op.parent, (changedDirs.get(op.parent) ?? 0) + 1);
          break;
        case 'deleteEdge':
          set.deleteEdge(op.parent, op.name);
          changedDirs.set(op.parent, (changedDirs.get(op.parent) ?? 0) + 1);
          break;
        case 'touchDir': {
          const dir = await this.store.getInode(op.id);
          if (dir === null) break; // removed by an earlier entry of the same log
          const next: Inode = {
            ...dir,
            mtimeMs: Math.max(dir.mtimeMs, op.mtimeMs),
            ctimeMs: Math.max(dir.ctimeMs, op.mtimeMs),
            nlink: dir.nlink + op.nlinkDelta,
          };
          set.putInode(next);
          break;
        }
        case 'markLoaded': {
          const dir = await this.store.getInode(op.id);
          if (dir === null) break;
          set.putInode({ ...dir, loaded: true, fingerprint: op.fingerprint });
          break;
        }
        case 'trash':
          set.put(trashKey(op.id), Buffer.alloc(0));
          break;
        case 'untrash':
          set.delete(trashKey(op.id));
          break;
        case 'putIntent':
          set.put(intentKey(op.id), Buffer.from(JSON.stringify(op.intent)));
          break;
        case 'clearIntent':
          set.delete(intentKey(op.id));
          break;
        case 'putMount':
          set.put(mountKey(op.mount.id), Buffer.from(JSON.stringify(op.mount)));
          this.mounts.put(op.mount);
          break;
        case 'deleteMount':
          set.delete(mountKey(op.id));
          this.mounts.delete(op.id);
          break;
      }
    }
    // Once per directory and entry, after its other ops (which may have put
    // or deleted that very inode): a sync's page of a thousand edges costs
    // one inode write, not a thousand.
    for (const [id, n] of changedDirs) {
      const dir = await this.store.getInode(id);
      if (dir === null) continue; // removed by this entry or an earlier one
      set.putInode({ ...dir, childrenVersion: (dir.childrenVersion ?? 0) + n });
    }
    const caller = entry.caller;
    if (caller !== undefined) {
      set.put(callerKey(caller.clientId, caller.seq), Buffer.from(JSON.stringify(entry.reply ?? null)));
      this.stagedReplies.set(`${caller.clientId}#${caller.seq}`, entry.reply ?? null);
      if (caller.firstIncomplete > 0) {
        set.deleteRange(callerKey(caller.clientId, 0), callerKey(caller.clientId, Math.min(caller.firstIncomplete, caller.seq)));
      }
      const latest = this.latestSeq.get(caller.clientId) ?? 0;
      if (caller.seq > latest) this.latestSeq.set(caller.clientId, caller.seq);
    }
  }

  /** Whether the client's call (clientId, seq) was applied before; the same answer on every master. */
  private async wasApplied(clientId: string, seq: number): Promise<boolean> {
    const latest = this.latestSeq.get(clientId);
    if (latest !== undefined && seq > latest) return false; // latestSeq, when known, is exact
    if (this.stagedReplies.has(`${clientId}#${seq}`)) return true;
    return (await this.store.rocks.get(callerKey(clientId, seq))) !== null;
  }

  /**
   * The highest seq of the client's calls applied so far (0 if none). Applied
   * calls still in flight count (latestSeq is set at apply); the RocksDB part
   * is exact because trimming never removes a client's highest reply (a trim
   * stops below the seq of the entry that makes it).
   */
  async highestSeq(clientId: string): Promise<number> {
    const known = this.latestSeq.get(clientId);
    if (known !== undefined) return known;
    const row = await this.store.rocks.last({ gte: callerKey(clientId, 0), lt: callerKey(clientId, Number.MAX_SAFE_INTEGER) });
    const stored = row === null ? 0 : readU64(row.key, row.key.length - 8);
    const latest = Math.max(stored, this.latestSeq.get(clientId) ?? 0); // apply may have moved it meanwhile
    if (latest > 0) this.latestSeq.set(clientId, latest);
    return latest;
  }

  /** The stored reply of an applied call, or undefined if that call was never applied. */
  async callerReply(clientId: string, seq: number): Promise<unknown> {
    const staged = this.stagedReplies.get(`${clientId}#${seq}`);
    if (staged !== undefined) return staged;
    const value = await this.store.rocks.get(callerKey(clientId, seq));
    return value === null ? undefined : (JSON.parse(value.toString('utf8')) as unknown);
  }
}
