// Write staging: one temporary directory per mount process, and in it one
// local file per file open for writing. Writes land here; the whole file is
// uploaded to its under store on flush, fsync or release (open-files.ts).
// Owns the staging files' descriptors and their removal.
//
// Writes are taken behind: write() copies the kernel's bytes and answers,
// and the copies reach the staging file in the background, in order,
// contiguous runs in one writev; a truncate goes in the same queue, so the
// file changes in the order the calls were made. Whatever reads the file or
// uploads it waits for them first (settle()), and a failed background write
// fails the next write, read or settle with its error, as a local file
// system reports a failed writeback at fsync or close.

import { constants as fsc, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { UnderStore } from '../ufs/under-store';

/** Bytes per ranged read when a file is copied in from its under store. */
const FILL_CHUNK = 4 * 1024 * 1024;
/** Bytes taken behind per staging file before write() waits for the file to catch up. */
const WRITE_BEHIND_BYTES = 16 * 1024 * 1024;
/** Bytes taken behind over all staging files of the mount before any write() waits. */
const AREA_WRITE_BEHIND_BYTES = 64 * 1024 * 1024;
/** Bytes per writev of the background writer. */
const WRITE_RUN_BYTES = 4 * 1024 * 1024;

/** A change taken behind: bytes to write at a position, or a truncate (data null) to position. */
interface PendingWrite {
  data: Buffer | null;
  position: number;
}

export class StagingArea {
  private next = 1;
  private closed = false;
  /** Bytes taken behind and not yet written, over all files. */
  pendingBytes = 0;
  /** Writers waiting for room (their file's, or the area's). */
  private waiting: Array<() => void> = [];

  private constructor(readonly dir: string) {}

  /** A fresh directory under the system's temp dir (or under parent). */
  static async create(parent = os.tmpdir()): Promise<StagingArea> {
    return new StagingArea(await fsp.mkdtemp(path.join(parent, 'strata-staging-')));
  }

  async newFile(): Promise<StagedFile> {
    if (this.closed) throw new Error('staging area is closed');
    const file = path.join(this.dir, String(this.next++));
    const handle = await fsp.open(file, fsc.O_RDWR | fsc.O_CREAT | fsc.O_TRUNC, 0o600);
    return new StagedFile(file, handle, this);
  }

  /** Resolves at the next progress of any background writer (or failure, or close). */
  nextProgress(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** A background writer wrote something (or stopped): writers waiting for room look again. */
  progress(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  /** Removes the directory and whatever is left in it; safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}

/** One staging file: positional reads and writes (written behind), truncate, and its size in memory. */
export class StagedFile {
  size = 0;
  private closed = false;
  /** Writes answered but not yet in the file, oldest first. */
  private pending: PendingWrite[] = [];
  private pendingBytes = 0;
  /** The background writer, while it runs. */
  private writer: Promise<void> | null = null;
  /** The error of a failed background write: the staged content is lost. */
  private failure: Error | null = null;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly area: StagingArea,
  ) {}

  async write(buf: Buffer, length: number, position: number): Promise<number> {
    // A copy: the caller's buffer (the kernel's memory) is only valid until we answer.
    const data = Buffer.allocUnsafe(length);
    buf.copy(data, 0, 0, length);
    await this.writeOwned(data, position);
    return length;
  }

  /** As write(), for bytes that are the callee's from now on (nobody changes them afterwards). */
  async writeOwned(data: Buffer, position: number): Promise<void> {
    this.check();
    const length = data.length;
    this.pending.push({ data, position });
    this.pendingBytes += length;
    this.area.pendingBytes += length;
    if (position + length > this.size) this.size = position + length;
    this.writer ??= this.writeBehind();
    // Room: this file's writer, or the others', must catch up first (memory stays bounded).
    while ((this.pendingBytes > WRITE_BEHIND_BYTES || this.area.pendingBytes > AREA_WRITE_BEHIND_BYTES) && this.pendingBytes > 0 && this.failure === null && !this.closed) {
      await this.area.nextProgress();
    }
    this.check();
  }

  async read(buf: Buffer, length: number, position: number): Promise<number> {
    await this.settle();
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buf, done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  /** Truncates (or extends) to size, after the writes before it and before those after it. */
  async truncate(size: number): Promise<void> {
    this.check();
    this.pending.push({ data: null, position: size });
    this.size = size;
    this.writer ??= this.writeBehind();
    await this.settle();
  }

  /** Waits until every write answered so far is in the file; throws if one of them failed. */
  async settle(): Promise<void> {
    while (this.writer !== null) await this.writer;
    this.check();
  }

  private check(): void {
    if (this.closed) throw new Error('staging file is closed');
    if (this.failure !== null) throw this.failure;
  }

  /** Writes the pending copies in order, contiguous runs in one writev, until none is left. */
  private async writeBehind(): Promise<void> {
    try {
      while (this.pending.length > 0 && this.failure === null && !this.closed) {
        const first = this.pending[0];
        const run: Buffer[] = [];
        let bytes = 0;
        if (first.data !== null) {
          let end = first.position;
          for (const next of this.pending) {
            if (next.data === null || next.position !== end || bytes >= WRITE_RUN_BYTES) break;
            run.push(next.data);
            end += next.data.length;
            bytes += next.data.length;
          }
        }
        try {
          if (first.data === null) await this.handle.truncate(first.position);
          else await writeAllAt(this.handle, run, first.position);
        } catch (err) {
          this.failure = err instanceof Error ? err : new Error(String(err));
        }
        if (this.closed) return; // close() let go of all that was pending
        this.pending.splice(0, Math.max(1, run.length));
        this.pendingBytes -= bytes;
        this.area.pendingBytes -= bytes;
        if (this.failure !== null) {
          // Lost with the failure: the rest is never written.
          this.area.pendingBytes -= this.pendingBytes;
          this.pendingBytes = 0;
          this.pending = [];
        }
        this.area.progress();
      }
    } finally {
      this.writer = null;
      this.area.progress();
    }
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
    await this.settle();
  }

  /** Closes and deletes the staging file; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true; // the background writer stops after its current writev
    this.pending = [];
    this.area.pendingBytes -= this.pendingBytes;
    this.pendingBytes = 0;
    this.area.progress();
    await this.writer?.catch(() => undefined);
    await this.handle.close().catch(() => undefined);
    await fsp.unlink(this.path).catch(() => undefined);
  }
}

/** Writes buffers at position in one writev (more if the kernel takes less). */
async function writeAllAt(handle: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let rest = buffers;
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest, at);
    at += bytesWritten;
    let skip = bytesWritten;
    const next: Buffer[] = [];
    for (const b of rest) {
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      next.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    rest = next;
  }
}
