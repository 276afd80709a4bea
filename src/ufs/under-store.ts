// The under store (UFS) interface: what strata needs of any storage system it
// mounts. One implementation per kind of store (local.ts, s3.ts, …), picked by
// URI scheme in registry.ts. Paths here are relative to the store's root:
// '' is the root, 'a/b/c' a nested entry; never a leading '/', never '.' or
// '..' (callers pass components already checked by src/common/paths.ts, and
// each store checks again that nothing escapes its root).

import type { Readable } from 'node:stream';

export type UfsEntryType = 'file' | 'dir' | 'symlink';

export interface UfsStatus {
  /** Last path component ('' for the root). */
  name: string;
  type: UfsEntryType;
  size: number;
  mtimeMs: number;
  /** Permission bits (07777); stores without modes report 0o644 / 0o755. */
  mode: number;
  /**
   * Changes whenever the content may have changed: for a local file
   * `size:mtimeNs`, for an object its ETag. Metadata sync compares these.
   */
  fingerprint: string;
  /** For a symlink: its target as stored. */
  symlinkTarget?: string;
  /**
   * Owner and group where the store keeps them: a local entry's own, an S3
   * object's metadata (written by strata); absent where the store has none.
   */
  uid?: number;
  gid?: number;
  /**
   * Set when mode, uid and gid are the store's defaults rather than the
   * entry's own because this status comes from a listing that does not carry
   * them (an S3 listing has no object metadata): stat() reports the real ones.
   */
  attributesUnread?: boolean;
}

/** What setAttributes changes; a field left out stays as it is. */
export interface UfsAttributes {
  mode?: number;
  uid?: number;
  gid?: number;
  /** The modification time (utimens, touch -d, cp -p): a local entry's own, an S3 object's metadata. */
  mtimeMs?: number;
}

/**
 * An entry's fingerprint before and after setAttributes. They differ where the
 * update rewrote the object (an S3 copy onto itself gives a multipart object a
 * new ETag) although the content did not change: a caller whose record had the
 * fingerprint before takes the one after, so that a metadata sync does not see
 * a change of content.
 */
export interface UfsAttributeChange {
  fingerprintBefore: string;
  fingerprintAfter: string;
}

/** Who owns a file being written, for stores that record it (S3 object metadata). */
export interface UfsOwner {
  uid: number;
  gid: number;
}

/** One file of a store kept open for reads into the caller's buffers (UnderStore.openReader). */
export interface UfsReader {
  /**
   * Reads up to length bytes at position into buf (from its start); returns
   * the count, fewer only at the end of the file.
   */
  read(buf: Buffer, length: number, position: number): Promise<number>;
  /** Safe to call twice; reads after it fail with CLOSED. */
  close(): Promise<void>;
}

export interface UnderStore {
  /** The URI this store was opened with (without credentials). */
  readonly uri: string;
  /** null when nothing is there. */
  stat(path: string): Promise<UfsStatus | null>;
  /**
   * The entries of a directory as a stream of pages in name order (byte
   * order of the UTF-8 names), so a huge directory never sits whole in memory.
   * Throws NOT_FOUND / NOT_DIRECTORY.
   */
  list(path: string, pageSize?: number): AsyncIterable<UfsStatus[]>;
  /**
   * Creates a directory; with recursive, missing parents too and no error if
   * it exists. owner, where the store keeps one, is given to the directory
   * this call creates at path (a local one only where the process may).
   */
  mkdir(path: string, mode: number, recursive: boolean, owner?: UfsOwner): Promise<void>;
  /** Reads up to length bytes at offset (fewer at the end of the file). */
  read(path: string, offset: number, length: number): Promise<Buffer>;
  /**
   * Opens a file for many reads into the caller's buffers, where keeping a
   * file open is cheap and a read is one system call (a local file: no open,
   * check, allocation and close per read). The reader sees the file it
   * opened, even if it is replaced or removed meanwhile. Stores without it
   * (S3: one ranged GET per read anyway) are read with read().
   */
  openReader?(path: string): Promise<UfsReader>;
  /** The whole content as a stream (for cat/get). */
  openReadStream(path: string): Promise<Readable>;
  /**
   * Writes a whole file atomically (readers see old or new), returns its new
   * status. Stores that keep owners in their own metadata (S3) record owner;
   * a local file belongs to the process that writes it.
   */
  writeFile(path: string, data: Buffer | Readable, mode: number, owner?: UfsOwner): Promise<UfsStatus>;
  /** Uploads a local file (a write staging file) to path, atomically; owner as for writeFile. */
  putFile(path: string, localFile: string, mode: number, owner?: UfsOwner): Promise<UfsStatus>;
  /** Deletes a file, or a directory (recursive: with its contents). Missing is not an error. */
  delete(path: string, recursive: boolean): Promise<void>;
  /** Renames a file or directory; replaces an existing file at dst. */
  rename(src: string, dst: string): Promise<void>;
  /**
   * Finishes a rename that stopped half way (a crash between its steps), for
   * stores whose rename is not atomic: what is missing at dst is copied, then
   * src is deleted. Idempotent; nothing to do once src is gone. Stores that
   * rename atomically (local) leave it out.
   */
  resumeRename?(src: string, dst: string): Promise<void>;
  /** Sets permission bits where the store has them; a no-op elsewhere. */
  chmod(path: string, mode: number): Promise<void>;
  /**
   * Sets mode, owner and group of a file or directory where the store keeps
   * them (a local entry's own, where the process may: an owner it may not give
   * is left to the namespace; an S3 object's metadata, rewritten by a copy
   * onto itself, or a directory's marker object). Stores without it have
   * chmod only (setUfsAttributes falls back to it).
   */
  setAttributes?(path: string, attrs: UfsAttributes): Promise<UfsAttributeChange>;
  /** Truncates or extends a file to size. */
  truncate(path: string, size: number): Promise<UfsStatus>;
  /** Creates a symlink where the store supports them. */
  symlink(path: string, target: string): Promise<void>;
  close(): Promise<void>;
}

export interface UnderStoreOptions {
  readOnly?: boolean;
  /** Store-specific options: endpoint, region, access_key, … */
  options?: Record<string, string>;
  /**
   * Asked before every request that changes the store (the master's stores:
   * only a leader holding its lease changes a store, see
   * src/master/store-fence.ts). Reads are never guarded.
   */
  guard?: StoreChangeGuard;
}

/** What a store asks before each request that changes it. */
export interface StoreChangeGuard {
  /**
   * Resolves once this process may change the store now, with a signal that
   * aborts the request if that stops being so; rejects (NOT_LEADER) otherwise.
   */
  admit(): Promise<AbortSignal>;
}

/**
 * Sets what attrs asks for with the store's setAttributes, or with chmod where
 * it has none (null then: chmod changes no fingerprint).
 */
export async function setUfsAttributes(store: UnderStore, path: string, attrs: UfsAttributes): Promise<UfsAttributeChange | null> {
  if (store.setAttributes !== undefined) return store.setAttributes(path, attrs);
  if (attrs.mode !== undefined) await store.chmod(path, attrs.mode);
  return null; // no owner or times in such a store: the namespace keeps them
}
