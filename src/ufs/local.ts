// The local under store: a file:// root directory on a local disk or an NFS
// mount. Owns the mapping of store-relative paths to host paths (and the rule
// that nothing escapes the root), atomic whole-file writes, sorted paged
// listings, and the one table from Node fs errno codes to ErrorCode.
//
// Confinement. A path is split into components and each is checked
// ('' '.' '..' '/' NUL and over-long names are refused, as are names with the
// reserved temp prefix). The store then never follows a symlink below its root:
//   - the directories on the way to an entry are checked before each call:
//     realpath(dir) must equal the lexical path under the (realpath'd) root,
//     which proves no component is a symlink; when it differs or fails, an
//     lstat walk names the culprit (NOT_FOUND, or NOT_DIRECTORY "is a symlink");
//   - the last component is never resolved: stat and list use lstat, files are
//     opened with O_NOFOLLOW, writes rename over the name (replacing a symlink
//     there, never writing through it), chmod of a symlink is a no-op, and
//     delete unlinks a symlink itself (fs.rm never follows links either).
// A symlink is reported by stat/list as type 'symlink' with its target.
// Limit: the checks run before each call, not atomically with it (Node has no
// openat2 with RESOLVE_BENEATH), so someone who can rename directories inside
// the root while strata works in it could race them. The root's owners are
// trusted; symlinks already in the tree, or created through strata, are not.

import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { constants as fsc, lstat as lstatCb, promises as fsp } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { Readable } from 'node:stream';
import { describeCode, ErrorCode, StrataError } from '../common/errors';
import { checkName, MAX_PATH_BYTES } from '../common/paths';
import type { StoreChangeGuard, UfsAttributeChange, UfsAttributes, UfsOwner, UfsReader, UfsStatus, UnderStore, UnderStoreOptions } from './under-store';

/** Names of in-flight (or crashed) atomic writes; hidden from list, refused as paths. */
export const TEMP_PREFIX = '.strata-tmp-';
export const DEFAULT_PAGE_SIZE = 1000;
/** lstat calls in flight per listing page (the libuv pool has 4 threads by default). */
const STAT_CONCURRENCY = 32;
const NOT_FOLLOWED = 'is a symlink; the local store does not follow symlinks';

// The one table from Node fs errno codes to strata codes. Anything not here is IO.
const errnoToCode: Readonly<Record<string, ErrorCode>> = {
  ENOENT: ErrorCode.NOT_FOUND,
  EEXIST: ErrorCode.EXISTS,
  ENOTEMPTY: ErrorCode.NOT_EMPTY,
  ENOTDIR: ErrorCode.NOT_DIRECTORY,
  EISDIR: ErrorCode.IS_DIRECTORY,
  EACCES: ErrorCode.PERMISSION_DENIED,
  EPERM: ErrorCode.NOT_PERMITTED,
  EROFS: ErrorCode.READ_ONLY,
  ENAMETOOLONG: ErrorCode.NAME_TOO_LONG,
  EXDEV: ErrorCode.CROSS_DEVICE, // a rename across file systems mounted inside the root
  EINVAL: ErrorCode.INVALID_ARGUMENT,
  ELOOP: ErrorCode.INVALID_ARGUMENT, // O_NOFOLLOW met a symlink where a file was needed
  EFBIG: ErrorCode.INVALID_ARGUMENT, // a size beyond what the file system allows
  EIO: ErrorCode.IO,
  ENOSPC: ErrorCode.IO,
  EDQUOT: ErrorCode.IO,
  EMFILE: ErrorCode.UNAVAILABLE, // out of descriptors: may pass, worth a retry
  ENFILE: ErrorCode.UNAVAILABLE,
  EAGAIN: ErrorCode.UNAVAILABLE,
  EBUSY: ErrorCode.UNAVAILABLE,
  ESTALE: ErrorCode.UNAVAILABLE, // NFS: the server lost the handle
  ETIMEDOUT: ErrorCode.UNAVAILABLE, // NFS soft mount timed out
  ENOTCONN: ErrorCode.UNAVAILABLE,
};

export function errnoOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code: unknown = err.code;
  return typeof code === 'string' ? code : undefined;
}

/** Wraps a Node fs error as a StrataError (a StrataError passes through). */
export function fsErrorToStrata(err: unknown, what: string): StrataError {
  if (err instanceof StrataError) return err;
  const errno = errnoOf(err);
  const code = (errno !== undefined && errnoToCode[errno]) || ErrorCode.IO;
  const detail = errno ?? (err instanceof Error ? err.message : String(err));
  return new StrataError(code, `${what}: ${describeCode[code]} (${detail})`, { cause: err });
}

/** Store-relative path -> components ([] for the root). */
export function splitStorePath(path: unknown): string[] {
  if (typeof path !== 'string') {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'path is not a string');
  }
  if (path === '') return [];
  if (path.startsWith('/')) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: under store paths are relative to the store root`);
  }
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
    throw new StrataError(ErrorCode.NAME_TOO_LONG, `path is longer than ${MAX_PATH_BYTES} bytes`);
  }
  const names = path.split('/');
  for (const name of names) {
    checkName(name, path);
    if (name.startsWith(TEMP_PREFIX)) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: names starting with ${TEMP_PREFIX} are reserved`);
    }
  }
  return names;
}

/**
 * Orders strings as the byte order of their UTF-8 encodings (= code point
 * order) without encoding them: UTF-16 units only disagree with code points
 * where a surrogate (D800-DFFF) meets a unit at or above E000.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

function checkMode(mode: unknown): number {
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `mode ${String(mode)} is not within 0..07777`);
  }
  return mode;
}

function checkCount(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${what} ${String(value)} is not a non-negative integer`);
  }
  return value;
}

/** lstat, null when nothing is there. The callback form: half the cost of fs/promises' (a listing does one per entry). */
function lstatOrNull(host: string): Promise<BigIntStats | null> {
  return new Promise((resolve, reject) => {
    lstatCb(host, { bigint: true }, (err, st) => {
      if (err === null) return resolve(st);
      const errno = errnoOf(err);
      if (errno === 'ENOENT' || errno === 'ENOTDIR') resolve(null);
      else reject(err);
    });
  });
}

/** Makes renames and creates in dir durable; platforms that cannot fsync a directory skip it. */
async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
    await handle.sync();
  } catch (err) {
    const errno = errnoOf(err);
    if (errno !== 'EINVAL' && errno !== 'ENOTSUP' && errno !== 'EISDIR' && errno !== 'EBADF') throw err;
  } finally {
    await handle?.close();
  }
}

async function writeAll(handle: FileHandle, data: Uint8Array): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done);
    done += bytesWritten;
  }
}

function commonStatus(name: string, st: BigIntStats): Pick<UfsStatus, 'name' | 'size' | 'mtimeMs' | 'mode' | 'uid' | 'gid'> {
  return { name, size: Number(st.size), mtimeMs: Number(st.mtimeMs), mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid) };
}

/** A regular file's status; the fingerprint is size and mtime in nanoseconds. */
function fileStatus(name: string, st: BigIntStats): UfsStatus {
  return { ...commonStatus(name, st), type: 'file', fingerprint: `${st.size}:${st.mtimeNs}` };
}

/** Status of an entry, or null for kinds strata does not represent (FIFOs, sockets, devices). */
async function statusOf(name: string, host: string, st: BigIntStats): Promise<UfsStatus | null> {
  if (st.isFile()) return fileStatus(name, st);
  if (st.isDirectory()) return { ...commonStatus(name, st), type: 'dir', fingerprint: 'dir' };
  if (st.isSymbolicLink()) {
    const target = await fsp.readlink(host);
    return { ...commonStatus(name, st), type: 'symlink', fingerprint: `link:${target}`, symlinkTarget: target };
  }
  return null;
}

/**
 * The names of a directory, sorted by UTF-8 bytes. Streams the directory with
 * opendir but keeps every name (names only, no stats): a million entries of
 * ~20 bytes cost some tens of MB for the life of one listing. Sorted pages need
 * it, since readdir order is arbitrary. Skips temp files and names that are not
 * valid UTF-8 (strata could not address them).
 */
async function readSortedNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  // latin1 maps each byte to one char, so the raw bytes survive to be checked.
  for await (const dirent of await fsp.opendir(dir, { encoding: 'latin1', bufferSize: 256 })) {
    const raw = Buffer.from(dirent.name, 'latin1');
    if (!isUtf8(raw)) continue;
    const name = raw.toString('utf8');
    if (!name.startsWith(TEMP_PREFIX)) names.push(name);
  }
  return names.sort(compareUtf8);
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export class LocalUnderStore implements UnderStore {
  readonly uri: string;
  private readonly rootDir: string;
  private readonly readOnly: boolean;
  /** Asked before each change (a master's store: see src/master/store-fence.ts). */
  private readonly guard: StoreChangeGuard | undefined;
  private realRoot: Promise<string> | undefined;
  private closed = false;

  /** Opens rootDir without checking it; see open() for the checked way. */
  constructor(rootDir: string, opts: UnderStoreOptions = {}) {
    if (typeof rootDir !== 'string' || !nodePath.isAbsolute(rootDir) || rootDir.includes('\0')) {
      const shown = String(rootDir);
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `local under store root must be an absolute path: ${shown}`);
    }
    this.rootDir = nodePath.resolve(rootDir);
    this.uri = `file://${this.rootDir}`;
    this.readOnly = opts.readOnly === true;
    this.guard = opts.guard;
  }

  /** Opens an existing directory; creates nothing. NOT_FOUND / NOT_DIRECTORY otherwise. */
  static async open(rootDir: string, opts: UnderStoreOptions = {}): Promise<LocalUnderStore> {
    const store = new LocalUnderStore(rootDir, opts);
    let st;
    try {
      st = await fsp.stat(store.rootDir);
    } catch (err) {
      throw fsErrorToStrata(err, `under store ${store.uri}: cannot open its root directory`);
    }
    if (!st.isDirectory()) {
      throw new StrataError(ErrorCode.NOT_DIRECTORY, `under store ${store.uri}: root is not a directory`);
    }
    return store;
  }

  async stat(path: string): Promise<UfsStatus | null> {
    const names = this.begin(path, false);
    return this.run('stat', path, async () => {
      if (names.length === 0) {
        const root = await this.root();
        return statusOf('', root, await fsp.stat(root, { bigint: true }));
      }
      const dir = await this.dirOrNull(names.slice(0, -1));
      if (dir === null) return null;
      const name = names[names.length - 1];
      const host = nodePath.join(dir, name);
      const st = await lstatOrNull(host);
      return st === null ? null : statusOf(name, host, st);
    });
  }

  async *list(path: string, pageSize: number = DEFAULT_PAGE_SIZE): AsyncIterable<UfsStatus[]> {
    const names = this.begin(path, false);
    if (checkCount(pageSize, 'page size') === 0) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'page size must be at least 1');
    }
    const dir = await this.run('list', path, () => this.dir(names));
    const children = await this.run('list', path, () => readSortedNames(dir));
    for (let i = 0; i < children.length; i += pageSize) {
      this.checkOpen();
      const page = await this.run('list', path, () =>
        mapLimit(children.slice(i, i + pageSize), STAT_CONCURRENCY, async (name) => {
          const host = nodePath.join(dir, name);
          const st = await lstatOrNull(host);
          try {
            return st === null ? null : await statusOf(name, host, st);
          } catch (err) {
            const errno = errnoOf(err); // readlink lost a race with a delete or replace
            if (errno === 'ENOENT' || errno === 'EINVAL') return null;
            throw err;
          }
        }),
      );
      const present = page.filter((s): s is UfsStatus => s !== null);
      if (present.length > 0) yield present;
    }
  }

  async mkdir(path: string, mode: number, recursive: boolean, owner?: UfsOwner): Promise<void> {
    const names = this.begin(path, true);
    await this.guard?.admit();
    checkMode(mode);
    if (owner !== undefined) {
      checkCount(owner.uid, 'uid');
      checkCount(owner.gid, 'gid');
    }
    // The new directory's owner, where this process may give it (root; else it stays the process's).
    const chown = async (host: string) => {
      if (owner === undefined) return;
      await fsp.lchown(host, owner.uid, owner.gid).catch((err: unknown) => {
        if (errnoOf(err) !== 'EPERM') throw err;
      });
    };
    await this.run('mkdir', path, async () => {
      if (names.length === 0) {
        if (recursive) return;
        throw new StrataError(ErrorCode.EXISTS, `${this.uri}: the root directory exists`);
      }
      if (!recursive) {
        const dir = await this.dir(names.slice(0, -1));
        const host = nodePath.join(dir, names[names.length - 1]);
        await fsp.mkdir(host, mode);
        await fsp.chmod(host, mode); // mkdir's mode is masked by the umask
        await chown(host);
        await syncDir(dir);
        return;
      }
      let dir = await this.root();
      for (let i = 0; i < names.length; i++) {
        const host = nodePath.join(dir, names[i]);
        try {
          await fsp.mkdir(host, mode);
          await fsp.chmod(host, mode);
          if (i === names.length - 1) await chown(host);
          await syncDir(dir);
        } catch (err) {
          if (errnoOf(err) !== 'EEXIST') throw err;
          const st = await fsp.lstat(host);
          if (!st.isDirectory()) {
            const rel = names.slice(0, i + 1).join('/');
            const last = i === names.length - 1;
            const why = st.isSymbolicLink() ? NOT_FOLLOWED : 'is not a directory';
            throw new StrataError(last ? ErrorCode.EXISTS : ErrorCode.NOT_DIRECTORY, `${this.uri}: ${rel} ${why}`);
          }
        }
        dir = host;
      }
    });
  }

  async read(path: string, offset: number, length: number): Promise<Buffer> {
    const names = this.begin(path, false);
    checkCount(offset, 'offset');
    checkCount(length, 'length');
    return this.run('read', path, async () => {
      const handle = await this.openFile(names, fsc.O_RDONLY);
      try {
        const size = Number((await handle.stat()).size);
        const want = Math.max(0, Math.min(length, size - offset));
        const buf = Buffer.alloc(want);
        let filled = 0;
        while (filled < want) {
          const { bytesRead } = await handle.read(buf, filled, want - filled, offset + filled);
          if (bytesRead === 0) break; // shrunk since the fstat
          filled += bytesRead;
        }
        return filled === want ? buf : buf.subarray(0, filled);
      } finally {
        await handle.close();
      }
    });
  }

  async openReader(path: string): Promise<UfsReader> {
    const names = this.begin(path, false);
    const handle = await this.run('open', path, () => this.openFile(names, fsc.O_RDONLY));
    let closed = false;
    return {
      read: async (buf, length, position) => {
        if (closed) throw new StrataError(ErrorCode.CLOSED, `${this.uri}: ${path}: reader is closed`);
        checkCount(position, 'offset');
        checkCount(length, 'length');
        const want = Math.min(length, buf.length);
        return this.run('read', path, async () => {
          let filled = 0;
          while (filled < want) {
            const { bytesRead } = await handle.read(buf, filled, want - filled, position + filled);
            if (bytesRead === 0) break; // the end of the file
            filled += bytesRead;
          }
          return filled;
        });
      },
      close: async () => {
        if (closed) return;
        closed = true;
        await handle.close();
      },
    };
  }

  async openReadStream(path: string): Promise<Readable> {
    const names = this.begin(path, false);
    return this.run('open', path, async () => {
      const handle = await this.openFile(names, fsc.O_RDONLY);
      return handle.createReadStream(); // autoClose: the stream closes the handle
    });
  }

  async writeFile(path: string, data: Buffer | Readable, mode: number): Promise<UfsStatus> {
    const names = this.begin(path, true);
    await this.guard?.admit();
    checkMode(mode);
    return this.run('write', path, async () => {
      if (names.length === 0) throw new StrataError(ErrorCode.IS_DIRECTORY, `${this.uri}: the root is a directory`);
      const dir = await this.dir(names.slice(0, -1));
      return this.replaceWithTemp(dir, names[names.length - 1], mode, async (tmp) => {
        const handle = await fsp.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
        try {
          if (Buffer.isBuffer(data)) {
            await writeAll(handle, data);
          } else {
            for await (const chunk of data as AsyncIterable<unknown>) {
              if (typeof chunk === 'string') await writeAll(handle, Buffer.from(chunk));
              else if (chunk instanceof Uint8Array) await writeAll(handle, chunk);
              else throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'write stream yielded a non-byte chunk');
            }
          }
        } finally {
          await handle.close();
        }
      });
    });
  }

  async putFile(path: string, localFile: string, mode: number): Promise<UfsStatus> {
    const names = this.begin(path, true);
    await this.guard?.admit();
    checkMode(mode);
    return this.run(`put ${localFile} to`, path, async () => {
      if (names.length === 0) throw new StrataError(ErrorCode.IS_DIRECTORY, `${this.uri}: the root is a directory`);
      const dir = await this.dir(names.slice(0, -1));
      return this.replaceWithTemp(dir, names[names.length - 1], mode, async (tmp) => {
        try {
          // FICLONE: a reflink where the file system has them, a copy elsewhere.
          await fsp.copyFile(localFile, tmp, fsc.COPYFILE_EXCL | fsc.COPYFILE_FICLONE);
        } catch (err) {
          throw fsErrorToStrata(err, `local file ${localFile}`);
        }
      });
    });
  }

  async delete(path: string, recursive: boolean): Promise<void> {
    const names = this.begin(path, true);
    const lease = await this.guard?.admit();
    if (names.length === 0) {
      throw new StrataError(ErrorCode.NOT_PERMITTED, `${this.uri}: the root of an under store cannot be deleted`);
    }
    await this.run('delete', path, async () => {
      const dir = await this.dirOrNull(names.slice(0, -1));
      if (dir === null) return;
      const host = nodePath.join(dir, names[names.length - 1]);
      const st = await lstatOrNull(host);
      if (st === null) return;
      if (!st.isDirectory()) await fsp.unlink(host);
      else if (recursive && lease !== undefined) await removeTree(host, lease); // a master's: stops when its lease does
      else if (recursive) await fsp.rm(host, { recursive: true, force: true }); // unlinks symlinks, never follows
      else await this.removeEmptyDir(host, path);
      await syncDir(dir);
    });
  }

  async rename(src: string, dst: string): Promise<void> {
    const from = this.begin(src, true);
    await this.guard?.admit();
    const to = splitStorePath(dst);
    if (from.length === 0 || to.length === 0) {
      throw new StrataError(ErrorCode.NOT_PERMITTED, `${this.uri}: the root of an under store cannot be renamed`);
    }
    if (to.length > from.length && from.every((name, i) => to[i] === name)) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${this.uri}: cannot move ${src} under itself (${dst})`);
    }
    await this.run('rename', `${src} -> ${dst}`, async () => {
      const fromDir = await this.dir(from.slice(0, -1));
      const toDir = await this.dir(to.slice(0, -1));
      const fromHost = nodePath.join(fromDir, from[from.length - 1]);
      if ((await lstatOrNull(fromHost)) === null) {
        throw new StrataError(ErrorCode.NOT_FOUND, `${this.uri}: rename ${src}: no such file or directory`);
      }
      await fsp.rename(fromHost, nodePath.join(toDir, to[to.length - 1]));
      await syncDir(toDir);
      if (fromDir !== toDir) await syncDir(fromDir);
    });
  }

  async chmod(path: string, mode: number): Promise<void> {
    const names = this.begin(path, true);
    await this.guard?.admit();
    checkMode(mode);
    await this.run('chmod', path, async () => {
      if (names.length === 0) return fsp.chmod(await this.root(), mode);
      const dir = await this.dir(names.slice(0, -1));
      const host = nodePath.join(dir, names[names.length - 1]);
      const st = await lstatOrNull(host);
      if (st === null) throw new StrataError(ErrorCode.NOT_FOUND, `${this.uri}: chmod ${path}: no such entry`);
      if (st.isSymbolicLink()) return; // Linux has no lchmod; chmod would follow the link
      await fsp.chmod(host, mode);
    });
  }

  /**
   * chmod (not of a symlink: Linux has no lchmod) and lchown. An owner the
   * process may not give (EPERM: not root) is left as it is; the namespace
   * keeps the one asked for. Neither changes size or mtime, so the
   * fingerprint stays.
   */
  async setAttributes(path: string, attrs: UfsAttributes): Promise<UfsAttributeChange> {
    const names = this.begin(path, true);
    await this.guard?.admit();
    if (attrs.mode !== undefined) checkMode(attrs.mode);
    const uid = attrs.uid === undefined ? -1 : checkCount(attrs.uid, 'uid');
    const gid = attrs.gid === undefined ? -1 : checkCount(attrs.gid, 'gid');
    if (attrs.mtimeMs !== undefined) checkCount(attrs.mtimeMs, 'mtime');
    return this.run('set attributes of', path, async () => {
      const host = names.length === 0 ? await this.root() : nodePath.join(await this.dir(names.slice(0, -1)), names[names.length - 1]);
      const name = names.length === 0 ? '' : names[names.length - 1];
      const before = await lstatOrNull(host);
      if (before === null) throw new StrataError(ErrorCode.NOT_FOUND, `${this.uri}: ${path}: no such entry`);
      if (attrs.mode !== undefined && !before.isSymbolicLink()) await fsp.chmod(host, attrs.mode);
      if (uid !== -1 || gid !== -1) {
        await fsp.lchown(host, uid, gid).catch((err: unknown) => {
          if (errnoOf(err) !== 'EPERM') throw err;
        });
      }
      // The access time stays the entry's own: strata does not keep it in the store.
      // Times cross libuv as float seconds, truncated to ns: 1262401445.6 s would read back as …5599.999 ms.
      // Half a microsecond more (well above the double's ~0.24 µs step here) reads back as the ms asked for.
      if (attrs.mtimeMs !== undefined) await fsp.lutimes(host, Number(before.atimeMs) / 1000, (attrs.mtimeMs + 0.0005) / 1000);
      const after = await lstatOrNull(host);
      const fingerprintBefore = (await statusOf(name, host, before))?.fingerprint ?? '';
      return { fingerprintBefore, fingerprintAfter: after === null ? '' : ((await statusOf(name, host, after))?.fingerprint ?? '') };
    });
  }

  async truncate(path: string, size: number): Promise<UfsStatus> {
    const names = this.begin(path, true);
    await this.guard?.admit();
    checkCount(size, 'size');
    return this.run('truncate', path, async () => {
      const handle = await this.openFile(names, fsc.O_WRONLY);
      try {
        await handle.truncate(size);
        await handle.sync();
        return fileStatus(names[names.length - 1], await handle.stat({ bigint: true }));
      } finally {
        await handle.close();
      }
    });
  }

  async symlink(path: string, target: string): Promise<void> {
    const names = this.begin(path, true);
    await this.guard?.admit();
    const targetBytes = typeof target === 'string' ? Buffer.byteLength(target) : 0;
    if (targetBytes === 0 || targetBytes > MAX_PATH_BYTES || target.includes('\0')) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `symlink target must be 1..${MAX_PATH_BYTES} bytes, no NUL`);
    }
    await this.run('symlink', path, async () => {
      if (names.length === 0) throw new StrataError(ErrorCode.EXISTS, `${this.uri}: the root directory exists`);
      const dir = await this.dir(names.slice(0, -1));
      await fsp.symlink(target, nodePath.join(dir, names[names.length - 1]));
      await syncDir(dir);
    });
  }

  /**
   * Holds no handles between calls (each call opens and closes its own, and a
   * stream from openReadStream closes itself), so closing only refuses later calls.
   */
  async close(): Promise<void> {
    this.closed = true;
  }

  /** Checks the store is open (and writable, for a mutation) and returns the path's components. */
  private begin(path: string, mutating: boolean): string[] {
    this.checkOpen();
    if (mutating && this.readOnly) {
      throw new StrataError(ErrorCode.READ_ONLY, `under store ${this.uri} is read-only`);
    }
    return splitStorePath(path);
  }

  private checkOpen(): void {
    if (this.closed) throw new StrataError(ErrorCode.CLOSED, `under store ${this.uri} is closed`);
  }

  private async run<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw fsErrorToStrata(err, `${this.uri}: ${op} ${path === '' ? '(root)' : path}`);
    }
  }

  /** The root with its own symlinks resolved (an admin may mount a symlinked directory). */
  private root(): Promise<string> {
    this.realRoot ??= fsp.realpath(this.rootDir).catch((err: unknown) => {
      this.realRoot = undefined; // retry next time: the root may come back (an NFS mount)
      throw err;
    });
    return this.realRoot;
  }

  /** Host path of the directory names, reached without following any symlink. */
  private async dir(names: readonly string[]): Promise<string> {
    const root = await this.root();
    if (names.length === 0) return root;
    const host = nodePath.join(root, ...names);
    const real = await fsp.realpath(host).catch(() => null);
    if (real === host) return host; // no symlink on the way; a file here fails in the caller's syscall
    // Slow path, to say which component is wrong (or accept a benign mismatch,
    // such as a case-insensitive file system spelling a name differently).
    let dir = root;
    for (let i = 0; i < names.length; i++) {
      dir = nodePath.join(dir, names[i]);
      const rel = names.slice(0, i + 1).join('/');
      const st = await lstatOrNull(dir);
      if (st === null) throw new StrataError(ErrorCode.NOT_FOUND, `${this.uri}: ${rel}: no such directory`);
      if (st.isSymbolicLink()) {
        throw new StrataError(ErrorCode.NOT_DIRECTORY, `${this.uri}: ${rel} ${NOT_FOLLOWED}`);
      }
      if (!st.isDirectory()) throw new StrataError(ErrorCode.NOT_DIRECTORY, `${this.uri}: ${rel} is not a directory`);
    }
    return host;
  }

  /** As dir(), but null where nothing can be (a missing directory, a file or symlink on the way). */
  private async dirOrNull(names: readonly string[]): Promise<string | null> {
    try {
      return await this.dir(names);
    } catch (err) {
      const code = err instanceof StrataError ? err.code : undefined;
      if (code === ErrorCode.NOT_FOUND || code === ErrorCode.NOT_DIRECTORY) return null;
      throw err;
    }
  }

  /** Opens a regular file without following a symlink at any component. */
  private async openFile(names: readonly string[], flags: number): Promise<FileHandle> {
    const rel = names.join('/');
    if (names.length === 0) throw new StrataError(ErrorCode.IS_DIRECTORY, `${this.uri}: the root is a directory`);
    const host = nodePath.join(await this.dir(names.slice(0, -1)), names[names.length - 1]);
    let handle: FileHandle;
    try {
      // O_NONBLOCK: opening a FIFO must not hang; it changes nothing for regular files.
      handle = await fsp.open(host, flags | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
    } catch (err) {
      if (errnoOf(err) !== 'ELOOP') throw err;
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${this.uri}: ${rel} ${NOT_FOLLOWED}`);
    }
    const st = await handle.stat();
    if (st.isFile()) return handle;
    await handle.close();
    if (st.isDirectory()) throw new StrataError(ErrorCode.IS_DIRECTORY, `${this.uri}: ${rel} is a directory`);
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${this.uri}: ${rel} is not a regular file`);
  }

  /**
   * The atomic replace: fill(tmp) creates a temp file in the same directory
   * (so the rename stays on one file system); then set its mode, fdatasync it,
   * rename it over name and fsync the directory. Readers see the old file or
   * the new. The random temp name has a fixed length, whatever name's length.
   */
  private async replaceWithTemp(
    dir: string,
    name: string,
    mode: number,
    fill: (tmp: string) => Promise<void>,
  ): Promise<UfsStatus> {
    const tmp = nodePath.join(dir, TEMP_PREFIX + randomBytes(8).toString('hex'));
    try {
      await fill(tmp);
      const handle = await fsp.open(tmp, fsc.O_RDONLY | fsc.O_NOFOLLOW);
      let st: BigIntStats;
      try {
        await handle.chmod(mode); // exact bits, whatever the umask
        // The data and what reading it needs (size, blocks): what a commit
        // promises. The directory's fsync below commits the rest with the
        // rename (ext4 journals the mode and times in that same commit).
        await handle.datasync();
        st = await handle.stat({ bigint: true });
      } finally {
        await handle.close();
      }
      await fsp.rename(tmp, nodePath.join(dir, name)); // a rename keeps mtime, so st describes dest
      await syncDir(dir);
      return fileStatus(name, st);
    } catch (err) {
      await fsp.unlink(tmp).catch(() => undefined); // gone already after a successful rename
      throw err;
    }
  }

  /**
   * rmdir, except that temp files (which list hides) do not keep a directory
   * that lists as empty from being deleted: leftovers of crashed writes are
   * removed, and a write still in flight there fails at its rename.
   */
  private async removeEmptyDir(host: string, path: string): Promise<void> {
    try {
      await fsp.rmdir(host);
    } catch (err) {
      if (errnoOf(err) !== 'ENOTEMPTY' && errnoOf(err) !== 'EEXIST') throw err;
      const left = await fsp.readdir(host);
      if (!left.every((n) => n.startsWith(TEMP_PREFIX))) {
        throw new StrataError(ErrorCode.NOT_EMPTY, `${this.uri}: delete ${path}: directory not empty`, { cause: err });
      }
      await Promise.all(left.map((n) => fsp.rm(nodePath.join(host, n), { force: true, recursive: true })));
      await fsp.rmdir(host);
    }
  }
}

/**
 * rm -r that checks before each removal that the change may go on (a
 * master's lease, store-fence.ts): a tree of any size never outlives it.
 * Symlinks are unlinked, never followed.
 */
async function removeTree(host: string, lease: AbortSignal): Promise<void> {
  lease.throwIfAborted();
  const entries = await fsp.readdir(host, { withFileTypes: true }).catch((err: unknown) => {
    if (errnoOf(err) === 'ENOENT') return null;
    throw err;
  });
  if (entries === null) return;
  for (const entry of entries) {
    const child = nodePath.join(host, entry.name);
    if (entry.isDirectory()) {
      await removeTree(child, lease);
    } else {
      lease.throwIfAborted();
      await fsp.unlink(child).catch((err: unknown) => {
        if (errnoOf(err) !== 'ENOENT') throw err;
      });
    }
  }
  lease.throwIfAborted();
  await fsp.rmdir(host).catch((err: unknown) => {
    if (errnoOf(err) !== 'ENOENT') throw err;
  });
}
