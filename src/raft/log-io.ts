// What the raft log's modules (log.ts, log-records.ts, log-state-files.ts)
// share: big-endian u64 fields, writes that run to the end, directory fsyncs,
// and the log's errors: IO for the disk, INVALID_ARGUMENT for a call Raft
// never makes.

import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';

import { ErrorCode, StrataError } from '../common/errors';

const TWO_POW_32 = 0x1_0000_0000;

export function writeU64(buf: Buffer, at: number, value: number): void {
  buf.writeUInt32BE(Math.floor(value / TWO_POW_32), at);
  buf.writeUInt32BE(value >>> 0, at + 4);
}

export function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * TWO_POW_32 + buf.readUInt32BE(at + 4);
}

/** Writes buf[start, end) at `position`; a single write call may write less. */
export async function writeFully(fh: FileHandle, buf: Buffer, start: number, end: number, position: number): Promise<void> {
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
export async function ensureDurableDir(dir: string): Promise<void> {
  const created = await fs.mkdir(dir, { recursive: true });
  if (created === undefined) return;
  const top = path.resolve(created);
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    await fsyncDir(path.dirname(d));
    if (d === top || d === path.dirname(d)) break;
  }
}

export function ioError(message: string): StrataError {
  return new StrataError(ErrorCode.IO, message);
}

export function invalid(message: string): StrataError {
  return new StrataError(ErrorCode.INVALID_ARGUMENT, message);
}

export function asIoError(err: unknown, message: string): StrataError {
  if (err instanceof StrataError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new StrataError(ErrorCode.IO, `${message}: ${detail}`, { cause: err });
}

export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
