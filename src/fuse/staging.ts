// Write staging: one temporary directory per mount process, and in it one
// local file per file open for writing. Writes land here; the whole file is
// uploaded to its under store on flush, fsync or release (open-files.ts).
// Owns the staging files' descriptors and their removal.

import { constants as fsc, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { UnderStore } from '../ufs/under-store';

/** Bytes per ranged read when a file is copied in from its under store. */
const FILL_CHUNK = 4 * 1024 * 1024;

export class StagingArea {
  private next = 1;
  private closed = false;

  private constructor(readonly dir: string) {}

  /** A fresh directory under the system's temp dir (or under parent). */
  static async create(parent = os.tmpdir()): Promise<StagingArea> {
    return new StagingArea(await fsp.mkdtemp(path.join(parent, 'strata-staging-')));
  }

  async newFile(): Promise<StagedFile> {
    if (this.closed) throw new Error('staging area is closed');
    const file = path.join(this.dir, String(this.next++));
    const handle = await fsp.open(file, fsc.O_RDWR | fsc.O_CREAT | fsc.O_TRUNC, 0o600);
    return new StagedFile(file, handle);
  }

  /** Removes the directory and whatever is left in it; safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}

/** One staging file: positional reads and writes, truncate, and its size in memory. */
export class StagedFile {
  size = 0;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  async write(buf: Buffer, length: number, position: number): Promise<number> {
    let done = 0;
    while (done < length) {
      const { bytesWritten } = await this.handle.write(buf, done, length - done, position + done);
      done += bytesWritten;
    }
    if (position + length > this.size) this.size = position + length;
    return length;
  }

  async read(buf: Buffer, length: number, position: number): Promise<number> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buf, done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  async truncate(size: number): Promise<void> {
    await this.handle.truncate(size);
    this.size = size;
  }

  /** Copies a file's committed content in from its under store (copy-on-open). */
  async fillFrom(store: UnderStore, relPath: string): Promise<void> {
    let offset = 0;
    for (;;) {
      const chunk = await store.read(relPath, offset, FILL_CHUNK);
      if (chunk.length > 0) await this.write(chunk, chunk.length, offset);
      offset += chunk.length;
      if (chunk.length < FILL_CHUNK) break;
    }
  }

  /** Closes and deletes the staging file; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
    await fsp.unlink(this.path).catch(() => undefined);
  }
}
