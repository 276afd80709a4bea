// The raft log's two small files, each a SlotFile, and what their records
// hold (integers big-endian):
//
//   hardstate   term u64, commit u64, vote (u16 length, utf8)
//   logstart    snapshotIndex u64, snapshotTerm u64, firstSeq u64

import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { asIoError, fsyncDir, invalid, ioError, isErrno, readU64, writeFully, writeU64 } from './log-io';
import type { HardState } from './types';

export const HARD_STATE_FILE = 'hardstate';
export const LOG_START_FILE = 'logstart';

/** The longest vote (a NodeId) a hard-state slot takes, in utf8 bytes. */
export const MAX_VOTE_BYTES = 1024;

export interface LogStart {
  snapshotIndex: number;
  snapshotTerm: number;
  /** Segments with a lower seq were dropped by a reset. */
  firstSeq: number;
}

export function encodeHardState(hs: HardState): Buffer {
  const vote = Buffer.from(hs.vote, 'utf8');
  const body = Buffer.alloc(18 + vote.length);
  writeU64(body, 0, hs.term);
  writeU64(body, 8, hs.commit);
  body.writeUInt16BE(vote.length, 16);
  vote.copy(body, 18);
  return body;
}

export function decodeHardState(body: Buffer): HardState {
  if (body.length < 18 || body.length !== 18 + body.readUInt16BE(16)) throw ioError('raft hard state record has a bad length');
  return { term: readU64(body, 0), commit: readU64(body, 8), vote: body.toString('utf8', 18) };
}

export function encodeLogStart(start: LogStart): Buffer {
  const body = Buffer.alloc(24);
  writeU64(body, 0, start.snapshotIndex);
  writeU64(body, 8, start.snapshotTerm);
  writeU64(body, 16, start.firstSeq);
  return body;
}

export function decodeLogStart(body: Buffer): LogStart {
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
export class SlotFile {
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
