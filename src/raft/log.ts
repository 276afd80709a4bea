// RaftLog owns a Raft node's durable state in one directory: the log entries
// (a chain of append-only segment files), the hard state (term, vote, commit)
// and where the log starts (the compaction point). It recovers them after a
// crash, group-commits appends, cuts a conflicting suffix, and drops what a
// compaction or an installed snapshot made unnecessary. The Raft core keeps
// the log in memory: this module makes it durable and hands it back at open().
//
// Layout of `dir`:
//
//   hardstate                  term, vote, commit             (log-state-files.ts)
//   logstart                   compaction point and firstSeq  (log-state-files.ts)
//   <seq>-<firstIndex>.log     segments of records            (log-records.ts)
//
// `seq` orders the chain and is never reused; `firstIndex` is the index of
// the segment's first record. A reset (snapshot installed) starts a new chain
// by recording firstSeq in logstart: every segment with a lower seq is
// garbage from then on, even one named with the same first index.
//
// A segment is rolled before a record that would take it past segmentBytes
// (a single larger record still gets a segment of its own).
//
// Durability: a round writes everything queued with one write call per
// segment and fdatasyncs before any of its appends resolves; a new segment is
// followed by an fsync of the directory. A round starts only after the
// previous one's fdatasync returned, so only the last round of the last
// segment can be incomplete after a crash; recovery cuts it off (recoverSegment).

import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';

import { ErrorCode, StrataError } from '../common/errors';
import { asIoError, ensureDurableDir, fsyncDir, invalid, ioError, writeFully } from './log-io';
import {
  AppendBatch, MAX_DATA_BYTES, RECORD_HEADER_BYTES, parseSegmentFileName, recordBytes, recoverSegment, scanSegment,
  segmentFileName,
} from './log-records';
import type { Segment } from './log-records';
import {
  HARD_STATE_FILE, LOG_START_FILE, MAX_VOTE_BYTES, SlotFile, decodeHardState, decodeLogStart, encodeHardState,
  encodeLogStart,
} from './log-state-files';
import type { Entry, HardState } from './types';

// Importers (node.ts, the tests, scripts) take these from here, not from the modules that define them.
export { fsyncDir } from './log-io';
export { RECORD_HEADER_BYTES, segmentFileName } from './log-records';
export { HARD_STATE_FILE, LOG_START_FILE } from './log-state-files';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

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
      const seg = parseSegmentFileName(name);
      if (seg) found.push(seg);
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
      const scan = recoverSegment(file, await fs.readFile(file), seg.firstIndex, s, i === found.length - 1);
      for (const e of scan.entries) entries.push(e);
      seg.lastIndex = scan.nextIndex - 1;
      seg.bytes = scan.end;
      if (scan.damage === undefined) continue;
      // A torn tail (recoverSegment refuses any other damage): cut it off
      // before a new record is written after it.
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
