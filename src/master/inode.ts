// The inode: what the master knows of one file, directory or symlink, and its
// compact binary encoding in RocksDB (decoded on every cache miss, so it is a
// fixed layout rather than JSON).

export const InodeKind = { DIR: 1, FILE: 2, SYMLINK: 3 } as const;
export type InodeKind = (typeof InodeKind)[keyof typeof InodeKind];

export const ROOT_ID = 1;

export interface Inode {
  id: number;
  kind: InodeKind;
  mode: number; // permission bits, 07777
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  atimeMs: number;
  ctimeMs: number;
  /** Directories: 2 + number of subdirectories; files and symlinks: 1. */
  nlink: number;
  /** Files: data committed (CompleteFile). Directories and symlinks: true. */
  complete: boolean;
  /** Directories: entries were loaded from the under store at least once. */
  loaded: boolean;
  /**
   * Has (or had) extended attributes: only then does deleting the inode
   * issue a range delete of its X keys (a range tombstone per unlink would
   * slow every later read).
   */
  hasXattrs?: boolean;
  /** Directories that are mount points: the mount's id (0 otherwise). */
  mountId: number;
  symlinkTarget: string;
  /** The under store's fingerprint when the data was last committed or synced. */
  fingerprint: string;
  /**
   * Directories: moves on every change to the set of children (an edge put
   * or deleted under it: create, remove, rename in or out, a sync from the
   * under store), bumped when the entry is applied, so it is the same on
   * every master. A client that listed the directory at version V knows its
   * names are still exactly those while the version is V (ListStatus
   * known_version). Inodes written before it existed read as 0.
   */
  childrenVersion?: number;
}

// Encoding 2 appends childrenVersion (f64) after the fingerprint; 1 is still read.
const VERSION = 2;
const FLAG_COMPLETE = 1;
const FLAG_LOADED = 2;
const FLAG_XATTRS = 4;
// version u8, kind u8, flags u8, mode u16, uid u32, gid u32, nlink u32,
// mountId u32, size f64, mtime f64, atime f64, ctime f64,
// then target and fingerprint as u16 length + UTF-8.
const FIXED = 1 + 1 + 1 + 2 + 4 + 4 + 4 + 4 + 8 * 4;

export function encodeInode(inode: Inode): Buffer {
  const target = Buffer.from(inode.symlinkTarget, 'utf8');
  const fingerprint = Buffer.from(inode.fingerprint, 'utf8');
  const buf = Buffer.allocUnsafe(FIXED + 2 + target.length + 2 + fingerprint.length + 8);
  let o = 0;
  o = buf.writeUInt8(VERSION, o);
  o = buf.writeUInt8(inode.kind, o);
  o = buf.writeUInt8((inode.complete ? FLAG_COMPLETE : 0) | (inode.loaded ? FLAG_LOADED : 0) | (inode.hasXattrs ? FLAG_XATTRS : 0), o);
  o = buf.writeUInt16BE(inode.mode & 0o7777, o);
  o = buf.writeUInt32BE(inode.uid >>> 0, o);
  o = buf.writeUInt32BE(inode.gid >>> 0, o);
  o = buf.writeUInt32BE(inode.nlink >>> 0, o);
  o = buf.writeUInt32BE(inode.mountId >>> 0, o);
  o = buf.writeDoubleBE(inode.size, o);
  o = buf.writeDoubleBE(inode.mtimeMs, o);
  o = buf.writeDoubleBE(inode.atimeMs, o);
  o = buf.writeDoubleBE(inode.ctimeMs, o);
  o = buf.writeUInt16BE(target.length, o);
  o += target.copy(buf, o);
  o = buf.writeUInt16BE(fingerprint.length, o);
  o += fingerprint.copy(buf, o);
  buf.writeDoubleBE(inode.childrenVersion ?? 0, o);
  return buf;
}

export function decodeInode(id: number, buf: Buffer): Inode {
  const version = buf.readUInt8(0);
  if (version !== 1 && version !== VERSION) throw new Error(`inode ${id}: unknown encoding ${version}`);
  const kind = buf.readUInt8(1) as InodeKind;
  const flags = buf.readUInt8(2);
  let o = FIXED;
  const targetLen = buf.readUInt16BE(o);
  o += 2;
  const symlinkTarget = buf.toString('utf8', o, o + targetLen);
  o += targetLen;
  const fpLen = buf.readUInt16BE(o);
  o += 2;
  const fingerprint = buf.toString('utf8', o, o + fpLen);
  o += fpLen;
  const childrenVersion = version === 1 ? 0 : buf.readDoubleBE(o);
  return {
    id,
    kind,
    complete: (flags & FLAG_COMPLETE) !== 0,
    loaded: (flags & FLAG_LOADED) !== 0,
    hasXattrs: (flags & FLAG_XATTRS) !== 0,
    mode: buf.readUInt16BE(3),
    uid: buf.readUInt32BE(5),
    gid: buf.readUInt32BE(9),
    nlink: buf.readUInt32BE(13),
    mountId: buf.readUInt32BE(17),
    size: buf.readDoubleBE(21),
    mtimeMs: buf.readDoubleBE(29),
    atimeMs: buf.readDoubleBE(37),
    ctimeMs: buf.readDoubleBE(45),
    symlinkTarget,
    fingerprint,
    childrenVersion,
  };
}

export function isDir(inode: Inode): boolean {
  return inode.kind === InodeKind.DIR;
}

/**
 * Hands out inode ids (and intent ids) on the serving master. Ids are fixed
 * in journal entries, so followers and replays never allocate; an id is never
 * reused (the state machine persists the next free one).
 */
export class IdAllocator {
  constructor(private nextId: number) {}

  take(): number {
    return this.nextId++;
  }

  /** A new leader starts above every id its predecessors applied. */
  reset(nextId: number): void {
    this.nextId = Math.max(this.nextId, nextId);
  }
}

export function newInode(id: number, kind: InodeKind, mode: number, uid: number, gid: number, now: number): Inode {
  return {
    id,
    kind,
    mode: mode & 0o7777,
    uid,
    gid,
    size: 0,
    mtimeMs: now,
    atimeMs: now,
    ctimeMs: now,
    nlink: kind === InodeKind.DIR ? 2 : 1,
    complete: true,
    loaded: true,
    mountId: 0,
    symlinkTarget: '',
    fingerprint: '',
    childrenVersion: 0,
  };
}
