// Extended attributes: the limits and setxattr(2) flags the master checks,
// and the reads (one key, or one prefix scan of the inode's X keys; see the
// key layout in rocks-store.ts). Writes go through FileSystemMaster.mutate as
// putXattr / deleteXattr journal ops; deleteInode removes an inode's attributes.

import { ErrorCode, StrataError } from '../common/errors';
import type { RocksStore } from './rocks-store';
import { xattrKey, xattrRange } from './rocks-store';

/** XATTR_NAME_MAX and XATTR_SIZE_MAX of Linux. */
export const XATTR_NAME_MAX = 255;
export const XATTR_SIZE_MAX = 64 * 1024;
/** setxattr(2) flags. */
export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;
/** More names than any sane file has; a listing stops there. */
const MAX_NAMES = 100_000;

export function checkXattrName(path: string, name: string): void {
  if (name === '' || name.includes('\0')) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: invalid extended attribute name`);
  if (Buffer.byteLength(name) > XATTR_NAME_MAX) throw new StrataError(ErrorCode.OUT_OF_RANGE, `${path}: extended attribute name longer than ${XATTR_NAME_MAX} bytes`);
}

export function checkXattrValue(path: string, value: Buffer): void {
  if (value.length > XATTR_SIZE_MAX) throw new StrataError(ErrorCode.TOO_BIG, `${path}: extended attribute value larger than ${XATTR_SIZE_MAX} bytes`);
}

/** Refuses what the flags forbid, given whether the name is set now. */
export function checkXattrFlags(path: string, name: string, flags: number, present: boolean): void {
  if ((flags & ~(XATTR_CREATE | XATTR_REPLACE)) !== 0 || flags === (XATTR_CREATE | XATTR_REPLACE)) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: invalid setxattr flags ${flags}`);
  }
  if (flags === XATTR_CREATE && present) throw new StrataError(ErrorCode.EXISTS, `${path}: extended attribute ${name} exists`);
  if (flags === XATTR_REPLACE && !present) throw new StrataError(ErrorCode.NO_ATTRIBUTE, `${path}: no extended attribute ${name}`);
}

export function readXattr(rocks: RocksStore, id: number, name: string): Promise<Buffer | null> {
  return rocks.get(xattrKey(id, name));
}

export async function listXattrNames(rocks: RocksStore, id: number): Promise<string[]> {
  const rows = await rocks.scan(xattrRange(id), MAX_NAMES);
  return rows.map((row) => row.key.toString('utf8', 9));
}
