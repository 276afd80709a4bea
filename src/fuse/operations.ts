// The FUSE adapter: each kernel request becomes one call into src/client (or
// into the open file table for data), and its outcome an errno (errno.ts).
// Nothing here keeps namespace state: the master is the truth, the kernel
// caches attributes and entries for attr_timeout / entry_timeout seconds.
//
// What the binding (fuse-native 2.2.6 on libfuse 2) does not tell us, and
// what follows:
//   - the calling uid/gid: new entries get the mount process's owner
//     (StrataFileSystem.owner); the kernel checks mode bits (default_permissions);
//   - utimens's mtime (it passes atime twice): the one value given sets both;
//   - UTIME_NOW / UTIME_OMIT arrive as ~1 s after the epoch: read as "now".
//   - getxattr's and listxattr's buffer size: the binding answers size
//     queries itself, and a too-small buffer is not refused with ERANGE;
//   - setxattr's value is the kernel's memory, valid only until we answer:
//     copied before anything is awaited.
// Hard links answer EPERM. Extended attributes are stored in the master.
//
// Answered without the master, because this mount knows them best: the
// attributes of a file open here with staged (not yet committed) content, and
// its security.capability (open-files.ts), which the kernel asks for before
// every write(2). Attributes and listings the master gave recently are kept
// as long as the kernel's own timeouts allow (metadata-cache.ts); after that
// (and with the timeouts 0) a listing is reused only when the master says the
// directory's children_version has not moved since (exact, one round trip).
// open() always asks the master (close-to-open).

import type Fuse from 'fuse-native';
import type { FileInfo, ListEntry } from '../common/api';
import { ErrorCode, StrataError } from '../common/errors';
import type { StrataFileSystem } from '../client/file-system';
import { Errno, toErrno } from './errno';
import { childPath, type MetadataCache } from './metadata-cache';
import type { OpenFile, OpenFileTable } from './open-files';
import type { RequestTrace } from './trace';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const O_ACCMODE = 0o3;
const O_TRUNC = 0o1000;
/** uid/gid "leave unchanged" in chown(2). */
const UNCHANGED_ID = 0xffffffff;
/** Directory entries asked of the master per page. */
export const READDIR_PAGE = 1000;
/** Listings of more entries are not kept by the metadata cache (their names and attributes would weigh too much). */
const MAX_CACHED_LISTING = 20_000;
/** The extended attribute the kernel reads before each write(2) (file capabilities). */
const CAPABILITY = 'security.capability';
/** Preferred I/O size reported in st_blksize (tools size their buffers by it). */
const BLOCK_SIZE = 128 * 1024;

export interface AdapterOptions {
  readOnly: boolean;
  /** Where unexpected failures (those answered EIO) are described. */
  log: (line: string) => void;
  /** Records each request's timing (STRATA_FUSE_TRACE), if set. */
  trace?: RequestTrace | null;
  /** Keep getattr answers on master callbacks (metadata-cache.ts); -o callbacks=0 turns it off. */
  callbacks?: boolean;
}

export class StrataFuseAdapter {
  constructor(
    private readonly fs: StrataFileSystem,
    private readonly files: OpenFileTable,
    private readonly options: AdapterOptions,
  ) {}

  private get meta(): MetadataCache {
    return this.files.meta;
  }

  /**
   * What the master says about path, or what it said recently enough, or
   * what it holds a callback on (metadata-cache.ts).
   */
  private async lookup(path: string): Promise<FileInfo> {
    const cached = this.meta.info(path);
    if (cached !== undefined) return cached;
    return this.fetch(path);
  }

  /** What the master says about path, kept on a callback if it holds one (else for the timeouts). */
  private async fetch(path: string): Promise<FileInfo> {
    const sentAt = this.meta.now();
    if (!this.options.callbacks) {
      const info = await this.fs.stat(path);
      this.meta.put(path, info, sentAt);
      return info;
    }
    const start = this.meta.fillStart();
    try {
      const { info, registered, pathIds } = await this.fs.statRegistering(path);
      if (!registered || !this.meta.putHeld(path, info, pathIds, start)) this.meta.put(path, info, sentAt);
      return info;
    } finally {
      this.meta.fillDone();
    }
  }

  async getattr(path: string): Promise<Fuse.Stat> {
    const open = this.files.atPath(path);
    if (open !== undefined && open.staged !== null) return toStat(open.info, open);
    const info = await this.lookup(path);
    return toStat(info, this.files.file(info.id));
  }

  /**
   * getattr answered at once, when this mount knows the answer (an open file
   * with staged data, or the metadata cache): no promise, no await, the
   * kernel's request is answered in the same turn, as the ceiling does.
   */
  private getattrNow(path: string): Fuse.Stat | undefined {
    const open = this.files.atPath(path);
    if (open !== undefined && open.staged !== null) return toStat(open.info, open);
    const info = this.meta.info(path);
    return info === undefined ? undefined : toStat(info, this.files.file(info.id));
  }

  async readdir(path: string): Promise<string[]> {
    const cached = this.meta.listing(path);
    if (cached !== undefined) return ['.', '..', ...cached];
    const known = this.meta.validatable(path);
    // A directory held on a callback at the listing's id and version: no
    // name in it changed since (any change moves the version, and is
    // announced here before it is acknowledged), so no need to ask.
    const held = known !== undefined ? this.meta.held(path) : undefined;
    if (known !== undefined && held !== undefined && Number(held.id) === known.id && held.childrenVersion === known.version) {
      return ['.', '..', ...known.names];
    }
    const sentAt = this.meta.now();
    const names: string[] = [];
    // The entries are kept as attributes while few enough: a huge directory costs names only.
    let entries: FileInfo[] | null = this.meta.keepsListings ? [] : null;
    let id = 0;
    let version = 0;
    let startAfter = '';
    for (;;) {
      const page = await this.fs.listPage(path, startAfter, READDIR_PAGE, known);
      if (page.unchanged && known !== undefined) {
        this.meta.validated(path, known.id, known.version, sentAt);
        return ['.', '..', ...known.names];
      }
      if (startAfter === '') {
        id = page.dirId;
        version = page.childrenVersion;
      }
      for (const entry of page.compactEntries) {
        names.push(entry.name);
        if (entries === null) continue;
        if (entries.length < MAX_CACHED_LISTING) entries.push(fileInfoOf(path, entry));
        else entries = null;
      }
      const last = page.compactEntries[page.compactEntries.length - 1];
      if (!page.hasMore || last === undefined) break;
      startAfter = last.name;
    }
    // A file listed as itself (dirId 0) is not kept as a listing.
    if (id !== 0) this.meta.putListing(path, names, id, version, sentAt, entries ?? undefined);
    return ['.', '..', ...names];
  }

  async access(path: string): Promise<void> {
    await this.lookup(path); // mode bits are the kernel's (default_permissions)
  }

  async mkdir(path: string, mode: number): Promise<void> {
    const sentAt = this.meta.now();
    const reply = await this.fs.mkdirReply(path, { mode: mode & 0o7777 });
    this.meta.created(path, reply.info, sentAt, reply.parentId, reply.parentChildrenVersion);
  }

  async rmdir(path: string): Promise<void> {
    try {
      await this.fs.delete(path, { recursive: false });
    } catch (err) {
      this.meta.removed(path, true); // refused: what the cache had is better asked again
      throw err;
    }
    this.meta.unlinked(path, true);
  }

  async unlink(path: string): Promise<void> {
    try {
      await this.fs.delete(path, { recursive: false });
    } catch (err) {
      this.meta.removed(path, false);
      throw err;
    }
    this.meta.unlinked(path, false);
    this.files.removed(path);
  }

  async rename(src: string, dst: string): Promise<void> {
    const file = this.meta.info(src)?.type === 'FILE';
    try {
      await this.fs.rename(src, dst);
    } finally {
      this.meta.removed(src, !file);
      this.meta.removed(dst, true);
    }
    this.files.renamed(src, dst);
  }

  async symlink(target: string, path: string): Promise<void> {
    const sentAt = this.meta.now();
    const reply = await this.fs.symlinkReply(path, target);
    this.meta.created(path, reply.info, sentAt, reply.parentId, reply.parentChildrenVersion);
  }

  async readlink(path: string): Promise<string> {
    const info = await this.lookup(path);
    if (info.type !== 'SYMLINK') throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: not a symlink`);
    return info.symlinkTarget;
  }

  async chmod(path: string, mode: number): Promise<void> {
    await this.setAttribute(path, { mode: mode & 0o7777 });
  }

  async chown(path: string, uid: number, gid: number): Promise<void> {
    const attrs: { uid?: number; gid?: number } = {};
    if (uid !== UNCHANGED_ID && uid >= 0) attrs.uid = uid;
    if (gid !== UNCHANGED_ID && gid >= 0) attrs.gid = gid;
    if (attrs.uid === undefined && attrs.gid === undefined) return;
    await this.setAttribute(path, attrs);
  }

  async utimens(path: string, atime: number, mtime: number): Promise<void> {
    const now = Date.now();
    const at = atime < 100_000 ? now : atime;
    const mt = mtime < 100_000 ? now : mtime;
    const info = await this.setAttribute(path, { atimeMs: at, mtimeMs: mt });
    const open = this.files.file(info.id);
    if (open !== undefined && open.staged !== null) {
      open.explicitMtimeMs = mt;
      open.mtimeMs = mt;
    }
  }

  async getxattr(path: string, name: string): Promise<Buffer> {
    const open = name === CAPABILITY ? this.files.atPath(path) : undefined;
    if (open === undefined) return this.fs.getXattr(path, name);
    if (open.capability === undefined) {
      try {
        open.capability = await this.fs.getXattr(path, name);
      } catch (err) {
        if (!(err instanceof StrataError && err.code === ErrorCode.NO_ATTRIBUTE)) throw err;
        open.capability = null;
      }
    }
    if (open.capability === null) throw new StrataError(ErrorCode.NO_ATTRIBUTE, `${path}: no extended attribute ${name}`);
    return open.capability;
  }

  async setxattr(path: string, name: string, value: Buffer, flags: number): Promise<void> {
    try {
      await this.fs.setXattr(path, name, value, flags);
    } finally {
      this.meta.changed(path); // ctime
    }
    const open = name === CAPABILITY ? this.files.atPath(path) : undefined;
    if (open !== undefined) open.capability = value;
  }

  listxattr(path: string): Promise<string[]> {
    return this.fs.listXattr(path);
  }

  async removexattr(path: string, name: string): Promise<void> {
    const open = name === CAPABILITY ? this.files.atPath(path) : undefined;
    if (open !== undefined) open.capability = undefined; // unknown if the call fails half way
    try {
      await this.fs.removeXattr(path, name);
    } finally {
      this.meta.changed(path); // ctime
    }
    if (open !== undefined) open.capability = null;
  }

  async truncate(path: string, size: number): Promise<void> {
    const info = await this.fs.stat(path);
    const open = this.files.file(info.id);
    if (open !== undefined && open.staged !== null) return open.truncate(size);
    await this.setAttribute(path, { size });
  }

  async ftruncate(fh: number, size: number): Promise<void> {
    const handle = this.handle(fh);
    if (!handle.writable) throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'ftruncate of a handle not open for writing');
    await handle.file.truncate(size);
  }

  async create(path: string, mode: number): Promise<number> {
    const sentAt = this.meta.now();
    const { info, parentId, parentChildrenVersion } = await this.fs.createFileReply(path, { mode: mode & 0o7777 });
    this.meta.created(path, info, sentAt, parentId, parentChildrenVersion);
    const { fh, file } = this.files.open(info, true);
    try {
      await file.startEmpty();
    } catch (err) {
      await this.files.release(fh).catch(() => undefined);
      throw err;
    }
    return fh;
  }

  async open(path: string, flags: number): Promise<number> {
    // Always the master's answer, never the cache's: close-to-open.
    const sentAt = this.meta.now();
    const info = await this.fs.stat(path);
    this.meta.put(path, info, sentAt);
    if (info.type === 'DIRECTORY') throw new StrataError(ErrorCode.IS_DIRECTORY, `${path}: Is a directory`);
    if (info.type !== 'FILE') throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: not a regular file`);
    const writable = (flags & O_ACCMODE) !== 0;
    if (writable && (info.readOnly || this.options.readOnly)) throw new StrataError(ErrorCode.READ_ONLY, `${path}: Read-only file system`);
    const { fh, file } = this.files.open(info, writable);
    if (writable && (flags & O_TRUNC) !== 0) {
      try {
        await file.truncate(0);
      } catch (err) {
        await this.files.release(fh).catch(() => undefined);
        throw err;
      }
    }
    return fh;
  }

  async read(fh: number, buf: Buffer, length: number, position: number): Promise<number> {
    return this.handle(fh).file.read(buf, length, position);
  }

  async write(fh: number, buf: Buffer, length: number, position: number): Promise<number> {
    const handle = this.handle(fh);
    if (!handle.writable) throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'write to a handle not open for writing');
    return handle.file.write(buf, length, position);
  }

  /** flush (each close(2)) and fsync: upload and commit what this handle's file has staged. */
  async flush(fh: number): Promise<void> {
    const handle = this.files.handle(fh);
    if (handle === undefined || !handle.writable) return;
    const before = handle.file.info;
    await handle.file.commit();
    // Committed: the master invalidated what this mount held of the file.
    // Asked again now, in the background, on a callback: the stat that
    // usually follows a write (ls -l, make, rsync) then needs no round trip.
    const path = handle.file.path;
    if (this.options.callbacks && handle.file.info !== before && path !== null && !this.meta.holds(path)) void this.fetch(path).catch(() => undefined);
  }

  release(fh: number): Promise<void> {
    return this.files.release(fh);
  }

  statfs(): Fuse.StatFs {
    // Not measured: strata spans stores of any size. Large, plausible figures
    // (the binding's fields are 32 bits) so that df and space checks pass.
    const blocks = 0x40000000;
    return { bsize: 4096, frsize: 4096, blocks, bfree: blocks, bavail: blocks, files: blocks, ffree: blocks, favail: blocks, fsid: 0, flag: 0, namemax: 255 };
  }

  /** setAttribute through this mount: the cache and a file open here take the master's answer. */
  private async setAttribute(path: string, attrs: Parameters<StrataFileSystem['setAttribute']>[1]): Promise<FileInfo> {
    const sentAt = this.meta.now();
    let info: FileInfo;
    try {
      info = await this.fs.setAttribute(path, attrs);
    } catch (err) {
      this.meta.changed(path);
      throw err;
    }
    this.meta.changed(path, info, sentAt);
    const open = this.files.file(info.id);
    if (open !== undefined) open.info = { ...info, path: open.path ?? info.path };
    return info;
  }

  private handle(fh: number): { file: OpenFile; writable: boolean } {
    const handle = this.files.handle(fh);
    if (handle === undefined) throw Object.assign(new Error(`no open file handle ${fh}`), { code: 'EBADF' });
    return handle;
  }

  /** The binding's operation table: callbacks, errno out, read-only refusals. */
  operations(): Fuse.Operations {
    const ro = this.options.readOnly;
    const log = this.options.log;
    const trace = this.options.trace ?? null;
    const answer = <T>(op: string, path: string, work: () => Promise<T> | T, cb: (err: number, value?: T) => void): void => {
      if (trace !== null) {
        const start = trace.now();
        const inner = cb;
        cb = (err, value) => {
          trace.record('fuse', err < 0 ? `${op}!${-err}` : op, path, start);
          inner(err, value);
        };
      }
      let p: Promise<T>;
      try {
        p = Promise.resolve(work());
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(
        (value) => cb(0, value),
        (err: unknown) => cb(fail(log, op, path, err)),
      );
    };
    const mutation = <T>(op: string, path: string, work: () => Promise<T>, cb: (err: number, value?: T) => void): void => {
      if (ro) return cb(Errno.EROFS);
      answer(op, path, work, cb);
    };
    const count = (op: string, path: string, work: () => Promise<number>, cb: (n: number) => void): void => {
      if (trace !== null) {
        const start = trace.now();
        const inner = cb;
        cb = (n) => {
          trace.record('fuse', n < 0 ? `${op}!${-n}` : op, path, start);
          inner(n);
        };
      }
      let p: Promise<number>;
      try {
        p = work();
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(cb, (err: unknown) => cb(fail(log, op, path, err)));
    };
    return {
      getattr: (path, cb) => {
        const now = trace === null ? this.getattrNow(path) : undefined;
        if (now !== undefined) return cb(0, now);
        answer('getattr', path, () => this.getattr(path), cb);
      },
      readdir: (path, cb) => answer('readdir', path, () => this.readdir(path), cb),
      access: (path, _mode, cb) => answer('access', path, () => this.access(path), cb),
      statfs: (path, cb) => answer('statfs', path, () => this.statfs(), cb),
      mkdir: (path, mode, cb) => mutation('mkdir', path, () => this.mkdir(path, mode), cb),
      rmdir: (path, cb) => mutation('rmdir', path, () => this.rmdir(path), cb),
      unlink: (path, cb) => mutation('unlink', path, () => this.unlink(path), cb),
      rename: (src, dst, cb) => mutation('rename', src, () => this.rename(src, dst), cb),
      symlink: (target, path, cb) => mutation('symlink', path, () => this.symlink(target, path), cb),
      link: (_src, _dst, cb) => cb(ro ? Errno.EROFS : Errno.EPERM),
      readlink: (path, cb) => answer('readlink', path, () => this.readlink(path), cb),
      chmod: (path, mode, cb) => mutation('chmod', path, () => this.chmod(path, mode), cb),
      chown: (path, uid, gid, cb) => mutation('chown', path, () => this.chown(path, uid, gid), cb),
      utimens: (path, atime, mtime, cb) => mutation('utimens', path, () => this.utimens(path, atime, mtime), cb),
      truncate: (path, size, cb) => mutation('truncate', path, () => this.truncate(path, size), cb),
      ftruncate: (path, fh, size, cb) => mutation('ftruncate', path, () => this.ftruncate(fh, size), cb),
      create: (path, mode, cb) => mutation('create', path, () => this.create(path, mode), cb),
      open: (path, flags, cb) => answer('open', path, () => this.open(path, flags), cb),
      read: (path, fh, buf, len, pos, cb) => count('read', path, () => this.read(fh, buf, len, pos), cb),
      write: (path, fh, buf, len, pos, cb) => count('write', path, () => this.write(fh, buf, len, pos), cb),
      flush: (path, fh, cb) => answer('flush', path, () => this.flush(fh), cb),
      fsync: (path, _datasync, fh, cb) => answer('fsync', path, () => this.flush(fh), cb),
      release: (path, fh, cb) => answer('release', path, () => this.release(fh), cb),
      getxattr: (path, name, _position, cb) => answer('getxattr', `${path} ${name}`, () => this.getxattr(path, name), cb),
      setxattr: (path, name, value, _position, flags, cb) => {
        const copy = Buffer.from(value); // the kernel's buffer is gone once we answer
        mutation('setxattr', path, () => this.setxattr(path, name, copy, flags), cb);
      },
      listxattr: (path, cb) => answer('listxattr', path, () => this.listxattr(path), cb),
      removexattr: (path, name, cb) => mutation('removexattr', path, () => this.removexattr(path, name), cb),
    };
  }
}

/** The errno for a failure; the unexpected ones (EIO) are logged. */
function fail(log: (line: string) => void, op: string, path: string, err: unknown): number {
  const errno = toErrno(err);
  if (errno === Errno.EIO) log(`${op} ${path}: ${err instanceof Error ? err.message : String(err)}`);
  return errno;
}

/**
 * A compact listing entry as the FileInfo the metadata cache keeps: what
 * getattr, readlink and rename read of it. Fields a listing does not carry
 * (under store URI, fingerprint, mount flags) are empty: open() asks the
 * master for those, never the cache.
 */
function fileInfoOf(dir: string, e: ListEntry): FileInfo {
  return {
    ...e,
    path: childPath(dir, e.name),
    ufsUri: '',
    mountPoint: false,
    readOnly: false,
    fingerprint: '',
  };
}

export function toStat(info: FileInfo, open: OpenFile | undefined): Fuse.Stat {
  const type = info.type === 'DIRECTORY' ? S_IFDIR : info.type === 'SYMLINK' ? S_IFLNK : S_IFREG;
  const staged = open?.staged ?? null;
  const size = staged !== null ? staged.size : Number(info.size);
  const mtime = staged !== null && open !== undefined ? open.mtimeMs : Number(info.mtimeMs);
  return {
    mode: type | (info.mode & 0o7777),
    uid: info.uid,
    gid: info.gid,
    size,
    nlink: info.nlink || 1,
    mtime,
    atime: Number(info.atimeMs) || mtime,
    ctime: Number(info.ctimeMs) || mtime,
    blksize: BLOCK_SIZE,
    blocks: Math.ceil(size / 512),
  };
}
