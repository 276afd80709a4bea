// The mount's read cache: committed file content in blocks of BLOCK_SIZE
// bytes, fetched from the under store with one ranged read each and shared by
// every open file of the mount in one LRU bounded by bytes. A block's key
// names the inode and the version of it that the master committed
// (fingerprint, size, mtime); every open asks the master for that version
// (close-to-open), so content changed by another client gets new keys and
// old blocks are never served for it. They age out of the LRU.
//
// Read-ahead (SequentialReader): while a file is read in order, the next
// blocks are fetched before they are asked for, the window doubling up to
// READ_AHEAD_MAX_BLOCKS; a read elsewhere in the file (a seek) resets it.

import type { FileInfo } from '../common/api';

/** Bytes per under store read: the kernel asks 128 KiB at a time, so one read serves eight. */
export const BLOCK_SIZE = 1 << 20;
/** The largest read-ahead window, in blocks. */
export const READ_AHEAD_MAX_BLOCKS = 8;
/**
 * Missing blocks next to each other are fetched together, this many at
 * most per under store read: each read has a cost of its own (the local
 * store opens, checks and closes the file; S3 sends a request).
 */
export const FETCH_RUN_BLOCKS = 4;
/** What the cache holds at most, fetched and in flight. */
export const READ_CACHE_BYTES = 64 << 20;

interface Block {
  data: Promise<Buffer>;
  /** Bytes counted against the capacity: a whole block while in flight, the data's length after. */
  bytes: number;
}

export class ReadCache {
  /** Least recently used first (a Map keeps insertion order; a hit re-inserts). */
  private readonly blocks = new Map<string, Block>();
  private bytes = 0;

  constructor(readonly capacityBytes = READ_CACHE_BYTES) {}

  /** Bytes held now (blocks in flight count whole). */
  get size(): number {
    return this.bytes;
  }

  /** The block under key, fetched with fetch() when missing. A failed fetch is not kept. */
  get(key: string, fetch: () => Promise<Buffer>): Promise<Buffer> {
    const hit = this.blocks.get(key);
    if (hit !== undefined) {
      this.blocks.delete(key);
      this.blocks.set(key, hit);
      return hit.data;
    }
    const block: Block = { data: fetch(), bytes: BLOCK_SIZE };
    this.blocks.set(key, block);
    this.bytes += block.bytes;
    block.data.then(
      (buf) => {
        if (this.blocks.get(key) !== block) return;
        this.bytes += buf.length - block.bytes;
        block.bytes = buf.length;
      },
      () => this.drop(key, block),
    );
    this.evict();
    return block.data;
  }

  has(key: string): boolean {
    return this.blocks.has(key);
  }

  clear(): void {
    this.blocks.clear();
    this.bytes = 0;
  }

  private drop(key: string, block: Block): void {
    if (this.blocks.get(key) !== block) return;
    this.blocks.delete(key);
    this.bytes -= block.bytes;
  }

  /** Oldest first, keeping the newest block (whoever asked for it waits on it). */
  private evict(): void {
    for (const [key, block] of this.blocks) {
      if (this.bytes <= this.capacityBytes || this.blocks.size <= 1) return;
      this.drop(key, block);
    }
  }
}

/** Reads of one open file's committed content through the cache, with read-ahead. */
export class SequentialReader {
  /** The block after the last one read: where a sequential reader goes next. */
  private nextBlock = 0;
  /** Blocks fetched ahead of the reader. */
  private window = 0;

  constructor(
    private readonly cache: ReadCache,
    private readonly fetch: (offset: number, length: number) => Promise<Buffer>,
  ) {}

  /** Copies up to length bytes at position of the version info describes into buf; returns the count. */
  async read(info: FileInfo, buf: Buffer, length: number, position: number): Promise<number> {
    const size = Number(info.size);
    const end = Math.min(position + length, size);
    if (end <= position) return 0;
    const first = Math.floor(position / BLOCK_SIZE);
    const last = Math.floor((end - 1) / BLOCK_SIZE);
    if (first === this.nextBlock || first === this.nextBlock - 1) {
      // In order (the kernel's own read-ahead may ask a little out of order).
      if (last >= this.nextBlock) this.window = Math.min(Math.max(1, this.window * 2), READ_AHEAD_MAX_BLOCKS);
    } else {
      this.window = 0;
    }
    this.nextBlock = Math.max(this.nextBlock, last + 1);
    const version = `${info.id}:${info.fingerprint}:${size}:${info.mtimeMs}:`;
    // The blocks asked for and those ahead (started now, awaited by whoever reads there).
    const lastBlock = Math.floor((size - 1) / BLOCK_SIZE);
    this.fetchMissing(version, first, Math.min(last + this.window, lastBlock));
    const wanted: Array<Promise<Buffer>> = [];
    for (let i = first; i <= last; i++) wanted.push(this.block(version, i));
    let done = 0;
    for (let i = first; i <= last; i++) {
      const data = await wanted[i - first];
      const blockStart = i * BLOCK_SIZE;
      const from = Math.max(position, blockStart) - blockStart;
      const to = Math.min(end - blockStart, data.length);
      if (to <= from) break; // the store has less than the master said: a short read
      data.copy(buf, done, from, to);
      done += to - from;
      if (to < Math.min(end - blockStart, BLOCK_SIZE)) break;
    }
    return done;
  }

  private block(version: string, index: number): Promise<Buffer> {
    return this.cache.get(version + index, () => this.fetch(index * BLOCK_SIZE, BLOCK_SIZE));
  }

  /** Starts fetching the blocks from..to not cached yet, neighbours together (FETCH_RUN_BLOCKS at most per read). */
  private fetchMissing(version: string, from: number, to: number): void {
    let i = from;
    while (i <= to) {
      if (this.cache.has(version + i)) {
        i++;
        continue;
      }
      let end = i;
      while (end < to && end - i + 1 < FETCH_RUN_BLOCKS && !this.cache.has(version + (end + 1))) end++;
      const start = i;
      const run = end === start ? null : this.fetch(start * BLOCK_SIZE, (end - start + 1) * BLOCK_SIZE);
      run?.catch(() => undefined); // each block's promise below reports it
      for (let b = start; b <= end; b++) {
        const at = (b - start) * BLOCK_SIZE;
        const data = run === null ? null : run.then((buf) => buf.subarray(Math.min(at, buf.length), Math.min(at + BLOCK_SIZE, buf.length)));
        this.cache.get(version + b, () => data ?? this.fetch(b * BLOCK_SIZE, BLOCK_SIZE)).catch(() => undefined);
      }
      i = end + 1;
    }
  }
}
