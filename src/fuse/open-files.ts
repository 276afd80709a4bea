// Open files and their handles. One OpenFile per inode open in this mount,
// shared by every handle on it, so that all handles see one staged content:
// the file's data is read from its under store (a local file kept open and
// read straight into the kernel's buffer; other stores through the mount's
// read cache, with read-ahead: read-cache.ts) until the first write or
// truncate, which copies it into a staging file (copy-on-open, skipped when
// truncating to 0); from then on reads and writes use the staging file, and
// flush, fsync and release upload it (UnderStore.putFile) and commit it to the
// master (completeFile: size, fingerprint, mtime). Close-to-open: another
// client sees the new content after the close.
//
// Paths follow renames made through this mount (renamed()); a file unlinked
// or replaced while open keeps its staged data until release, and that data
// is then dropped, as a local file system drops an unlinked file's blocks.
// libfuse unlinks an open file by renaming it to .fuse_hiddenNNNN (removed at
// its last release): such a file is treated as unlinked, never uploaded.

import type { FileInfo } from '../common/api';
import { ErrorCode, StrataError } from '../common/errors';
import type { StrataFileSystem } from '../client/file-system';
import type { UfsReader, UnderStore } from '../ufs/under-store';
import { MetadataCache } from './metadata-cache';
import { ReadCache, SequentialReader } from './read-cache';
import { StagedFile, StagingArea } from './staging';

/** The name libfuse gives a file unlinked while open (fuse.c, hidden_name()). */
const HIDDEN_NAME = /\/\.fuse_hidden[0-9a-f]{16}$/;

function isHidden(path: string): boolean {
  return HIDDEN_NAME.test(path);
}

export interface Handle {
  readonly file: OpenFile;
  readonly writable: boolean;
}

export class OpenFile {
  /** Handles open on this file. */
  refs = 0;
  /** The current path in the namespace; null once unlinked or replaced. */
  path: string | null;
  /** Content not yet committed to the master. */
  dirty = false;
  /** The staged content's mtime (ms), reported by getattr while staged. */
  mtimeMs: number;
  /** An mtime set by utimens while open: committed instead of the upload's. */
  explicitMtimeMs: number | null = null;
  /**
   * security.capability, which the kernel asks for before every write(2)
   * (to drop it, as a local file system does): undefined until known, null
   * when the file has none. Known without asking for a file this mount just
   * created, and asked once per open otherwise; changes made through this
   * mount keep it current (operations.ts).
   */
  capability: Buffer | null | undefined = undefined;
  private staging: Promise<StagedFile> | null = null;
  private stagedFile: StagedFile | null = null;
  private reader: Promise<{ store: UnderStore; relPath: string }> | null = null;
  private sequential: SequentialReader | null = null;
  private direct: { version: string; reader: Promise<DirectReader | null> } | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly table: OpenFileTable,
    public info: FileInfo,
  ) {
    this.path = info.path;
    this.mtimeMs = info.mtimeMs;
  }

  get id(): number {
    return Number(this.info.id);
  }

  /** The staged file, or null while reads still go to the under store. */
  get staged(): StagedFile | null {
    return this.stagedFile;
  }

  async read(buf: Buffer, length: number, position: number): Promise<number> {
    if (this.staging !== null) return (await this.staging).read(buf, length, position);
    if (!this.info.complete) return 0;
    const info = this.info;
    const want = Math.min(length, Number(info.size) - position);
    if (want <= 0) return 0;
    const direct = await this.directReader(info);
    if (direct !== null) return direct.read(buf, want, position);
    this.sequential ??= new SequentialReader(this.table.cache, async (offset, size) => {
      const { store, relPath } = await this.underStore();
      return store.read(relPath, offset, size);
    });
    return this.sequential.read(this.info, buf, length, position);
  }

  async write(buf: Buffer, length: number, position: number): Promise<number> {
    const staged = await this.stage(true);
    this.dirty = true;
    this.mtimeMs = Date.now();
    this.explicitMtimeMs = null;
    return staged.write(buf, length, position);
  }

  /** truncate/ftruncate of an open file: on the staged copy, committed at the next flush. */
  truncate(size: number): Promise<void> {
    return this.exclusive(async () => {
      const staged = await this.stage(size > 0);
      await staged.truncate(size);
      this.dirty = true;
      this.mtimeMs = Date.now();
    });
  }

  /** A file just created: empty, staged, and to be committed even if nothing is written. */
  async startEmpty(): Promise<void> {
    await this.stage(false);
    this.dirty = true;
    this.capability = null; // a new inode has no extended attributes
  }

  /** Uploads the staged content and commits it, if anything changed since the last commit. */
  commit(): Promise<void> {
    return this.exclusive(async () => {
      const staged = this.stagedFile;
      if (!this.dirty || staged === null) return;
      if (this.path === null || isHidden(this.path)) {
        this.dirty = false; // unlinked or replaced: its data goes with it
        return;
      }
      const fs = this.table.fs;
      this.dirty = false; // a write during the upload sets it again
      try {
        let info: FileInfo;
        try {
          info = await fs.stat(this.path);
        } catch (err) {
          if (err instanceof StrataError && err.code === ErrorCode.NOT_FOUND) return; // removed by another client
          throw err;
        }
        if (Number(info.id) !== this.id) return; // replaced by another client
        const { store, relPath } = await fs.storeFor(info);
        await staged.settle(); // the writes taken behind are in the staging file
        const status = await store.putFile(relPath, staged.path, info.mode);
        const sentAt = this.table.meta.now();
        this.info = await fs.completeFile(info, status.size, status.fingerprint, this.explicitMtimeMs ?? status.mtimeMs);
        if (this.path !== null) this.table.meta.put(this.path, this.info, sentAt);
        this.reader = null;
      } catch (err) {
        this.dirty = true;
        throw err;
      }
    });
  }

  /** After a rename through this mount: the under store path changed too. */
  moved(path: string | null): void {
    this.path = path;
    this.reader = null;
    if (path !== null) this.info = { ...this.info, path };
  }

  /** With the last handle: frees the staging file and the under store reader. */
  async closeStaging(): Promise<void> {
    this.retireDirect();
    const staging = this.staging;
    this.staging = null;
    this.stagedFile = null;
    if (staging !== null) await (await staging.catch(() => null))?.close();
  }

  /** The staged file, created on first use (copying the committed content in when copy is set). */
  private stage(copy: boolean): Promise<StagedFile> {
    if (this.staging === null) {
      const staging = (async () => {
        const file = await this.table.area.newFile();
        try {
          if (copy && this.info.complete && this.info.size > 0) {
            const { store, relPath } = await this.underStore();
            await file.fillFrom(store, relPath);
          }
        } catch (err) {
          await file.close();
          throw err;
        }
        this.stagedFile = file;
        return file;
      })();
      this.staging = staging;
      staging.catch(() => {
        if (this.staging === staging) this.staging = null;
      });
    }
    return this.staging;
  }

  /**
   * The store's file kept open for reads straight into the kernel's buffer,
   * for stores that have openReader (local); null for the others, which go
   * through the read cache. Opened again when the version the master
   * committed changes (a new open, a commit, a rename); the old one closes
   * once its reads in flight are done.
   */
  private directReader(info: FileInfo): Promise<DirectReader | null> {
    const version = `${info.id}:${info.fingerprint}:${info.size}:${info.mtimeMs}:${info.ufsUri}`;
    if (this.direct !== null && this.direct.version === version) return this.direct.reader;
    this.retireDirect();
    const reader = (async () => {
      const { store, relPath } = await this.underStore();
      if (store.openReader === undefined) return null;
      return new DirectReader(await store.openReader(relPath));
    })();
    const entry = { version, reader };
    this.direct = entry;
    reader.catch(() => {
      if (this.direct === entry) this.direct = null; // asked again at the next read
    });
    return reader;
  }

  private retireDirect(): void {
    const old = this.direct;
    this.direct = null;
    old?.reader.then((r) => r?.retire(), () => undefined);
  }

  private underStore(): Promise<{ store: UnderStore; relPath: string }> {
    if (this.reader === null) {
      const info = this.info;
      const reader = this.table.fs.storeFor(info);
      this.reader = reader;
      reader.catch(() => {
        if (this.reader === reader) this.reader = null;
      });
    }
    return this.reader;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** An under store reader that closes once retired and no read is in flight on it. */
class DirectReader {
  private inflight = 0;
  private retired = false;

  constructor(private readonly reader: UfsReader) {}

  async read(buf: Buffer, length: number, position: number): Promise<number> {
    this.inflight++;
    try {
      return await this.reader.read(buf, length, position);
    } finally {
      this.inflight--;
      if (this.retired && this.inflight === 0) void this.reader.close().catch(() => undefined);
    }
  }

  retire(): void {
    this.retired = true;
    if (this.inflight === 0) void this.reader.close().catch(() => undefined);
  }
}

/** The handles (FUSE file handle numbers) and the open files they share. */
export class OpenFileTable {
  private readonly files = new Map<number, OpenFile>();
  /** The open file at each path: the one opened last, if two inodes claim one path (a replacement made elsewhere). */
  private readonly paths = new Map<string, OpenFile>();
  private readonly handles = new Map<number, Handle>();
  private nextHandle = 1;

  constructor(
    readonly fs: StrataFileSystem,
    readonly area: StagingArea,
    readonly cache: ReadCache = new ReadCache(),
    readonly meta: MetadataCache = MetadataCache.off(),
  ) {}

  /** A new handle on the file info names (sharing its OpenFile if already open). */
  open(info: FileInfo, writable: boolean): { fh: number; file: OpenFile } {
    const id = Number(info.id);
    let file = this.files.get(id);
    if (file === undefined) {
      file = new OpenFile(this, info);
      this.files.set(id, file);
    } else if (file.staged === null) {
      file.info = info; // close-to-open: a fresh open sees the latest commit
    }
    file.refs++;
    if (file.path !== null) this.paths.set(file.path, file);
    const fh = this.nextHandle;
    this.nextHandle = this.nextHandle >= 0xfffffff0 ? 1 : this.nextHandle + 1;
    this.handles.set(fh, { file, writable });
    return { fh, file };
  }

  handle(fh: number): Handle | undefined {
    return this.handles.get(fh);
  }

  /** The open file of an inode, if this mount has it open. */
  file(id: number | string): OpenFile | undefined {
    return this.files.get(Number(id));
  }

  /** The file open at path in this mount, if any. */
  atPath(path: string): OpenFile | undefined {
    const file = this.paths.get(path);
    return file !== undefined && file.path === path ? file : undefined;
  }

  /** Drops a handle: commits what is dirty, and frees the staging file with the last handle. */
  async release(fh: number): Promise<void> {
    const handle = this.handles.get(fh);
    if (handle === undefined) return;
    this.handles.delete(fh);
    const file = handle.file;
    try {
      if (handle.writable) await file.commit();
    } finally {
      file.refs--;
      if (file.refs <= 0) {
        if (this.files.get(file.id) === file) this.files.delete(file.id);
        if (file.path !== null && this.paths.get(file.path) === file) this.paths.delete(file.path);
        await file.closeStaging();
      }
    }
  }

  /** An entry was unlinked or replaced: open files there lose their path. */
  removed(path: string): void {
    for (const file of this.files.values()) if (file.path === path) this.move(file, null);
  }

  /** src was renamed to dst: open files at or below src follow it. */
  renamed(src: string, dst: string): void {
    if (src === dst) return;
    this.removed(dst);
    for (const file of this.files.values()) {
      const p = file.path;
      if (p === null) continue;
      if (p === src) this.move(file, dst);
      else if (p.startsWith(src + '/')) this.move(file, dst + p.slice(src.length));
    }
  }

  private move(file: OpenFile, path: string | null): void {
    if (file.path !== null && this.paths.get(file.path) === file) this.paths.delete(file.path);
    file.moved(path);
    if (path !== null) this.paths.set(path, file);
  }

  /** At unmount: commits what is dirty (best effort) and frees every staging file. */
  async closeAll(): Promise<string[]> {
    const failures: string[] = [];
    for (const file of this.files.values()) {
      try {
        await file.commit();
      } catch (err) {
        failures.push(`${file.path ?? `inode ${file.id}`}: ${err instanceof Error ? err.message : String(err)}`);
      }
      await file.closeStaging();
    }
    this.files.clear();
    this.paths.clear();
    this.handles.clear();
    return failures;
  }
}
