// LocalJournal owns the master's journal directory: a chain of append-only
// segment files, their recovery after a crash, group commit (many appends,
// one write and one fdatasync per round), reading records back, and deleting
// segments that compaction no longer needs.
//
// On disk, `dir` holds one file per segment, named by the first index it
// holds, zero-padded to 20 digits: 00000000000000000001.log,
// 00000000000000004097.log, ... Indexes run without gaps across the chain.
// A segment is a sequence of records, all integers big-endian:
//
//   [len: u32][crc: u32][index: u64][payload: len bytes]
//   crc = crc32(index bytes + payload)
//
// A segment is rolled before a record that would take it past segmentBytes
// (a single larger record still gets a segment of its own).
//
// Durability: a round writes the buffered records with one write call and
// fdatasyncs the file before any of their `durable` promises resolves; a new
// segment file is followed by an fsync of the directory. Only the last segment
// can hold a torn tail (a crash mid-round), because a segment is synced before
// the next one is created; recovery cuts that tail off with ftruncate.

import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { ErrorCode, StrataError } from '../../common/errors';
import type { AppendHandle, Journal, JournalRecord } from './journal';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** Bytes before the payload: length, crc, index. */
export const RECORD_HEADER_BYTES = 16;

const MAX_PAYLOAD_BYTES = 0xffff_ffff;
const SEGMENT_NAME = /^(\d{20})\.log$/;
const READ_CHUNK_BYTES = 1024 * 1024;
const INITIAL_BATCH_BYTES = 64 * 1024;
// A batch buffer larger than this is dropped after its round instead of being
// kept for reuse, so one burst of huge payloads does not pin memory.
const MAX_SPARE_BATCH_BYTES = 8 * 1024 * 1024;
const TWO_POW_32 = 0x1_0000_0000;

export interface LocalJournalOptions {
  /** A segment is rolled before it would grow past this. Default 64 MiB. */
  segmentBytes?: number;
}

/** Counters for tests and benchmarks; they only ever grow. */
export interface LocalJournalStats {
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
}

export function segmentFileName(firstIndex: number): string {
  return `${String(firstIndex).padStart(20, '0')}.log`;
}

/** What is durable in one segment file. */
interface Segment {
  firstIndex: number;
  /** firstIndex - 1 while the segment is empty. */
  lastIndex: number;
  /** Durable length of the file. */
  bytes: number;
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

/**
 * The records appended since the last round started, already encoded into one
 * buffer. `parts` splits it where a new segment begins: part i covers bytes
 * [offsets[i], offsets[i+1]) and indexes [firstIndexes[i], firstIndexes[i+1]).
 * Every append in a batch shares the batch's one `durable` promise.
 */
class PendingBatch {
  length = 0;
  firstIndex = 0;
  lastIndex = 0;
  /** Byte offsets where a part starts; offsets[0] = 0. */
  readonly offsets: number[] = [];
  readonly firstIndexes: number[] = [];
  /** Whether part i goes to a newly created segment. */
  readonly rolls: boolean[] = [];
  private done: Deferred | undefined;

  constructor(public buf: Buffer) {}

  get empty(): boolean {
    return this.length === 0;
  }

  get durable(): Promise<void> {
    this.done ??= deferred();
    return this.done.promise;
  }

  resolve(): void {
    this.done?.resolve();
  }

  reject(err: Error): void {
    this.done?.reject(err);
  }

  /** Encodes one record at the end of the buffer; starts a new part when `roll`. */
  push(index: number, payload: Buffer, roll: boolean): void {
    if (this.length === 0 || roll) {
      this.offsets.push(this.length);
      this.firstIndexes.push(index);
      this.rolls.push(roll);
    }
    if (this.length === 0) this.firstIndex = index;
    this.lastIndex = index;
    const need = this.length + RECORD_HEADER_BYTES + payload.length;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    const buf = this.buf;
    const at = this.length;
    buf.writeUInt32BE(payload.length, at);
    buf.writeUInt32BE(Math.floor(index / TWO_POW_32), at + 8);
    buf.writeUInt32BE(index >>> 0, at + 12);
    payload.copy(buf, at + RECORD_HEADER_BYTES);
    buf.writeUInt32BE(zlib.crc32(buf.subarray(at + 8, need)), at + 4);
    this.length = need;
  }
}

type State = 'new' | 'opening' | 'open' | 'closing' | 'closed';

/**
 * The local, single-node Journal.
 *
 * Errors: `append` throws synchronously (no index is taken) with CLOSED before
 * open or once close has begun, and with IO once the journal has failed. A
 * failed write or fdatasync rejects the `durable` promise of every append not
 * yet durable with IO, and the journal stays failed: after a lost fsync the
 * page cache can no longer be trusted, so it must be reopened (PostgreSQL's
 * "fsyncgate" lesson). `read` throws NOT_FOUND for an `afterIndex` below
 * firstIndex - 1 (those records were compacted) and IO for damaged records.
 *
 * `append` copies the payload, so the caller may reuse its buffer at once.
 */
export class LocalJournal implements Journal {
  readonly stats: LocalJournalStats = { rounds: 0, syncs: 0, records: 0, bytes: 0, segmentsCreated: 0 };

  private readonly dir: string;
  private readonly segmentBytes: number;
  private state: State = 'new';
  private failure: StrataError | undefined;

  /** Durable segments, oldest first; the last one is the one being written. */
  private segments: Segment[] = [];
  private tail: FileHandle | undefined;
  /** The last index handed out by append. */
  private assigned = 0;
  /** Bytes of the tail segment counting records not yet written (decides rolls). */
  private tailBytesAssigned = 0;

  private pending: PendingBatch;
  private spare: Buffer | undefined;
  private flushing: Promise<void> | undefined;
  private flushScheduled = false;
  private opening: Promise<void> | undefined;
  private closed: Promise<void> | undefined;

  constructor(dir: string, options: LocalJournalOptions = {}) {
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes <= RECORD_HEADER_BYTES) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `segmentBytes must be an integer > ${RECORD_HEADER_BYTES}`);
    }
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.pending = new PendingBatch(Buffer.allocUnsafe(INITIAL_BATCH_BYTES));
  }

  get firstIndex(): number {
    return this.segments.length > 0 ? this.segments[0].firstIndex : 1;
  }

  get lastIndex(): number {
    return this.assigned;
  }

  /** The last index whose record is fdatasync'ed. */
  get durableIndex(): number {
    const n = this.segments.length;
    return n > 0 ? this.segments[n - 1].lastIndex : 0;
  }

  async open(): Promise<void> {
    if (this.state !== 'new') {
      throw new StrataError(this.state === 'closed' || this.state === 'closing' ? ErrorCode.CLOSED : ErrorCode.INVALID_ARGUMENT,
        `journal ${this.dir} is already ${this.state}`);
    }
    this.state = 'opening';
    this.opening = this.recover();
    try {
      await this.opening;
    } catch (err) {
      const tail = this.tail;
      this.tail = undefined; // before awaiting, so a concurrent close() does not close it too
      this.state = 'closed';
      await tail?.close().catch(() => undefined);
      throw asIoError(err, `cannot open journal ${this.dir}`);
    }
    // close() may have been called while recovering; it closes the file.
    if (this.state !== 'opening') throw new StrataError(ErrorCode.CLOSED, `journal ${this.dir} was closed while opening`);
    this.state = 'open';
  }

  append(payload: Buffer): AppendHandle {
    if (this.state !== 'open') {
      throw new StrataError(ErrorCode.CLOSED, `journal ${this.dir} is ${this.state === 'new' ? 'not open' : 'closed'}`);
    }
    if (this.failure) throw this.failure;
    if (payload.length > MAX_PAYLOAD_BYTES) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `journal payload of ${payload.length} bytes is too large`);
    }
    const index = ++this.assigned;
    const recordBytes = RECORD_HEADER_BYTES + payload.length;
    const roll = this.tailBytesAssigned > 0 && this.tailBytesAssigned + recordBytes > this.segmentBytes;
    if (roll) this.tailBytesAssigned = 0;
    this.tailBytesAssigned += recordBytes;
    const batch = this.pending;
    batch.push(index, payload, roll);
    if (!this.flushing && !this.flushScheduled) {
      // Start the round after the current microtasks, so that appends made in
      // the same turn (e.g. the continuations of the last round) share it.
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        this.startFlushing();
      });
    }
    return { index, durable: batch.durable };
  }

  async *read(afterIndex: number): AsyncIterable<JournalRecord> {
    if (this.state !== 'open') throw new StrataError(ErrorCode.CLOSED, `journal ${this.dir} is not open`);
    if (!Number.isSafeInteger(afterIndex) || afterIndex < 0) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `bad journal index ${afterIndex}`);
    }
    if (afterIndex < this.firstIndex - 1) {
      throw new StrataError(ErrorCode.NOT_FOUND,
        `journal records after ${afterIndex} were compacted; the first kept is ${this.firstIndex}`);
    }
    // What is durable now: a round finishing during the read does not change it.
    const snapshot = this.segments.filter((s) => s.lastIndex > afterIndex).map((s) => ({ ...s }));
    for (const seg of snapshot) {
      yield* this.readSegment(seg, afterIndex);
    }
  }

  async compact(upTo: number): Promise<void> {
    if (this.state !== 'open') throw new StrataError(ErrorCode.CLOSED, `journal ${this.dir} is not open`);
    // Never the last segment: it is the one being written. Take the doomed
    // segments out of the list first, so that a concurrent read or compact
    // does not see them.
    let n = 0;
    while (n < this.segments.length - 1 && this.segments[n].lastIndex <= upTo) n++;
    if (n === 0) return;
    const doomed = this.segments.splice(0, n);
    try {
      for (const seg of doomed) await fs.unlink(this.segmentPath(seg.firstIndex));
      // Not needed for safety (a segment that comes back still chains), but
      // it keeps a crash from resurrecting space we said was free.
      await fsyncDir(this.dir);
    } catch (err) {
      throw asIoError(err, `cannot compact journal ${this.dir}`);
    }
  }

  close(): Promise<void> {
    this.closed ??= this.closeInternal();
    return this.closed;
  }

  // Order: stop taking appends, let the flush loop write and sync everything
  // already accepted (their promises settle), then close the segment file.
  private async closeInternal(): Promise<void> {
    const wasOpen = this.state === 'open';
    this.state = 'closing';
    if (this.opening) await this.opening.catch(() => undefined);
    if (wasOpen) {
      // The scheduled microtask may not have started the loop yet.
      this.startFlushing();
      await this.flushing;
    }
    const tail = this.tail;
    this.tail = undefined;
    this.state = 'closed';
    if (tail) {
      try {
        await tail.close();
      } catch (err) {
        throw asIoError(err, `cannot close journal ${this.dir}`);
      }
    }
  }

  // ---- group commit -------------------------------------------------------

  private startFlushing(): void {
    // Only with work to do: then the loop awaits before it can finish, so its
    // `finally` never runs before `this.flushing` is assigned.
    if (!this.flushing && !this.pending.empty) this.flushing = this.flushLoop();
  }

  // The loop clears `this.flushing` in the same microtask in which it last saw
  // `pending` empty, so an append made after that starts a new loop.
  private async flushLoop(): Promise<void> {
    try {
      while (!this.pending.empty && !this.failure) {
        const batch = this.pending;
        this.pending = new PendingBatch(this.spare ?? Buffer.allocUnsafe(INITIAL_BATCH_BYTES));
        this.spare = undefined;
        try {
          await this.writeBatch(batch);
        } catch (err) {
          this.fail(err, batch);
          break;
        }
        this.stats.rounds++;
        this.stats.records += batch.lastIndex - batch.firstIndex + 1;
        if (batch.buf.length <= MAX_SPARE_BATCH_BYTES) this.spare = batch.buf;
        batch.resolve();
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async writeBatch(batch: PendingBatch): Promise<void> {
    const parts = batch.offsets.length;
    for (let i = 0; i < parts; i++) {
      const start = batch.offsets[i];
      const end = i + 1 < parts ? batch.offsets[i + 1] : batch.length;
      const lastIndex = i + 1 < parts ? batch.firstIndexes[i + 1] - 1 : batch.lastIndex;
      if (batch.rolls[i]) await this.rollTo(batch.firstIndexes[i]);
      const seg = this.segments[this.segments.length - 1];
      const fh = this.tail;
      if (!fh) throw new StrataError(ErrorCode.INTERNAL, 'journal has no open segment');
      await writeFully(fh, batch.buf, start, end, seg.bytes);
      await fh.datasync();
      this.stats.syncs++;
      this.stats.bytes += end - start;
      seg.bytes += end - start;
      seg.lastIndex = lastIndex;
    }
  }

  /** Closes the (already synced) tail and starts a segment at firstIndex. */
  private async rollTo(firstIndex: number): Promise<void> {
    const old = this.tail;
    this.tail = undefined;
    await old?.close();
    this.tail = await this.createSegment(firstIndex);
    this.segments.push({ firstIndex, lastIndex: firstIndex - 1, bytes: 0 });
  }

  private async createSegment(firstIndex: number): Promise<FileHandle> {
    // 'wx': a segment file is never silently reused.
    const fh = await fs.open(this.segmentPath(firstIndex), 'wx');
    try {
      await fsyncDir(this.dir);
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
    this.stats.segmentsCreated++;
    return fh;
  }

  /** Fails the round in flight, then every append buffered behind it, in index order. */
  private fail(err: unknown, inFlight: PendingBatch): void {
    const failure = new StrataError(ErrorCode.IO,
      `journal ${this.dir} failed and must be reopened: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err });
    this.failure = failure;
    inFlight.reject(failure);
    this.pending.reject(failure);
    this.pending = new PendingBatch(Buffer.allocUnsafe(0));
  }

  // ---- recovery ------------------------------------------------------------

  private async recover(): Promise<void> {
    const created = await fs.mkdir(this.dir, { recursive: true });
    if (created !== undefined) {
      // Make each new directory's entry durable in its parent.
      const top = path.resolve(created);
      for (let d = path.resolve(this.dir); ; d = path.dirname(d)) {
        await fsyncDir(path.dirname(d));
        if (d === top || d === path.dirname(d)) break;
      }
    }

    const firstIndexes: number[] = [];
    for (const name of await fs.readdir(this.dir)) {
      const m = SEGMENT_NAME.exec(name);
      if (!m) continue;
      const first = Number(m[1]);
      if (!Number.isSafeInteger(first) || first < 1) throw ioError(`bad journal segment name ${name}`);
      firstIndexes.push(first);
    }
    firstIndexes.sort((a, b) => a - b);

    if (firstIndexes.length === 0) {
      this.tail = await this.createSegment(1);
      this.segments = [{ firstIndex: 1, lastIndex: 0, bytes: 0 }];
      this.assigned = 0;
      this.tailBytesAssigned = 0;
      return;
    }

    const segments: Segment[] = [];
    for (let i = 0; i < firstIndexes.length; i++) {
      const first = firstIndexes[i];
      const isLast = i === firstIndexes.length - 1;
      const prev = segments[segments.length - 1];
      if (prev && prev.lastIndex + 1 !== first) {
        throw ioError(`journal segment ${segmentFileName(first)} does not follow index ${prev.lastIndex}`);
      }
      segments.push(isLast ? await this.recoverTail(first) : await this.verifySegment(first));
    }
    this.segments = segments;
    const last = segments[segments.length - 1];
    this.assigned = last.lastIndex;
    this.tailBytesAssigned = last.bytes;
  }

  /** A sealed segment must hold whole, valid records up to its last byte. */
  private async verifySegment(firstIndex: number): Promise<Segment> {
    const file = this.segmentPath(firstIndex);
    const fh = await fs.open(file, 'r');
    try {
      const size = (await fh.stat()).size;
      const scan = await scanToEnd(fh, size, firstIndex);
      if (scan.damage !== undefined) throw ioError(`journal segment ${file} is damaged at byte ${scan.offset}: ${scan.damage}`);
      if (scan.nextIndex === firstIndex) throw ioError(`journal segment ${file} is empty but is not the last one`);
      return { firstIndex, lastIndex: scan.nextIndex - 1, bytes: size };
    } finally {
      await fh.close();
    }
  }

  /** The last segment: cut a torn or corrupt tail, keep it open for appends. */
  private async recoverTail(firstIndex: number): Promise<Segment> {
    const file = this.segmentPath(firstIndex);
    const fh = await fs.open(file, 'r+');
    this.tail = fh;
    const size = (await fh.stat()).size;
    const scan = await scanToEnd(fh, size, firstIndex);
    if (scan.damage === 'index') {
      // A record with a good checksum but the wrong index is not a torn
      // write: the file is not what its name says.
      throw ioError(`journal segment ${file} holds an out-of-order index at byte ${scan.offset}`);
    }
    if (scan.offset < size) {
      await fh.truncate(scan.offset);
      await fh.sync();
    }
    return { firstIndex, lastIndex: scan.nextIndex - 1, bytes: scan.offset };
  }

  // ---- reading -------------------------------------------------------------

  private async *readSegment(seg: Segment, afterIndex: number): AsyncGenerator<JournalRecord> {
    const file = this.segmentPath(seg.firstIndex);
    let fh: FileHandle;
    try {
      fh = await fs.open(file, 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) {
        throw new StrataError(ErrorCode.NOT_FOUND, `journal segment ${file} was compacted during the read`, { cause: err });
      }
      throw asIoError(err, `cannot read journal ${file}`);
    }
    try {
      const scan = newScan(seg.firstIndex);
      for await (const records of scanRecords(fh, seg.bytes, scan, true)) {
        for (const rec of records) {
          if (rec.index > afterIndex) yield rec;
        }
      }
      if (scan.damage !== undefined || scan.nextIndex !== seg.lastIndex + 1) {
        throw ioError(`journal segment ${file} is damaged at byte ${scan.offset}: ${scan.damage ?? 'short'}`);
      }
    } finally {
      await fh.close();
    }
  }

  private segmentPath(firstIndex: number): string {
    return path.join(this.dir, segmentFileName(firstIndex));
  }
}

// ---- record scanning ---------------------------------------------------------

/** How a scan stopped early: a short record, a bad checksum, or an unexpected index. */
type Damage = 'torn' | 'checksum' | 'index';

interface ScanState {
  /** End of the last valid record. */
  offset: number;
  nextIndex: number;
  damage: Damage | undefined;
}

function newScan(firstIndex: number): ScanState {
  return { offset: 0, nextIndex: firstIndex, damage: undefined };
}

/**
 * Reads records from bytes [0, limit) of a segment in chunks, checking each
 * one's checksum and index, and yields them a chunk at a time (when `collect`;
 * otherwise it only advances `scan`). Stops at `limit` or at the first damaged
 * record, leaving `scan` at the end of the last good one. Payloads are views
 * into a chunk that is never reused, so callers may keep them.
 */
async function* scanRecords(fh: FileHandle, limit: number, scan: ScanState, collect: boolean): AsyncGenerator<JournalRecord[]> {
  let buf = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, Math.max(limit, RECORD_HEADER_BYTES)));
  let have = 0; // bytes in buf
  let pos = 0; // file offset of buf[0]
  while (scan.offset < limit) {
    // Read as much as fits: [have, buf.length), without passing limit.
    const want = Math.min(buf.length - have, limit - (pos + have));
    if (want > 0) {
      const { bytesRead } = await fh.read(buf, have, want, pos + have);
      if (bytesRead === 0) {
        scan.damage = 'torn'; // the file is shorter than we were told
        return;
      }
      have += bytesRead;
    }
    const records: JournalRecord[] = [];
    let at = scan.offset - pos;
    let needed = 0;
    while (at + RECORD_HEADER_BYTES <= have) {
      const len = buf.readUInt32BE(at);
      const end = at + RECORD_HEADER_BYTES + len;
      if (pos + end > limit) {
        scan.damage = 'torn';
        break;
      }
      if (end > have) {
        needed = end - at;
        break;
      }
      if (zlib.crc32(buf.subarray(at + 8, end)) !== buf.readUInt32BE(at + 4)) {
        scan.damage = 'checksum';
        break;
      }
      const index = buf.readUInt32BE(at + 8) * TWO_POW_32 + buf.readUInt32BE(at + 12);
      if (index !== scan.nextIndex) {
        scan.damage = 'index';
        break;
      }
      if (collect) records.push({ index, payload: buf.subarray(at + RECORD_HEADER_BYTES, end) });
      scan.nextIndex++;
      scan.offset = pos + end;
      at = end;
    }
    if (records.length > 0) yield records;
    if (scan.damage !== undefined) return;
    if (scan.offset >= limit) return;
    if (pos + have >= limit) {
      scan.damage = 'torn'; // fewer than a header's bytes left before limit
      return;
    }
    // Move the unparsed rest into a fresh buffer (the old one may back
    // payloads already handed out), big enough for the record that needs it.
    const rest = have - at;
    const size = Math.max(READ_CHUNK_BYTES, needed, rest + RECORD_HEADER_BYTES);
    if (!collect && size <= buf.length) {
      buf.copyWithin(0, at, have);
    } else {
      const next = Buffer.allocUnsafe(size);
      buf.copy(next, 0, at, have);
      buf = next;
    }
    pos += at;
    have = rest;
  }
}

/** Scans without keeping records: where do the valid ones end, and why. */
async function scanToEnd(fh: FileHandle, limit: number, firstIndex: number): Promise<ScanState> {
  const scan = newScan(firstIndex);
  const records = scanRecords(fh, limit, scan, false);
  while (!(await records.next()).done);
  return scan;
}

// ---- small I/O helpers ----------------------------------------------------------

async function writeFully(fh: FileHandle, buf: Buffer, start: number, end: number, position: number): Promise<void> {
  let at = start;
  while (at < end) {
    const { bytesWritten } = await fh.write(buf, at, end - at, position + (at - start));
    if (bytesWritten <= 0) throw ioError('journal write made no progress');
    at += bytesWritten;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function ioError(message: string): StrataError {
  return new StrataError(ErrorCode.IO, message);
}

function asIoError(err: unknown, message: string): StrataError {
  if (err instanceof StrataError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new StrataError(ErrorCode.IO, `${message}: ${detail}`, { cause: err });
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
