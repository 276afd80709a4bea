// The raft log's segment files: their names, the records in them, and the
// scan that reads them back at open and tells a torn last write (cut it off)
// from corruption (refuse to open). RaftLog (log.ts) decides when segments
// are created, written, cut and deleted.
//
// A segment is named <seq>-<firstIndex>.log, both numbers zero-padded to 20
// digits, e.g. 00000000000000000003-00000000000000004097.log, and is a
// sequence of records, integers big-endian:
//
//   [len u32][crc u32][index u64][term u64][type u8][data: len bytes]
//   crc = crc32(index .. end of data)

import * as zlib from 'node:zlib';

import { ioError, readU64, writeU64 } from './log-io';
import type { Entry, EntryType } from './types';

/** Bytes before the data: len, crc, index, term, type. */
export const RECORD_HEADER_BYTES = 25;

/** The most data a record's u32 length field can describe. */
export const MAX_DATA_BYTES = 0xffff_ffff;

const SEGMENT_NAME = /^(\d{20})-(\d{20})\.log$/;
const INITIAL_BATCH_BYTES = 64 * 1024;
/** The unit a disk writes atomically at the least; see tornTail. */
const SECTOR_BYTES = 512;

/** What is durable in one segment file. */
export interface Segment {
  seq: number;
  firstIndex: number;
  /** firstIndex - 1 while the segment is empty. */
  lastIndex: number;
  /** Durable length of the file. */
  bytes: number;
}

export function segmentFileName(seq: number, firstIndex: number): string {
  return `${String(seq).padStart(20, '0')}-${String(firstIndex).padStart(20, '0')}.log`;
}

/** The segment a file name stands for, not yet scanned (empty); undefined for a file that is no segment. */
export function parseSegmentFileName(name: string): Segment | undefined {
  const m = SEGMENT_NAME.exec(name);
  if (!m) return undefined;
  const seq = Number(m[1]);
  const firstIndex = Number(m[2]);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(firstIndex) || seq < 1 || firstIndex < 1) {
    throw ioError(`bad raft log segment name ${name}`);
  }
  return { seq, firstIndex, lastIndex: firstIndex - 1, bytes: 0 };
}

/** Entries queued by one or more append calls, encoded into one buffer for one round. */
export class AppendBatch {
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

/** How a scan stopped early: a short record, a bad checksum, or an unexpected index. */
type Damage = 'torn' | 'checksum' | 'index';

export interface SegmentScan {
  /** The valid records with index > keepAfter. */
  entries: Entry[];
  /** End of the last valid record scanned. */
  end: number;
  nextIndex: number;
  damage: Damage | undefined;
}

/** The length of the record at `at`, header included. */
export function recordBytes(buf: Buffer, at: number): number {
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
export function scanSegment(buf: Buffer, firstIndex: number, keepAfter: number, stopAt: number): SegmentScan {
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
 * Scans segment `file` (its contents `buf`) at open and collects its entries
 * after keepAfter. Damage is accepted only where a crash can have left it: at
 * the end of the last segment, as a torn write. The caller then cuts the file
 * at scan.end. Anything else rejects with IO.
 */
export function recoverSegment(file: string, buf: Buffer, firstIndex: number, keepAfter: number, isLast: boolean): SegmentScan {
  const scan = scanSegment(buf, firstIndex, keepAfter, Infinity);
  if (scan.damage === undefined) {
    if (scan.nextIndex === firstIndex && !isLast) throw ioError(`raft log segment ${file} is empty but is not the last one`);
    return scan;
  }
  const where = `raft log segment ${file} is damaged at byte ${scan.end} (index ${scan.nextIndex}: ${scan.damage})`;
  if (!isLast) throw ioError(`${where}, and it is not the last segment`);
  // A record with a good checksum but the wrong index is not a torn
  // write: the file is not what its name says.
  if (scan.damage === 'index' || !tornTail(buf, scan.end, scan.nextIndex)) {
    throw ioError(`${where}, and records after it are intact: not a torn write`);
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
