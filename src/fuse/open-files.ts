// Open files and their handles. One OpenFile per inode open in this mount,
// shared by every handle on it, so that all handles see one staged content:
// the file's data is read from its under store until the first write or
// truncate, which copies it into a staging file (copy-on-open, skipped when
// truncating to 0); from then on reads and writes use the staging file, and
// flush, fsync and release upload it (UnderStore.putFile) and commit it to the
// master (completeFile: size, fingerprint, mtime). Close-to-open: another
// client sees the new content after the close.
//
// Paths follow renames made through this mount (renamed()); a file unlinked
// or replaced while open keeps its staged data until release, and that data
// is then dropped, as a local file system drops an unlinked file's blocks.

import type { FileInfo } from '../common/api';
import { ErrorCode, StrataError } from '../common/errors';
import type { StrataFileSystem } from '../client/file-system';
import type { UnderStore } from '../ufs/under-store';
import { StagedFile, StagingArea } from './staging';

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
  private staging: Promise<StagedFile> | null = null;
  private stagedFile: StagedFile | null = null;
  private reader: Promise<{ store: UnderStore; relPath: string }> | null = null;
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
    if (!this.info.complete || position >= this.info.size) return 0;
    const { store, relPath } = await this.underStore();
    const data = await store.read(relPath, position, length);
    data.copy(buf, 0, 0, data.length);
    return data.length;
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
  }

  /** Uploads the staged content and commits it, if anything changed since the last commit. */
  commit(): Promise<void> {
    return this.exclusive(async () => {
      const staged = this.stagedFile;
      if (!this.dirty || staged === null) return;
      if (this.path === null) {
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
        const status = await store.putFile(relPath, staged.path, info.mode);
        this.info = await fs.completeFile(info, status.size, status.fingerprint, this.explicitMtimeMs ?? status.mtimeMs);
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

  async closeStaging(): Promise<void> {
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

/** The handles (FUSE file handle numbers) and the open files they share. */
export class OpenFileTable {
  private readonly files = new Map<number, OpenFile>();
  private readonly handles = new Map<number, Handle>();
  private nextHandle = 1;

  constructor(
    readonly fs: StrataFileSystem,
    readonly area: StagingArea,
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
        await file.closeStaging();
      }
    }
  }

  /** An entry was unlinked or replaced: open files there lose their path. */
  removed(path: string): void {
    for (const file of this.files.values()) if (file.path === path) file.moved(null);
  }

  /** src was renamed to dst: open files at or below src follow it. */
  renamed(src: string, dst: string): void {
    if (src === dst) return;
    this.removed(dst);
    for (const file of this.files.values()) {
      const p = file.path;
      if (p === null) continue;
      if (p === src) file.moved(dst);
      else if (p.startsWith(src + '/')) file.moved(dst + p.slice(src.length));
    }
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
    this.handles.clear();
    return failures;
  }
}
