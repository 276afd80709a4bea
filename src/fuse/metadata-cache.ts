// The mount's metadata cache: what the master said about a path (its
// FileInfo) and about a directory (the names in it), kept no longer than the
// kernel is allowed to keep the same thing: attributes for attr_timeout,
// names for entry_timeout (one getattr answers the kernel's LOOKUP and
// GETATTR alike, so attributes live for the shorter of the two). With both
// timeouts 0 nothing is kept. The age of an answer counts from when its
// request was sent, so nothing is served older than the user allowed.
//
// What it adds to the kernel's own caches: answers the kernel cannot keep.
// A listing's entries carry every child's attributes (`ls -l` then asks the
// master once per directory, not once per file; the binding has no
// readdirplus), repeated listings within entry_timeout cost nothing, and
// changes made through this mount are applied here as the master applies
// them (a create sets the parent's mtime as the master's touchDir does), so
// the kernel's re-asking after each change it sees is answered locally.
//
// Consistency: a change made through another mount (or the CLI) shows here
// after at most these timeouts, as it does in the kernel's caches. open()
// always asks the master (close-to-open, operations.ts). Names that do not
// exist are never kept (the kernel's negative_timeout is 0 too).
//
// Listings are also kept past entry_timeout (and with caches off) as
// validated listings: the names together with the directory's
// children_version when they were listed. A readdir then asks the master
// whether the version is still that one (ListStatus if_changed: one round
// trip, no entries) and reuses the names only if it is. The version moves on
// every change to the set of names, made anywhere, so this is exactly
// consistent, never stale.

//
// Callbacks (master/callbacks.ts; on unless -o callbacks=0): a getattr's
// answer that the master registered is kept with no timeout, even with the
// kernel's caches off, because the master invalidates it here (and waits for
// this mount to acknowledge) before anything on its path changes: the
// entry holds the keys of the names on its way and of its inode
// (common/callback-keys.ts), and an invalidation of any of them drops it. Such an entry is served only while
// the cache lease holds (master-client.ts: every invalidation sent before a
// moment within the last second has been handled), and a fill from a
// request that was in flight when one of its ids was invalidated is
// ignored (it may carry what that invalidation killed). When the session
// stream is lost (cut off, master restart, new leader) everything goes.

import type { FileInfo } from '../common/api';
import { pathKeys } from '../common/callback-keys';

/** Paths with attributes kept at most (oldest dropped first). */
const MAX_ENTRIES = 100_000;
/** Names in kept listings at most. */
const MAX_LISTED_NAMES = 200_000;

interface Entry {
  info: FileInfo;
  expires: number;
  /** Held by a callback on these keys (no expiry), or null (expires). */
  ids: string[] | null;
}

/** Invalidation times kept for fills in flight at most; beyond, every fill in flight is refused. */
const MAX_INVALIDATED = 100_000;

interface Listing {
  names: string[];
  /** The directory's inode id: a path removed and made again is another directory. */
  id: number;
  /** The directory's children_version when these names were listed. */
  version: number;
  /** Until when the names may be served without asking (entry_timeout; 0: always ask). */
  expires: number;
}

export interface MetadataCacheOptions {
  /** How long attributes are kept (the mount's attr_timeout). */
  attrTimeoutMs: number;
  /** How long names are kept (the mount's entry_timeout). */
  entryTimeoutMs: number;
  /** The clock (ms); tests pass their own. */
  now?: () => number;
}

export function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export class MetadataCache {
  private readonly entries = new Map<string, Entry>();
  private readonly listings = new Map<string, Listing>();
  private listedNames = 0;
  /** Paths held by callbacks, by each of their keys. */
  private readonly byId = new Map<string, Set<string>>();
  /** Counts invalidations; a fill remembers it when its request leaves. */
  private invalidations = 0;
  /** When each key was last invalidated (by the count), while fills are in flight. */
  private readonly invalidatedAt = new Map<string, number>();
  /** Fills from requests sent before this count are refused (session lost, or too many to track). */
  private fillFloor = 0;
  private fillsInFlight = 0;
  /** Whether callback entries may be served now (the master client's cache lease). */
  leaseValid: () => boolean = () => false;
  private readonly infoTtl: number;
  private readonly listingTtl: number;
  readonly now: () => number;

  constructor(options: MetadataCacheOptions) {
    this.infoTtl = Math.max(0, Math.min(options.attrTimeoutMs, options.entryTimeoutMs));
    this.listingTtl = Math.max(0, options.entryTimeoutMs);
    this.now = options.now ?? Date.now;
  }

  /** A cache that keeps nothing (both timeouts 0). */
  static off(): MetadataCache {
    return new MetadataCache({ attrTimeoutMs: 0, entryTimeoutMs: 0 });
  }

  /** The attributes of path, if known and fresh enough. */
  info(path: string): FileInfo | undefined {
    const e = this.entries.get(path);
    if (e === undefined) return undefined;
    if (e.ids !== null) return this.leaseValid() ? e.info : undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(path);
      return undefined;
    }
    return e.info;
  }

  /** path's attributes if held by a callback (and the lease holds). */
  held(path: string): FileInfo | undefined {
    const e = this.entries.get(path);
    return e !== undefined && e.ids !== null && this.leaseValid() ? e.info : undefined;
  }

  /** Whether path's entry is held by a callback. */
  holds(path: string): boolean {
    const e = this.entries.get(path);
    return e !== undefined && e.ids !== null;
  }

  /** A request that may fill a callback entry leaves now: pass what this returns to putHeld, and call fillDone after. */
  fillStart(): number {
    this.fillsInFlight++;
    return this.invalidations;
  }

  fillDone(): void {
    this.fillsInFlight--;
    if (this.fillsInFlight <= 0) {
      this.fillsInFlight = 0;
      this.invalidatedAt.clear(); // no fill can be older than these any more
    }
  }

  /**
   * The master's answer about path, held by a callback on the path's keys
   * (made of pathIds, the inodes on its way), to a request that left at
   * start (fillStart): kept unless an invalidation of one of them (or the
   * loss of the session) came after the request left.
   */
  putHeld(path: string, info: FileInfo, pathIds: readonly number[], start: number): boolean {
    if (start < this.fillFloor) return false;
    const names = path.split('/').filter((n) => n !== '');
    if (pathIds.length !== names.length + 1) return false;
    const ids = pathKeys(names, pathIds);
    for (const id of ids) if ((this.invalidatedAt.get(id) ?? -1) > start) return false;
    this.drop(path);
    this.entries.set(path, { info, expires: Infinity, ids });
    for (const id of ids) {
      let set = this.byId.get(id);
      if (set === undefined) {
        set = new Set();
        this.byId.set(id, set);
      }
      set.add(path);
    }
    this.evict();
    return true;
  }

  /** The master is about to change these inodes or names: every path that holds one of them is forgotten. */
  invalidate(ids: readonly string[]): void {
    this.invalidations++;
    for (const id of ids) {
      if (this.fillsInFlight > 0) this.invalidatedAt.set(id, this.invalidations);
      const paths = this.byId.get(id);
      if (paths === undefined) continue;
      this.byId.delete(id);
      for (const p of paths) this.drop(p);
    }
    if (this.invalidatedAt.size > MAX_INVALIDATED) {
      this.invalidatedAt.clear();
      this.fillFloor = this.invalidations + 1;
    }
  }

  /** The session the callbacks were held on is gone: nothing this cache holds can be trusted, nor any fill in flight. */
  sessionLost(): void {
    this.invalidations++;
    this.fillFloor = this.invalidations + 1;
    this.invalidatedAt.clear();
    this.clear();
  }

  /** Removes path's entry, and its callback index if it was held. */
  private drop(path: string): void {
    const e = this.entries.get(path);
    if (e === undefined) return;
    this.entries.delete(path);
    if (e.ids === null) return;
    for (const id of e.ids) {
      const set = this.byId.get(id);
      if (set === undefined) continue;
      set.delete(path);
      if (set.size === 0) this.byId.delete(id);
    }
  }

  private evict(): void {
    while (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) return;
      this.drop(oldest);
    }
  }

  /** The master's answer about path, to a request sent at sentAt. */
  put(path: string, info: FileInfo, sentAt: number): void {
    if (this.infoTtl === 0) return;
    const expires = sentAt + this.infoTtl;
    if (expires <= this.now()) return;
    this.drop(path); // re-inserted last: the oldest are dropped first
    this.entries.set(path, { info, expires, ids: null });
    this.evict();
  }

  /** Whether listings' entries are kept as attributes (entry_timeout above 0). */
  get keepsListings(): boolean {
    return this.listingTtl > 0;
  }

  /** The names in dir, if listed recently enough to be served without asking (entry_timeout). */
  listing(dir: string): string[] | undefined {
    const l = this.listings.get(dir);
    if (l === undefined || l.expires <= this.now()) return undefined;
    return l.names;
  }

  /** The names last listed in dir, the directory's id and its version then, to be validated with the master. */
  validatable(dir: string): { names: string[]; id: number; version: number } | undefined {
    return this.listings.get(dir);
  }

  /** The master said dir was still directory id at version when asked at sentAt: that listing may be served for entry_timeout. */
  validated(dir: string, id: number, version: number, sentAt: number): void {
    const l = this.listings.get(dir);
    if (l === undefined || l.id !== id || l.version !== version) return;
    this.listings.delete(dir); // re-inserted last: the oldest are dropped first
    this.listings.set(dir, { ...l, expires: this.listingTtl === 0 ? 0 : sentAt + this.listingTtl });
  }

  /**
   * A whole listing of dir (directory id, at its version), whose first page
   * was asked for at sentAt; entries, if given, are kept as their paths' attributes.
   */
  putListing(dir: string, names: string[], id: number, version: number, sentAt: number, entries?: readonly FileInfo[]): void {
    if (entries !== undefined) for (const e of entries) this.put(childPath(dir, e.name), e, sentAt);
    this.dropListing(dir);
    if (names.length > MAX_LISTED_NAMES) return;
    for (const [d] of this.listings) {
      if (this.listedNames + names.length + 1 <= MAX_LISTED_NAMES) break;
      this.dropListing(d);
    }
    this.listings.set(dir, { names, id, version, expires: this.listingTtl === 0 ? 0 : sentAt + this.listingTtl });
    this.listedNames += names.length + 1; // a listing counts one more than its names: empty ones are bounded too
  }

  /**
   * This mount made path exist (create, mkdir, symlink) and the master
   * answered info: kept, and the parent changes as the master's touchDir
   * changed it (mtime and ctime at least the new entry's, one more link for
   * a directory). The parent's listing takes the new name if the master's
   * answer names the listed directory (parentId) at exactly one more than
   * the listing's version (parentVersion, after the change): then nothing
   * else changed the names between; otherwise it is dropped. A new
   * directory's listing is known: empty.
   */
  created(path: string, info: FileInfo, sentAt: number, parentId = 0, parentVersion = 0): void {
    this.put(path, info, sentAt);
    const parent = parentPath(path);
    const listing = this.listings.get(parent);
    if (
      listing !== undefined &&
      parentId !== 0 &&
      listing.id === parentId &&
      parentVersion === listing.version + 1 &&
      this.listedNames < MAX_LISTED_NAMES
    ) {
      listing.names.push(info.name);
      listing.version = parentVersion;
      this.listedNames++;
    } else {
      this.dropListing(parent);
    }
    if (info.type === 'DIRECTORY') this.putListing(path, [], Number(info.id), info.childrenVersion, sentAt);
    const p = this.entries.get(parent);
    if (p === undefined) return;
    if (p.ids !== null) {
      this.drop(parent); // held: only the master's own figures may be served
      return;
    }
    const t = Number(info.ctimeMs) || Number(info.mtimeMs);
    p.info = {
      ...p.info,
      mtimeMs: Math.max(Number(p.info.mtimeMs), t),
      ctimeMs: Math.max(Number(p.info.ctimeMs), t),
      nlink: p.info.nlink + (info.type === 'DIRECTORY' ? 1 : 0),
      childrenVersion: Math.max(p.info.childrenVersion, parentVersion),
    };
  }

  /**
   * This mount removed path (unlink; rmdir with dir set):
   * nothing is kept about it or below it, and the parent changes as the
   * master's touchDir changed it: mtime and ctime at least now (this
   * machine's clock standing in for the master's, which the reply does not
   * carry), one link fewer for a directory. The parent's listing is dropped.
   */
  unlinked(path: string, dir: boolean): void {
    this.forget(path, dir);
    const parent = parentPath(path);
    this.dropListing(parent);
    const p = this.entries.get(parent);
    if (p === undefined) return;
    if (p.ids !== null) {
      this.drop(parent); // held: only the master's own figures may be served
      return;
    }
    const t = this.now();
    p.info = {
      ...p.info,
      mtimeMs: Math.max(Number(p.info.mtimeMs), t),
      ctimeMs: Math.max(Number(p.info.ctimeMs), t),
      nlink: p.info.nlink - (dir ? 1 : 0),
    };
  }

  /**
   * path changed through this mount in a way only the master can describe
   * (either end of a rename, a call that failed half way): nothing is kept
   * about it (with subtree, nor about anything below it), nor about its
   * parent, whose times changed.
   */
  removed(path: string, subtree: boolean): void {
    this.forget(path, subtree);
    const parent = parentPath(path);
    this.drop(parent);
    this.dropListing(parent);
  }

  private forget(path: string, subtree: boolean): void {
    this.drop(path);
    this.dropListing(path);
    if (subtree) {
      const prefix = path === '/' ? '/' : path + '/';
      for (const p of [...this.entries.keys()]) if (p.startsWith(prefix)) this.drop(p);
      for (const p of [...this.listings.keys()]) if (p.startsWith(prefix)) this.dropListing(p);
    }
  }

  /** The attributes of path changed (chmod, utimens, setxattr…): forgotten, or replaced by the master's answer. */
  changed(path: string, info?: FileInfo, sentAt?: number): void {
    this.drop(path);
    if (info !== undefined && sentAt !== undefined) this.put(path, info, sentAt);
  }

  clear(): void {
    this.entries.clear();
    this.byId.clear();
    this.listings.clear();
    this.listedNames = 0;
  }

  private dropListing(dir: string): void {
    const l = this.listings.get(dir);
    if (l === undefined) return;
    this.listings.delete(dir);
    this.listedNames -= l.names.length + 1;
  }
}
