// A compact binary form of Raft messages for the transport (proto/raft.proto
// carries them as bytes). Pure: no I/O. Integers are big-endian; 64-bit
// fields are written as two u32 halves (indexes and terms stay below 2^53).
//
//   [type u8][reject u8][term][index][logTerm][commit][rejectHint][context]
//   [from: u16 len + utf8][to: u16 len + utf8]
//   [snapshot: u32 len + JSON of SnapshotMeta, len 0 when absent]
//   [entries: u32 count] then per entry [index][term][type u8][u32 len][data]

import { ErrorCode, StrataError } from '../common/errors';
import type { Entry, EntryType, Message, MessageType, SnapshotMeta } from './types';

const TYPES: MessageType[] = [
  'append',
  'appendResponse',
  'heartbeat',
  'heartbeatResponse',
  'preVote',
  'preVoteResponse',
  'vote',
  'voteResponse',
  'snapshot',
  'snapshotStatus',
  'timeoutNow',
];
const TYPE_CODE = new Map<MessageType, number>(TYPES.map((t, i) => [t, i]));
const TWO_POW_32 = 0x1_0000_0000;
const FIXED_HEADER = 2 + 6 * 8;
const ENTRY_HEADER = 8 + 8 + 1 + 4;

export function encodeMessage(msg: Message): Buffer {
  const from = Buffer.from(msg.from, 'utf8');
  const to = Buffer.from(msg.to, 'utf8');
  const snapshot = msg.snapshot === undefined ? null : Buffer.from(JSON.stringify(msg.snapshot), 'utf8');
  let size = FIXED_HEADER + 2 + from.length + 2 + to.length + 4 + (snapshot?.length ?? 0) + 4;
  for (const e of msg.entries) size += ENTRY_HEADER + e.data.length;
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  buf[at++] = TYPE_CODE.get(msg.type) ?? 255;
  buf[at++] = msg.reject ? 1 : 0;
  for (const n of [msg.term, msg.index, msg.logTerm, msg.commit, msg.rejectHint, msg.context]) at = writeU64(buf, at, n);
  at = writeString(buf, at, from);
  at = writeString(buf, at, to);
  buf.writeUInt32BE(snapshot?.length ?? 0, at);
  at += 4;
  if (snapshot !== null) at += snapshot.copy(buf, at);
  buf.writeUInt32BE(msg.entries.length, at);
  at += 4;
  for (const e of msg.entries) {
    at = writeU64(buf, at, e.index);
    at = writeU64(buf, at, e.term);
    buf[at++] = e.type;
    buf.writeUInt32BE(e.data.length, at);
    at += 4;
    at += e.data.copy(buf, at);
  }
  return buf;
}

/** Decodes one message; throws INVALID_ARGUMENT on anything malformed (garbage from the network). */
export function decodeMessage(buf: Buffer): Message {
  const r = new Reader(buf);
  const type = TYPES[r.u8()];
  if (type === undefined) throw malformed('unknown message type');
  const reject = r.u8() === 1;
  const term = r.u64();
  const index = r.u64();
  const logTerm = r.u64();
  const commit = r.u64();
  const rejectHint = r.u64();
  const context = r.u64();
  const from = r.string();
  const to = r.string();
  const snapshotLength = r.u32();
  let snapshot: SnapshotMeta | undefined;
  if (snapshotLength > 0) {
    try {
      snapshot = JSON.parse(r.bytes(snapshotLength).toString('utf8')) as SnapshotMeta;
    } catch {
      throw malformed('bad snapshot meta');
    }
  }
  const count = r.u32();
  if (count * ENTRY_HEADER > buf.length) throw malformed('entry count beyond the message');
  const entries: Entry[] = new Array<Entry>(count);
  for (let i = 0; i < count; i++) {
    const entryIndex = r.u64();
    const entryTerm = r.u64();
    const entryType = r.u8() as EntryType;
    const data = r.bytes(r.u32());
    entries[i] = { index: entryIndex, term: entryTerm, type: entryType, data };
  }
  if (!r.done()) throw malformed('trailing bytes');
  return { type, from, to, term, index, logTerm, commit, reject, rejectHint, context, entries, snapshot };
}

function writeU64(buf: Buffer, at: number, n: number): number {
  buf.writeUInt32BE(Math.floor(n / TWO_POW_32), at);
  buf.writeUInt32BE(n >>> 0, at + 4);
  return at + 8;
}

function writeString(buf: Buffer, at: number, s: Buffer): number {
  buf.writeUInt16BE(s.length, at);
  return at + 2 + s.copy(buf, at + 2);
}

function malformed(why: string): StrataError {
  return new StrataError(ErrorCode.INVALID_ARGUMENT, `malformed Raft message: ${why}`);
}

/** Bounds-checked reads: a short buffer is an error, never a crash. */
class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw malformed('truncated');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.at++];
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.buf.readUInt32BE(this.at) * TWO_POW_32 + this.buf.readUInt32BE(this.at + 4);
    this.at += 8;
    return v;
  }
  string(): string {
    this.need(2);
    const len = this.buf.readUInt16BE(this.at);
    this.at += 2;
    return this.bytes(len).toString('utf8');
  }
  bytes(n: number): Buffer {
    this.need(n);
    // A copy: the entry outlives the network buffer it came in (the log keeps it).
    const out = Buffer.from(this.buf.subarray(this.at, this.at + n));
    this.at += n;
    return out;
  }
  done(): boolean {
    return this.at === this.buf.length;
  }
}
