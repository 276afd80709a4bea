// Raft snapshots of the master's state: every RocksDB row as of one moment,
// framed as [key len u32][key][value len u32][value] records. The leader
// streams them in chunks (chunkRows) straight from a RocksDB snapshot; the
// follower writes the chunks to a file (receiveSnapshotFile), which is made
// durable and renamed into place before the install starts, so a crash in
// the middle of an install redoes it from the file at restart.

import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, StrataError } from '../common/errors';

const CHUNK_BYTES = 1024 * 1024;

/** Rows framed into chunks of about CHUNK_BYTES each. */
export async function* chunkRows(rows: AsyncIterable<{ key: Buffer; value: Buffer }>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let bytes = 0;
  for await (const { key, value } of rows) {
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32BE(key.length);
    const valueHeader = Buffer.allocUnsafe(4);
    valueHeader.writeUInt32BE(value.length);
    parts.push(header, key, valueHeader, value);
    bytes += 8 + key.length + value.length;
    if (bytes >= CHUNK_BYTES) {
      yield Buffer.concat(parts, bytes);
      parts = [];
      bytes = 0;
    }
  }
  if (bytes > 0) yield Buffer.concat(parts, bytes);
}

/** Writes the chunks to `file` and fdatasyncs it; returns the bytes written. */
export async function receiveSnapshotFile(file: string, chunks: AsyncIterable<Buffer>): Promise<number> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(file, 'w');
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      await handle.write(chunk);
      bytes += chunk.length;
    }
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return bytes;
}

/** The rows of a snapshot file, in order; a truncated file is an error. */
export async function* readSnapshotFile(file: string): AsyncGenerator<{ key: Buffer; value: Buffer }> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const data of createReadStream(file, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
    let at = 0;
    for (;;) {
      if (pending.length - at < 4) break;
      const keyLength = pending.readUInt32BE(at);
      if (pending.length - at < 8 + keyLength) break;
      const valueLength = pending.readUInt32BE(at + 4 + keyLength);
      const end = at + 8 + keyLength + valueLength;
      if (end > pending.length) break;
      const key = Buffer.from(pending.subarray(at + 4, at + 4 + keyLength));
      const value = Buffer.from(pending.subarray(at + 8 + keyLength, end));
      yield { key, value };
      at = end;
    }
    pending = pending.subarray(at);
  }
  if (pending.length > 0) throw new StrataError(ErrorCode.IO, `snapshot file ${file} ends inside a record`);
}
