// RaftLog owns a Raft node's durable state in one directory: the log entries
// (a chain of append-only segment files), the hard state (term, vote, commit)
// and where the log starts (the compaction point). It recovers them after a
// crash, group-commits appends, cuts a conflicting suffix, and drops what a
// compaction or an installed snapshot made unnecessary. The Raft core keeps
// the log in memory: this module makes it durable and hands it back at open().
//
// Layout of `dir`:
//
//   hardstate                  two slots (SlotFile): term u64, commit u64, vote (u16 length, utf8)
//   logstart                   two slots (SlotFile): snapshotIndex u64, snapshotTerm u64, firstSeq u64
//   <seq>-<firstIndex>.log     segments, both numbers zero-padded to 20 digits,
//                              e.g. 00000000000000000003-00000000000000004097.log
//
// `seq` orders the chain and is never reused; `firstIndex` is the index of
// the segment's first record. A reset (snapshot installed) starts a new chain
// by recording firstSeq in logstart: every segment with a lower seq is
// garbage from then on, even one named with the same first index.
//
// A segment is a sequence of records, integers big-endian:
//
//   [len u32][crc u32][index u64][term u64][type u8][data: len bytes]
//   crc = crc32(index .. end of data)
//
// A segment is rolled before a record that would take it past segmentBytes
// (a single larger record still gets a segment of its own).
//
// Durability: a round writes everything queued with one write call per
// segment and fdatasyncs before any of its appends resolves; a new segment is
// followed by an fsync of the directory. A round starts only after the
// previous one's fdatasync returned, so only the last round of the last
// segment can be incomplete after a crash; recovery cuts it off (tornTail).

import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { ErrorCode, StrataError } from '../common/errors';
import type { Entry, EntryType, HardState } from './types';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** Bytes before the data: len, crc, index, term, type. */
export const RECORD_HEADER_BYTES = 25;

export const HARD_STATE_FILE = 'hardstate';
export const LOG_START_FILE = 'logstart';

const SEGMENT_NAME = /^(\d{20})-(\d{20})\.log$/;
const MAX_DATA_BYTES = 0xffff_ffff;
const INITIAL_BATCH_BYTES = 64 * 1024;
const TWO_POW_32 = 0x1_0000_0000;
/** The longest vote (a NodeId) a hard-state slot takes, in utf8 bytes. */
const MAX_VOTE_BYTES = 1024;
/** The unit a disk writes atomically at the least; see tornTail. */
const SECTOR_BYTES = 512;

export interface RaftLogOptions {
  /** A segment is rolled before it would grow past this. Default 64 MiB. */
  segmentBytes?: number;
}

/** Counters for tests and benchmarks; they only ever grow. */
export interface RaftLogStats {
  /** Group-commit rounds: each is one or more (write, fdatasync) pairs. */
  rounds: number;
  /** fdatasync calls on segment files (rounds, plus one per extra segment a round spans). */
  syncs: number;
  /** Records made durable. */
  records: number;
  /** Bytes written to segment files, headers included. */
  bytes: number;
  /** Segment files created. */
  segmentsCreated: number;
  /** Conflicting suffixes cut off by an append. */
  truncations: number;
  /** Hard states written (concurrent saves coalesce into one). */
  hardStateSaves: number;
}

export interface RaftLogState {
  hardState: HardState;
  /** Index and term of the last entry dropped by compact or reset (0, 0 fresh). */
  snapshotIndex: number;
  snapshotTerm: number;
  /** Every entry after snapshotIndex, in order. `data` are views into the segment read at open. */
  entries: Entry[];
}

export function segmentFileName(seq: number, firstIndex: number): string {
  return `${String(seq).padStart(20, '0')}-${String(firstIndex).padStart(20, '0')}.log`;
}

/** What is durable in one segment file. */
interface Segment {
  seq: number;
  firstIndex: number;
  /** firstIndex - 1 while the segment is empty. */
  lastIndex: number;
  /** Durable length of the file. */
  bytes: number;
}

interface LogStart {
  snapshotIndex: number;
  snapshotTerm: number;
  /** Segments with a lower seq were dropped by a reset. */
  firstSeq: number;
}

type Deferred = { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void };

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Entries queued by one or more append calls, encoded into one buffer for one round. */
class AppendBatch {
  buf = Buffer.allocUnsafe(INITIAL_BATCH_BYTES);
  length = 0;
  firstIndex = 0;
  count = 0;

  /** Set when the batch first cuts the log back so that this index is the next one. */
  constructor(readonly cutAt: number | undefined) {}

  push(entry: Entry): void {
    if (this.count++ === 0) this.firstIndex = entry.index;
    const at = this.length;
    const end = at + RECORD_HEADER_BYTES + entry.data.length;
    if (end > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(end, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, at);
      this.buf = grown;
    }
    const buf = this.buf;
    buf.writeUInt32BE(entry.data.length, at);
    writeU64(buf, at + 8, entry.index);
    writeU64(buf, at + 16, entry.term);
    buf[at + 24] = entry.type;
    buf.set(entry.data, at + RECORD_HEADER_BYTES);
    buf.writeUInt32BE(zlib.crc32(buf.subarray(at + 8, end)), at + 4);
    this.length = end;
  }
}

/** One unit of the serial work queue: an append round, a compaction or a reset. */
interface Op {
  run: () => Promise<void>;
  done: Deferred;
  /** Appends only: later appends join it while it waits in the queue. */
  batch?: AppendBatch;
}

type State = 'new' | 'opening' | 'open' | 'closing' | 'closed';

/**
 * The durable Raft log of one node.
 *
 * Appends, compactions and resets run one after another in call order, on one
 * queue; appends made while a round is syncing join the next round (group
 * commit). saveHardState writes another file and runs beside them, so a
 * driver may await a Ready's hard state and entries together.
 *
 * Errors: every method rejects with CLOSED before open or once close has
 * begun, with INVALID_ARGUMENT for a call Raft never makes (a gap, a cut into
 * the compacted part, a term going back), and with IO once the log has failed.
 * A failed write, sync, truncate or unlink rejects everything queued and
 * fails the log for good: after a lost fsync the page cache can no longer be
 * trusted, so it must be reopened (PostgreSQL's "fsyncgate" lesson).
 */
export class RaftLog {
  readonly stats: RaftLogStats = {
    rounds: 0, syncs: 0, records: 0, bytes: 0, segmentsCreated: 0, truncations: 0, hardStateSaves: 0,
  };

  private readonly dir: string;
  private readonly segmentBytes: number;
  private state: State = 'new';
  private failure: StrataError | undefined;
  private opening: Promise<RaftLogState> | undefined;
  private closed: Promise<void> | undefined;

  // The log as the calls so far have shaped it (queued work included).
  private assigned = 0;
  private snapshotIndex = 0;
  private latestHardState: HardState = { term: 0, vote: '', commit: 0 };

  // What is on disk; changed only by the queue's ops.
  /** Segments of the live chain, oldest first; the last one is written to. */
  private segments: Segment[] = [];
  private tail: FileHandle | undefined;
  private nextSeq = 1;
  private firstSeq = 1;
  private hardStateFile: SlotFile | undefined;
  private logStartFile: SlotFile | undefined;

  private readonly queue: Op[] = [];
  private lastOp: Op | undefined;
  private draining: Promise<void> | undefined;
  private drainScheduled = false;
  private hardStateWaiting: Deferred | undefined;
  private savingHardState: Promise<void> | undefined;

  constructor(dir: string, options: RaftLogOptions = {}) {
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes <= RECORD_HEADER_BYTES) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `segmentBytes must be an integer > ${RECORD_HEADER_BYTES}`);
    }
    this.dir = dir;
    this.segmentBytes = segmentBytes;
  }

  /** The first index still kept: the compaction point + 1. */
  get firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  /** The last index appended (durable once its append resolved). */
  get lastIndex(): number {
    return this.assigned;
  }

  async open(): Promise<RaftLogState> {
    if (this.state !== 'new') {
      throw new StrataError(this.state === 'closed' || this.state === 'closing' ? ErrorCode.CLOSED : ErrorCode.INVALID_ARGUMENT,
        `raft log ${this.dir} is already ${this.state}`);
    }
    this.state = 'opening';
    this.opening = this.recover();
    let recovered: RaftLogState;
    try {
      recovered = await this.opening;
    } catch (err) {
      this.state = 'closed';
      await this.closeFiles().catch(() => undefined);
      throw asIoError(err, `cannot open raft log ${this.dir}`);
    }
    // close() may have been called while recovering; it closes the files.
    if (this.state !== 'opening') throw new StrataError(ErrorCode.CLOSED, `raft log ${this.dir} was closed while opening`);
    this.state = 'open';
    return recovered;
  }

  /**
   * Appends entries with contiguous indexes; resolves once they are durable.
   * If entries[0].index <= lastIndex, the log from that index on is cut off
   * first (a conflicting suffix replaced by the leader's), after the appends
   * queued before this one.
   */
  append(entries: Entry[]): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    if (entries.length === 0) return this.lastOp ? this.lastOp.done.promise : Promise.resolve();
    const first = entries[0].index;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e.index !== first + i || !Number.isSafeInteger(e.index) || !Number.isSafeInteger(e.term) || e.term < 0 ||
        !Number.isInteger(e.type) || e.type < 0 || e.type > 255 || e.data.length > MAX_DATA_BYTES) {
        return Promise.reject(invalid(`bad raft log entry ${i} (index ${e.index}, term ${e.term}) in an append from ${first}`));
      }
    }
    if (first <= this.snapshotIndex) {
      return Promise.reject(invalid(`cannot append at ${first}: the log is compacted up to ${this.snapshotIndex}`));
    }
    if (first > this.assigned + 1) {
      return Promise.reject(invalid(`cannot append at ${first}: the log ends at ${this.assigned} (a gap)`));
    }
    // Join the round waiting in the queue unless this append cuts: a cut waits
    // for the appends before it, so it starts a round of its own.
    const cuts = first <= this.assigned;
    let op = this.queue[this.queue.length - 1];
    if (cuts || !op?.batch) {
      const batch = new AppendBatch(cuts ? first : undefined);
      op = { batch, done: deferred(), run: () => this.writeBatch(batch) };
      this.enqueue(op);
    }
    const batch = op.batch as AppendBatch;
    for (const e of entries) batch.push(e);
    this.assigned = first + entries.length - 1;
    return op.done.promise;
  }

  /**
   * Makes the hard state durable. Saves made while one is being written
   * coalesce: the next write carries the latest, and resolves them all.
   */
  saveHardState(hs: HardState): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    const prev = this.latestHardState;
    if (!Number.isSafeInteger(hs.term) || hs.term < 0 || !Number.isSafeInteger(hs.commit) || hs.commit < 0 ||
      Buffer.byteLength(hs.vote) > MAX_VOTE_BYTES) {
      return Promise.reject(invalid(`bad hard state term ${hs.term} commit ${hs.commit}`));
    }
    // Raft never does either; writing one would lose the vote it replaces.
    if (hs.term < prev.term || (hs.term === prev.term && prev.vote !== '' && hs.vote !== prev.vote)) {
      return Promise.reject(invalid(`hard state (term ${hs.term}, vote '${hs.vote}') would go back from (term ${prev.term}, vote '${prev.vote}')`));
    }
    this.latestHardState = { term: hs.term, vote: hs.vote, commit: hs.commit };
    this.hardStateWaiting ??= deferred();
    const { promise } = this.hardStateWaiting;
    this.savingHardState ??= this.saveHardStates();
    return promise;
  }

  /**
   * Entries <= upTo are no longer needed: records (upTo, termAtUpTo) as the
   * compaction point, then deletes the segments that hold nothing after it.
   */
  compact(upTo: number, termAtUpTo: number): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    if (!Number.isSafeInteger(termAtUpTo) || termAtUpTo < 0 || !Number.isSafeInteger(upTo)) {
      return Promise.reject(invalid(`bad compaction point ${upTo} (term ${termAtUpTo})`));
    }
    if (upTo > this.assigned) return Promise.reject(invalid(`cannot compact up to ${upTo}: the log ends at ${this.assigned}`));
    if (upTo <= this.snapshotIndex) return Promise.resolve();
    this.snapshotIndex = upTo;
    const done = deferred();
    this.enqueue({ done, run: () => this.compactInternal(upTo, termAtUpTo) });
    return done.promise;
  }

  /** A snapshot was installed: drops the whole log; the next append is snapshotIndex + 1. */
  reset(snapshotIndex: number, snapshotTerm: number): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    if (!Number.isSafeInteger(snapshotIndex) || !Number.isSafeInteger(snapshotTerm) || snapshotTerm < 0 ||
      snapshotIndex < this.snapshotIndex) {
      return Promise.reject(invalid(`cannot reset to ${snapshotIndex} (term ${snapshotTerm}): the log is compacted up to ${this.snapshotIndex}`));
    }
    this.snapshotIndex = snapshotIndex;
    this.assigned = snapshotIndex;
    const done = deferred();
    this.enqueue({ done, run: () => this.resetInternal(snapshotIndex, snapshotTerm) });
    return done.promise;
  }

  close(): Promise<void> {
    this.closed ??= this.closeInternal();
    return this.closed;
  }

  // Order: stop taking calls, let everything already accepted finish (its
  // callers are waiting for it), then close the files, none of which the
  // others depend on.
  private async closeInternal(): Promise<void> {
    const wasOpen = this.state === 'open';
    this.state = 'closing';
    if (this.opening) await this.opening.catch(() => undefined);
    if (wasOpen) {
      this.startDraining(); // a scheduled drain may not have started yet
      while (this.draining || this.savingHardState) {
        await this.draining;
        await this.savingHardState;
      }
    }
    this.state = 'closed';
    try {
      await this.closeFiles();
    } catch (err) {
      throw asIoError(err, `cannot close raft log ${this.dir}`);
    }
  }

  private async closeFiles(): Promise<void> {
    const files = [this.tail, this.hardStateFile, this.logStartFile];
    this.tail = this.hardStateFile = this.logStartFile = undefined; // before awaiting: never closed twice
    for (const f of files) await f?.close();
  }

  private refusal(): StrataError | undefined {
    if (this.state !== 'open') {
      return new StrataError(ErrorCode.CLOSED, `raft log ${this.dir} is ${this.state === 'new' ? 'not open' : 'closed'}`);
    }
    return this.failure;
  }

  // ---- the queue ------------------------------------------------------------

  private enqueue(op: Op): void {
    this.queue.push(op);
    this.lastOp = op;
    if (!this.draining && !this.drainScheduled) {
      // Start after the current microtasks, so that appends made in the same
      // turn (e.g. the continuations of the last round) share the round.
      this.drainScheduled = true;
      queueMicrotask(() => {
        this.drainScheduled = false;
        this.startDraining();
      });
    }
  }

  private startDraining(): void {
    if (!this.draining && this.queue.length > 0) this.draining = this.drain();
  }

  // The loop clears `draining` in the same microtask in which it last saw the
  // queue empty, so an op queued after that starts a new loop.
  private async drain(): Promise<void> {
    try {
      await null; // `draining` is assigned before the loop can end
      for (let op = this.queue.shift(); op; op = this.queue.shift()) {
        if (this.failure) {
          op.done.reject(this.failure);
          continue;
        }
        try {
          await op.run();
          op.done.resolve();
        } catch (err) {
          op.done.reject(this.fail(err));
        }
        if (op === this.lastOp) this.lastOp = undefined; // nothing left for an empty append to wait for
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async saveHardStates(): Promise<void> {
    try {
      await null; // `savingHardState` is assigned before the loop can end
      for (let waiting = this.hardStateWaiting; waiting; waiting = this.hardStateWaiting) {
        this.hardStateWaiting = undefined;
        const file = this.hardStateFile;
        if (this.failure || !file) {
          waiting.reject(this.failure ?? new StrataError(ErrorCode.CLOSED, `raft log ${this.dir} is closed`));
          continue;
        }
        try {
          await file.write(encodeHardState(this.latestHardState));
          this.stats.hardStateSaves++;
          waiting.resolve();
        } catch (err) {
          waiting.reject(this.fail(err));
        }
      }
    } finally {
      this.savingHardState = undefined;
    }
  }

  private fail(err: unknown): StrataError {
    this.failure ??= new StrataError(ErrorCode.IO,
      `raft log ${this.dir} failed and must be reopened: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err });
    return this.failure;
  }

  // ---- ops (run one at a time, in call order) --------------------------------

  private async writeBatch(batch: AppendBatch): Promise<void> {
    if (batch.cutAt !== undefined) await this.cutFrom(batch.cutAt);
    const buf = batch.buf;
    let at = 0;
    let index = batch.firstIndex;
    while (at < batch.length) {
      let seg = this.segments[this.segments.length - 1];
      if (seg.bytes > 0 && seg.bytes + recordBytes(buf, at) > this.segmentBytes) seg = await this.roll(index);
      // As many records as the segment takes, at least one.
      let end = at + recordBytes(buf, at);
      let last = index;
      while (end < batch.length && seg.bytes + (end - at) + recordBytes(buf, end) <= this.segmentBytes) {
        end += recordBytes(buf, end);
        last++;
      }
      const fh = this.tailHandle();
      await writeFully(fh, buf, at, end, seg.bytes);
      await fh.datasync();
      this.stats.syncs++;
      this.stats.bytes += end - at;
      seg.bytes += end - at;
      seg.lastIndex = last;
      at = end;
      index = last + 1;
    }
    this.stats.rounds++;
    this.stats.records += batch.count;
  }

  /**
   * Cuts the log so that `index` is the next to be written, durably, before
   * any new record is written: otherwise a crash could leave new records in
   * front of old ones that were to be cut (a log no leader ever sent).
   * Whole segments after the cut go first, newest first, each unlink made
   * durable before the next, so a crash at any point leaves a prefix of the
   * old log and never a gap; then the segment holding the cut is truncated.
   */
  private async cutFrom(index: number): Promise<void> {
    while (this.segments.length > 1 && this.segments[this.segments.length - 1].firstIndex > index) {
      const seg = this.segments.pop() as Segment;
      const fh = this.tail;
      this.tail = undefined;
      await fh?.close();
      await fs.unlink(this.segmentPath(seg));
      await fsyncDir(this.dir);
    }
    const holder = this.segments[this.segments.length - 1];
    if (holder.firstIndex > index) throw new StrataError(ErrorCode.INTERNAL, `raft log has no segment holding index ${index}`);
    this.tail ??= await fs.open(this.segmentPath(holder), 'r+');
    if (holder.lastIndex >= index) {
      let offset = 0;
      if (index > holder.firstIndex) {
        const scan = scanSegment(await fs.readFile(this.segmentPath(holder)), holder.firstIndex, Infinity, index);
        if (scan.nextIndex !== index) throw ioError(`raft log segment ${this.segmentPath(holder)} is damaged at byte ${scan.end}`);
        offset = scan.end;
      }
      await this.tail.truncate(offset);
      await this.tail.sync();
      holder.bytes = offset;
      holder.lastIndex = index - 1;
    }
    this.stats.truncations++;
  }

  /** Closes the (already synced) tail and starts a segment at firstIndex. */
  private async roll(firstIndex: number): Promise<Segment> {
    const old = this.tail;
    this.tail = undefined;
    await old?.close();
    const seg: Segment = { seq: this.nextSeq++, firstIndex, lastIndex: firstIndex - 1, bytes: 0 };
    this.tail = await this.createSegment(seg);
    this.segments.push(seg);
    return seg;
  }

  private async createSegment(seg: Segment): Promise<FileHandle> {
    // 'wx': a segment file is never silently reused.
    const fh = await fs.open(this.segmentPath(seg), 'wx');
    try {
      await fsyncDir(this.dir);
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
    this.stats.segmentsCreated++;
    return fh;
  }

  // The new compaction point is durable before any segment goes, so a crash
  // in between leaves segments that open() recognises as compacted (their
  // successor starts at or before upTo + 1) and deletes.
  private async compactInternal(upTo: number, termAtUpTo: number): Promise<void> {
    await this.logStart().write(encodeLogStart({ snapshotIndex: upTo, snapshotTerm: termAtUpTo, firstSeq: this.firstSeq }));
    let n = 0; // never the tail: it is the one being written
    while (n < this.segments.length - 1 && this.segments[n + 1].firstIndex <= upTo + 1) n++;
    if (n === 0) return;
    for (const seg of this.segments.splice(0, n)) await fs.unlink(this.segmentPath(seg));
    // Not needed for safety (open drops them again); it makes the space free for good.
    await fsyncDir(this.dir);
  }

  // The logstart write is the commit point: before it, open() finds the old
  // log whole (nothing was deleted yet); after it, every segment with a seq
  // below firstSeq is garbage, so the old log cannot show through even where
  // it held indexes past snapshotIndex. The new empty segment may be missing
  // after a crash: open() then creates it.
  private async resetInternal(snapshotIndex: number, snapshotTerm: number): Promise<void> {
    const seg: Segment = { seq: this.nextSeq++, firstIndex: snapshotIndex + 1, lastIndex: snapshotIndex, bytes: 0 };
    await this.logStart().write(encodeLogStart({ snapshotIndex, snapshotTerm, firstSeq: seg.seq }));
    this.firstSeq = seg.seq;
    const old = this.segments;
    const fh = this.tail;
    this.segments = [];
    this.tail = undefined;
    await fh?.close();
    for (const s of old) await fs.unlink(this.segmentPath(s));
    this.tail = await this.createSegment(seg); // its directory fsync also makes the unlinks durable
    this.segments = [seg];
  }

  private tailHandle(): FileHandle {
    if (!this.tail) throw new StrataError(ErrorCode.INTERNAL, 'raft log has no open segment');
    return this.tail;
  }

  private logStart(): SlotFile {
    if (!this.logStartFile) throw new StrataError(ErrorCode.INTERNAL, 'raft log has no logstart file');
    return this.logStartFile;
  }

  // ---- recovery ----------------------------------------------------------------

  private async recover(): Promise<RaftLogState> {
    await ensureDurableDir(this.dir);
    let found: Segment[] = [];
    for (const name of await fs.readdir(this.dir)) {
      // A slot file's creation that a crash interrupted before its rename.
      if (name === `${HARD_STATE_FILE}.tmp` || name === `${LOG_START_FILE}.tmp`) {
        await fs.unlink(path.join(this.dir, name));
        continue;
      }
      const m = SEGMENT_NAME.exec(name);
      if (!m) continue;
      const seq = Number(m[1]);
      const firstIndex = Number(m[2]);
      if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(firstIndex) || seq < 1 || firstIndex < 1) {
        throw ioError(`bad raft log segment name ${name}`);
      }
      found.push({ seq, firstIndex, lastIndex: firstIndex - 1, bytes: 0 });
    }
    found.sort((a, b) => a.seq - b.seq);
    this.nextSeq = found.length > 0 ? found[found.length - 1].seq + 1 : 1;

    // Without segments the files may be created (a fresh log, or a crash
    // before the first segment); with segments they must be there.
    const fresh = found.length === 0;
    const logStartOpened = await SlotFile.open(path.join(this.dir, LOG_START_FILE),
      fresh ? encodeLogStart({ snapshotIndex: 0, snapshotTerm: 0, firstSeq: 1 }) : undefined);
    this.logStartFile = logStartOpened.file;
    const hardStateOpened = await SlotFile.open(path.join(this.dir, HARD_STATE_FILE),
      fresh ? encodeHardState({ term: 0, vote: '', commit: 0 }) : undefined);
    this.hardStateFile = hardStateOpened.file;
    const start = decodeLogStart(logStartOpened.body);
    const hardState = decodeHardState(hardStateOpened.body);
    this.firstSeq = start.firstSeq;
    this.nextSeq = Math.max(this.nextSeq, start.firstSeq);
    const s = start.snapshotIndex;

    // Garbage: segments from before a reset, and leading segments that hold
    // nothing after the compaction point (a compaction cut short by a crash).
    const garbage = found.filter((seg) => seg.seq < start.firstSeq);
    found = found.filter((seg) => seg.seq >= start.firstSeq);
    while (found.length > 1 && found[1].firstIndex <= s + 1) garbage.push(found.shift() as Segment);
    for (const seg of garbage) await fs.unlink(this.segmentPath(seg));
    if (garbage.length > 0) await fsyncDir(this.dir);
    if (found.length > 0 && found[0].firstIndex > s + 1) {
      throw ioError(`raft log segment ${segmentFileName(found[0].seq, found[0].firstIndex)} starts after the compaction point ${s} (a gap)`);
    }

    const entries: Entry[] = [];
    for (let i = 0; i < found.length; i++) {
      const seg = found[i];
      const prev = found[i - 1];
      if (prev && prev.lastIndex + 1 !== seg.firstIndex) {
        throw ioError(`raft log segment ${segmentFileName(seg.seq, seg.firstIndex)} does not follow index ${prev.lastIndex}`);
      }
      const file = this.segmentPath(seg);
      const buf = await fs.readFile(file);
      const scan = scanSegment(buf, seg.firstIndex, s, Infinity);
      for (const e of scan.entries) entries.push(e);
      seg.lastIndex = scan.nextIndex - 1;
      seg.bytes = scan.end;
      if (scan.damage === undefined) {
        if (seg.lastIndex < seg.firstIndex && i < found.length - 1) throw ioError(`raft log segment ${file} is empty but is not the last one`);
        continue;
      }
      const where = `raft log segment ${file} is damaged at byte ${scan.end} (index ${scan.nextIndex}: ${scan.damage})`;
      if (i < found.length - 1) throw ioError(`${where}, and it is not the last segment`);
      // A record with a good checksum but the wrong index is not a torn
      // write: the file is not what its name says.
      if (scan.damage === 'index' || !tornTail(buf, scan.end, scan.nextIndex)) {
        throw ioError(`${where}, and records after it are intact: not a torn write`);
      }
      this.tail = await fs.open(file, 'r+');
      await this.tail.truncate(scan.end);
      await this.tail.sync();
    }

    const last = found[found.length - 1];
    if (!last || last.lastIndex < s) {
      // Nothing after the compaction point: start a segment there. Older ones
      // go after it exists; until then open() drops them as compacted.
      const fh = this.tail;
      this.tail = undefined;
      await fh?.close();
      const seg: Segment = { seq: this.nextSeq++, firstIndex: s + 1, lastIndex: s, bytes: 0 };
      this.tail = await this.createSegment(seg);
      for (const old of found) await fs.unlink(this.segmentPath(old));
      if (found.length > 0) await fsyncDir(this.dir);
      found = [seg];
    } else {
      this.tail ??= await fs.open(this.segmentPath(last), 'r+');
    }
    this.segments = found;
    this.assigned = Math.max(s, this.segments[this.segments.length - 1].lastIndex);
    this.snapshotIndex = s;
    this.latestHardState = hardState;
    return { hardState, snapshotIndex: s, snapshotTerm: start.snapshotTerm, entries };
  }

  private segmentPath(seg: Segment): string {
    return path.join(this.dir, segmentFileName(seg.seq, seg.firstIndex));
  }
}

// ---- records ---------------------------------------------------------------------

/** How a scan stopped early: a short record, a bad checksum, or an unexpected index. */
type Damage = 'torn' | 'checksum' | 'index';

interface SegmentScan {
  /** The valid records with index > keepAfter. */
  entries: Entry[];
  /** End of the last valid record scanned. */
  end: number;
  nextIndex: number;
  damage: Damage | undefined;
}

function recordBytes(buf: Buffer, at: number): number {
  return RECORD_HEADER_BYTES + buf.readUInt32BE(at);
}

/** The record at `at` if it is whole and its checksum matches: its end, else -1. */
function validRecordEnd(buf: Buffer, at: number): number {
  if (at + RECORD_HEADER_BYTES > buf.length) return -1;
  const end = at + recordBytes(buf, at);
  if (end > buf.length) return -1;
  return zlib.crc32(buf.subarray(at + 8, end)) === buf.readUInt32BE(at + 4) ? end : -1;
}

/**
 * Checks the records of a segment from its start and collects those after
 * keepAfter; stops at the end, at the first damaged record, or before the
 * record with index stopAt.
 */
function scanSegment(buf: Buffer, firstIndex: number, keepAfter: number, stopAt: number): SegmentScan {
  const scan: SegmentScan = { entries: [], end: 0, nextIndex: firstIndex, damage: undefined };
  while (scan.end < buf.length && scan.nextIndex < stopAt) {
    const at = scan.end;
    const end = validRecordEnd(buf, at);
    if (end < 0) {
      scan.damage = at + RECORD_HEADER_BYTES > buf.length || at + recordBytes(buf, at) > buf.length ? 'torn' : 'checksum';
      break;
    }
    const index = readU64(buf, at + 8);
    if (index !== scan.nextIndex) {
      scan.damage = 'index';
      break;
    }
    if (index > keepAfter) {
      scan.entries.push({
        index,
        term: readU64(buf, at + 16),
        type: buf[at + 24] as EntryType,
        data: buf.subarray(at + RECORD_HEADER_BYTES, end),
      });
    }
    scan.nextIndex++;
    scan.end = end;
  }
  return scan;
}

/**
 * Whether damage at byte `at` of the last segment is a write that never
 * completed (cut it off) rather than corruption of acknowledged records
 * (refuse to open). If no valid record follows it, the damaged record is the
 * last one: torn, or corrupt past saving. If valid records follow, it is
 * corruption, unless the damaged stretch holds a zero-filled sector: the mark
 * of a page of the last round that never reached the disk while later pages
 * of the same write did (an appended block reads as zeros until written).
 * etcd's WAL decoder makes the same call (isTornEntry).
 */
function tornTail(buf: Buffer, at: number, expectedIndex: number): boolean {
  const next = findRecordAfter(buf, at, expectedIndex);
  if (next < 0) return true;
  for (let s = Math.ceil(at / SECTOR_BYTES) * SECTOR_BYTES; s + SECTOR_BYTES <= next; s += SECTOR_BYTES) {
    if (isZero(buf, s, s + SECTOR_BYTES)) return true;
  }
  return false;
}

/** The offset of the first valid record after `at` with an index >= minIndex, or -1. */
function findRecordAfter(buf: Buffer, at: number, minIndex: number): number {
  const maxIndex = minIndex + Math.ceil((buf.length - at) / RECORD_HEADER_BYTES);
  for (let p = at + 1; p + RECORD_HEADER_BYTES <= buf.length; p++) {
    const index = readU64(buf, p + 8); // cheap filter before the checksum
    if (index >= minIndex && index <= maxIndex && validRecordEnd(buf, p) >= 0) return p;
  }
  return -1;
}

function isZero(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

function writeU64(buf: Buffer, at: number, value: number): void {
  buf.writeUInt32BE(Math.floor(value / TWO_POW_32), at);
  buf.writeUInt32BE(value >>> 0, at + 4);
}

function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * TWO_POW_32 + buf.readUInt32BE(at + 4);
}

// ---- small durable records: hardstate and logstart ----------------------------------

function encodeHardState(hs: HardState): Buffer {
  const vote = Buffer.from(hs.vote, 'utf8');
  const body = Buffer.alloc(18 + vote.length);
  writeU64(body, 0, hs.term);
  writeU64(body, 8, hs.commit);
  body.writeUInt16BE(vote.length, 16);
  vote.copy(body, 18);
  return body;
}

function decodeHardState(body: Buffer): HardState {
  if (body.length < 18 || body.length !== 18 + body.readUInt16BE(16)) throw ioError('raft hard state record has a bad length');
  return { term: readU64(body, 0), commit: readU64(body, 8), vote: body.toString('utf8', 18) };
}

function encodeLogStart(start: LogStart): Buffer {
  const body = Buffer.alloc(24);
  writeU64(body, 0, start.snapshotIndex);
  writeU64(body, 8, start.snapshotTerm);
  writeU64(body, 16, start.firstSeq);
  return body;
}

function decodeLogStart(body: Buffer): LogStart {
  if (body.length !== 24) throw ioError('raft logstart record has a bad length');
  return { snapshotIndex: readU64(body, 0), snapshotTerm: readU64(body, 8), firstSeq: readU64(body, 16) };
}

const SLOT_BYTES = 4096;
const SLOT_HEADER_BYTES = 16;

/**
 * A small record updated in place, durably and atomically, with one
 * fdatasync per update and no rename. The file holds two slots, 4 KiB apart
 * so that they share no disk sector or page:
 *
 *   [crc u32][len u32][seq u64][body: len bytes]    crc = crc32(len .. end of body)
 *
 * The valid slot with the higher seq is current. An update writes the other
 * slot with seq + 1 and fdatasyncs it: a crash mid-write tears at most that
 * slot, whose checksum then fails, and the current one (the previous term and
 * vote) is untouched. The same guarantee from a temp file would cost a
 * rename and a directory fsync on top, and the driver saves the hard state
 * whenever commit moves. The file is created whole (temp file, fdatasync,
 * rename, directory fsync), so it never exists without a valid slot.
 */
class SlotFile {
  private constructor(
    private readonly fh: FileHandle,
    private seq: number,
    private nextSlot: number,
  ) {}

  /** Opens `file`, creating it holding `initial` if it is missing and `initial` is given. */
  static async open(file: string, initial: Buffer | undefined): Promise<{ file: SlotFile; body: Buffer }> {
    let fh: FileHandle;
    try {
      fh = await fs.open(file, 'r+');
    } catch (err) {
      if (!isErrno(err, 'ENOENT') || !initial) throw asIoError(err, `cannot open ${file}`);
      const image = Buffer.alloc(2 * SLOT_BYTES);
      encodeSlot(initial, 1).copy(image, 0);
      const tmp = `${file}.tmp`;
      const out = await fs.open(tmp, 'w');
      try {
        await writeFully(out, image, 0, image.length, 0);
        await out.datasync();
      } finally {
        await out.close();
      }
      await fs.rename(tmp, file);
      await fsyncDir(path.dirname(file));
      fh = await fs.open(file, 'r+');
    }
    try {
      const image = Buffer.alloc(2 * SLOT_BYTES);
      await fh.read(image, 0, image.length, 0);
      const slots = [decodeSlot(image.subarray(0, SLOT_BYTES)), decodeSlot(image.subarray(SLOT_BYTES))];
      const current = (slots[1]?.seq ?? 0) > (slots[0]?.seq ?? 0) ? 1 : 0;
      const slot = slots[current];
      if (!slot) throw ioError(`${file} holds no valid slot`);
      return { file: new SlotFile(fh, slot.seq, 1 - current), body: slot.body };
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }

  async write(body: Buffer): Promise<void> {
    const record = encodeSlot(body, this.seq + 1);
    await writeFully(this.fh, record, 0, record.length, this.nextSlot * SLOT_BYTES);
    await this.fh.datasync();
    this.seq++;
    this.nextSlot = 1 - this.nextSlot;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

function encodeSlot(body: Buffer, seq: number): Buffer {
  if (body.length > SLOT_BYTES - SLOT_HEADER_BYTES) throw invalid(`a slot record of ${body.length} bytes is too large`);
  const record = Buffer.alloc(SLOT_HEADER_BYTES + body.length);
  record.writeUInt32BE(body.length, 4);
  writeU64(record, 8, seq);
  body.copy(record, SLOT_HEADER_BYTES);
  record.writeUInt32BE(zlib.crc32(record.subarray(4)), 0);
  return record;
}

function decodeSlot(slot: Buffer): { seq: number; body: Buffer } | undefined {
  const len = slot.readUInt32BE(4);
  if (len > SLOT_BYTES - SLOT_HEADER_BYTES) return undefined;
  const end = SLOT_HEADER_BYTES + len;
  if (zlib.crc32(slot.subarray(4, end)) !== slot.readUInt32BE(0)) return undefined;
  const seq = readU64(slot, 8);
  return seq > 0 ? { seq, body: Buffer.from(slot.subarray(SLOT_HEADER_BYTES, end)) } : undefined;
}

// ---- small I/O helpers ------------------------------------------------------------

async function writeFully(fh: FileHandle, buf: Buffer, start: number, end: number, position: number): Promise<void> {
  let at = start;
  while (at < end) {
    const { bytesWritten } = await fh.write(buf, at, end - at, position + (at - start));
    if (bytesWritten <= 0) throw ioError('raft log write made no progress');
    at += bytesWritten;
  }
}

/** Makes the directory's entries (files created, renamed, unlinked) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** mkdir -p, then makes each directory it created durable in its parent. */
async function ensureDurableDir(dir: string): Promise<void> {
  const created = await fs.mkdir(dir, { recursive: true });
  if (created === undefined) return;
  const top = path.resolve(created);
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    await fsyncDir(path.dirname(d));
    if (d === top || d === path.dirname(d)) break;
  }
}

function ioError(message: string): StrataError {
  return new StrataError(ErrorCode.IO, message);
}

function invalid(message: string): StrataError {
  return new StrataError(ErrorCode.INVALID_ARGUMENT, message);
}

function asIoError(err: unknown, message: string): StrataError {
  if (err instanceof StrataError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new StrataError(ErrorCode.IO, `${message}: ${detail}`, { cause: err });
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
