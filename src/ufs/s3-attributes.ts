// Mode, owner, group and mtime of S3 objects, kept as user metadata
// (x-amz-meta-…) in the format s3fs-fuse uses, so that a bucket shared with
// s3fs shows the same attributes in both:
//
//   x-amz-meta-mode   st_mode in decimal, type bits included (33188 = 0100644)
//   x-amz-meta-uid    decimal
//   x-amz-meta-gid    decimal
//   x-amz-meta-mtime  seconds since the epoch (decimal, milliseconds as a fraction)
//
// A file's attributes are on its object, a directory's on its marker object
// ('dir/'). mtime is written only when a metadata update copies an object onto
// itself, to keep the content's time (the copy gets a new LastModified).
// Listings carry no metadata; a value that does not parse is ignored.

import type { UfsAttributes } from './under-store';

export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
const MAX_ID = 0xffff_ffff;

/** What an object's metadata says; fields it does not have are left out. */
export type StoredAttributes = UfsAttributes;

function decimal(value: string | undefined, max: number): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= max ? n : undefined;
}

/** The attributes in an object's metadata (the SDK hands the keys lower-cased, without x-amz-meta-). */
export function attributesOf(metadata: Record<string, string> | undefined): StoredAttributes {
  const out: StoredAttributes = {};
  if (metadata === undefined) return out;
  const mode = decimal(metadata.mode, 0o177777);
  if (mode !== undefined) out.mode = mode & 0o7777;
  const uid = decimal(metadata.uid, MAX_ID);
  if (uid !== undefined) out.uid = uid;
  const gid = decimal(metadata.gid, MAX_ID);
  if (gid !== undefined) out.gid = gid;
  const mtime = metadata.mtime;
  if (mtime !== undefined && /^\d{1,12}(\.\d{1,9})?$/.test(mtime)) out.mtimeMs = Math.round(Number(mtime) * 1000);
  return out;
}

/**
 * metadata with attrs written into it (typeBits: S_IFREG or S_IFDIR); other
 * keys, and attributes attrs leaves out, stay as they are.
 */
export function withAttributes(metadata: Record<string, string> | undefined, typeBits: number, attrs: StoredAttributes): Record<string, string> {
  const out: Record<string, string> = { ...(metadata ?? {}) };
  if (attrs.mode !== undefined) out.mode = String(typeBits | (attrs.mode & 0o7777));
  if (attrs.uid !== undefined) out.uid = String(attrs.uid);
  if (attrs.gid !== undefined) out.gid = String(attrs.gid);
  if (attrs.mtimeMs !== undefined) out.mtime = (attrs.mtimeMs / 1000).toFixed(3).replace(/\.?0+$/, '');
  return out;
}
