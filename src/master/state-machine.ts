// The state machine: applies journal entries to the inode store, in log
// order, deterministically, and never fails on a valid entry. It also owns
// the commit pipeline of the local journal: propose() appends an entry,
// waits until it is durable, applies it together with whatever else became
// durable meanwhile as one RocksDB batch (which also records the applied
// index), and only then resolves. So many concurrent mutations share one
// fdatasync (the journal's group commit) and one RocksDB write.
//
// Retries: an entry made by a client's call stores the call's reply under
// (client id, seq). callerReply() answers a retried call from there, and an
// entry's firstIncomplete lets the replies the client has seen be dropped.

import { ErrorCode, StrataError } from '../common/errors';
import { Inode } from './inode';
import { InodeStore, LruCache, WriteSet } from './inode-store';
import type { AppendHandle, Journal } from './journal/journal';
import { JournalEntry, decodeEntry, encodeEntry } from './journal/entry';
import { MountEntry, MountTable } from './mount-table';
import { Prefix, callerKey, intentKey, metaKey, mountKey, readU64, trashKey, u64, xattrKey, xattrRange } from './rocks-store';

interface Pending {
  index: number;
  entry: JournalEntry;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** How many applied entries between journal compactions. */
const COMPACT_EVERY = 200_000;

export class StateMachine {
  private appliedIndex = 0;
  /** One past the highest inode id ever applied. */
  private nextFreeId = 2;
  private readonly applyQueue: Pending[] = [];
  private applying = false;
  private failed: StrataError | null = null;
  private lastCompactedAt = 0;
  private compacting = false;
  /**
   * Highest seq applied per client, for the most recent clients: filled from
   * the caller replies in RocksDB on a miss (highestSeq), raised by apply.
   */
  readonly latestSeq = new LruCache<string, number>(100_000);

  constructor(
    private readonly store: InodeStore,
    private readonly journal: Journal,
    readonly mounts: MountTable,
  ) {}

  /** One past the highest inode id ever applied: where a leader's id allocator starts. */
  get firstFreeId(): number {
    return this.nextFreeId;
  }

  get applied(): number {
    return this.appliedIndex;
  }

  /** Loads the applied index and mount table, then replays the journal after it. */
  async recover(): Promise<void> {
    const applied = await this.store.rocks.get(metaKey('applied'));
    this.appliedIndex = applied === null ? 0 : readU64(applied);
    const nextId = await this.store.rocks.get(metaKey('nextId'));
    if (nextId !== null) this.nextFreeId = readU64(nextId);
    for (const row of await this.store.rocks.scan({ gte: Buffer.from([Prefix.MOUNT]), lt: Buffer.from([Prefix.MOUNT + 1]) }, 1_000_000)) {
      this.mounts.put(JSON.parse(row.value.toString('utf8')) as MountEntry);
    }
    if (this.appliedIndex < this.journal.firstIndex - 1) {
      throw new StrataError(ErrorCode.IO, `journal starts at ${this.journal.firstIndex} but the store has applied only ${this.appliedIndex}`);
    }
    let batch: Array<{ index: number; entry: JournalEntry }> = [];
    for await (const record of this.journal.read(this.appliedIndex)) {
      batch.push({ index: record.index, entry: decodeEntry(record.payload) });
      if (batch.length >= 1000) {
        await this.applyBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await this.applyBatch(batch);
    // The replay set latestSeq from the journal's tail only: a client's
    // higher seq applied before the tail would look new. Start from RocksDB.
    this.latestSeq.clear();
    this.lastCompactedAt = this.appliedIndex;
  }

  /** Makes the entry durable and applies it; resolves once both are done. */
  propose(entry: JournalEntry): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    let handle: AppendHandle;
    try {
      handle = this.journal.append(encodeEntry(entry));
    } catch (err) {
      return Promise.reject(err); // CLOSED, or IO once the journal has failed
    }
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = { index: handle.index, entry, resolve, reject };
      handle.durable.then(
        () => {
          this.applyQueue.push(pending);
          // Entries of one group commit become durable together and their
          // callbacks run back to back: drain once they are all queued, so
          // the group is applied as one RocksDB batch.
          queueMicrotask(() => this.drain());
        },
        (err: unknown) => reject(err),
      );
    });
  }

  private drain(): void {
    if (this.failed) {
      // Entries that became durable after a batch failed must not be applied
      // on top of it: they would be committed with an applied index that
      // covers the failed batch, whose changes never reached RocksDB.
      for (const p of this.applyQueue.splice(0)) p.reject(this.failed);
      return;
    }
    if (this.applying || this.applyQueue.length === 0) return;
    this.applying = true;
    const group = this.applyQueue.splice(0, this.applyQueue.length);
    group.sort((a, b) => a.index - b.index);
    this.applyBatch(group).then(
      () => {
        this.applying = false;
        for (const p of group) p.resolve();
        this.maybeCompact();
        this.drain();
      },
      (err: unknown) => {
        // A durable entry that cannot be applied leaves memory and disk apart:
        // stop taking writes rather than serve a state that may be wrong.
        this.failed = new StrataError(ErrorCode.IO, `applying the journal failed: ${String(err)}`);
        this.applying = false;
        for (const p of group) p.reject(this.failed);
        for (const p of this.applyQueue.splice(0)) p.reject(this.failed);
      },
    );
  }

  /** Applies entries (in index order) as one RocksDB batch with the applied index. */
  private async applyBatch(group: ReadonlyArray<{ index: number; entry: JournalEntry }>): Promise<void> {
    const set = this.store.newWriteSet();
    // The applied index moves only once the batch is in RocksDB: a batch that
    // fails leaves it where the store has it.
    let applied = this.appliedIndex;
    for (const { index, entry } of group) {
      if (index !== applied + 1) {
        throw new Error(`journal gap: applying ${index} after ${applied}`);
      }
      await this.applyEntry(set, entry);
      applied = index;
    }
    set.put(metaKey('applied'), u64(applied));
    // Ids are never reused, even when the newest inodes were deleted before a restart.
    set.put(metaKey('nextId'), u64(this.nextFreeId));
    await this.store.commit(set);
    this.appliedIndex = applied;
  }

  private async applyEntry(set: WriteSet, entry: JournalEntry): Promise<void> {
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
          break;
        case 'deleteEdge':
          set.deleteEdge(op.parent, op.name);
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
    const caller = entry.caller;
    if (caller !== undefined) {
      set.put(callerKey(caller.clientId, caller.seq), Buffer.from(JSON.stringify(entry.reply ?? null)));
      if (caller.firstIncomplete > 0) {
        set.deleteRange(callerKey(caller.clientId, 0), callerKey(caller.clientId, Math.min(caller.firstIncomplete, caller.seq)));
      }
      const latest = this.latestSeq.get(caller.clientId) ?? 0;
      if (caller.seq > latest) this.latestSeq.set(caller.clientId, caller.seq);
    }
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
    const value = await this.store.rocks.get(callerKey(clientId, seq));
    return value === null ? undefined : (JSON.parse(value.toString('utf8')) as unknown);
  }

  /**
   * Lets the journal go up to what RocksDB holds on disk: flush the memtables
   * first, then drop the segments the flush covered.
   */
  private maybeCompact(): void {
    if (this.compacting || this.appliedIndex - this.lastCompactedAt < COMPACT_EVERY) return;
    this.compacting = true;
    const upTo = this.appliedIndex;
    this.store.rocks
      .flushMemtables()
      .then(() => this.journal.compact(upTo))
      .then(
        () => {
          this.lastCompactedAt = upTo;
          this.compacting = false;
        },
        () => {
          this.compacting = false; // tried again after the next COMPACT_EVERY entries
          this.lastCompactedAt = upTo;
        },
      );
  }

  /** Flushes RocksDB and compacts the journal fully (clean shutdown). */
  async checkpoint(): Promise<void> {
    while (this.applying || this.compacting || this.applyQueue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.store.rocks.flushMemtables();
    await this.journal.compact(this.appliedIndex);
  }
}
