// The tiered inode store: a bounded in-memory cache of hot inodes and edges
// over RocksDB (rocks-store.ts). Memory is capped by entry counts from the
// configuration, never by the size of the namespace.
//
// Only the state machine writes, and it writes through: staged changes go to
// an overlay at once (so later entries of the same batch, and readers, see
// them), then to RocksDB as one batch; when RocksDB has them, they move from
// the overlay into the cache. A read that went to RocksDB fills the cache only
// if no write touched its key while it was in flight, so a slow read never
// puts a stale value in the cache.
//
// Objects handed out are shared with the cache: callers must not mutate them.

import { Inode, decodeInode, encodeInode } from './inode';
import { RocksStore, WriteOp, edgeKey, edgeNameOf, edgeRange, inodeKey, readU64, u64 } from './rocks-store';

export interface InodeStoreOptions {
  inodeCacheEntries?: number;
  edgeCacheEntries?: number;
}

/**
 * A map that forgets what was not used lately, past a capacity. Two
 * generations instead of a strict LRU list: hits in the young generation cost
 * one Map lookup and no writes; hits in the old one move the entry to the
 * young; when the young one is full, the old one is dropped whole. (A strict
 * LRU with delete-and-reinsert on every hit spent 40% of a getStatus in V8's
 * hash table upkeep at 200k entries.)
 */
export class LruCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly generationSize: number;

  constructor(capacity: number) {
    this.generationSize = Math.max(1, Math.floor(capacity / 2));
  }

  get(key: K): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined) return value;
    const aged = this.old.get(key);
    if (aged !== undefined) this.insert(key, aged);
    return aged;
  }

  set(key: K, value: V): void {
    this.insert(key, value);
  }

  delete(key: K): void {
    this.young.delete(key);
    this.old.delete(key);
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }

  /** Entries held (an entry may be counted in both generations). */
  get size(): number {
    return this.young.size + this.old.size;
  }

  private insert(key: K, value: V): void {
    // A stale copy may stay in the old generation: get() looks in the young one first.
    this.young.set(key, value);
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
  }
}

const ABSENT = 0; // an edge known not to exist (ids start at 1)
const MAX_DIRTY_TRACKED = 100_000;

/**
 * One key space (inodes or edges) with its cache, its overlay of writes not
 * yet in RocksDB, and the bookkeeping that keeps slow reads from filling the
 * cache with stale values.
 */
class Tier<K, V> {
  readonly cache: LruCache<K, V>;
  readonly overlay = new Map<K, V>();
  private generation = 0;
  private readsInFlight = 0;
  private minFillGeneration = 0;
  private readonly writtenAt = new Map<K, number>();

  constructor(capacity: number, private readonly load: (key: K) => Promise<V>) {
    this.cache = new LruCache(capacity);
  }

  async get(key: K): Promise<V> {
    const staged = this.overlay.get(key);
    if (staged !== undefined) return staged;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const startGeneration = this.generation;
    this.readsInFlight++;
    let value: V;
    try {
      value = await this.load(key);
    } finally {
      this.readsInFlight--;
    }
    const staleRisk =
      startGeneration < this.minFillGeneration || (this.writtenAt.get(key) ?? -1) >= startGeneration;
    if (!staleRisk) this.cache.set(key, value);
    if (this.readsInFlight === 0) this.writtenAt.clear();
    // A write may have landed meanwhile: prefer what the overlay or cache says now.
    if (this.overlay.has(key)) return this.overlay.get(key) as V;
    const now = this.cache.get(key);
    return now !== undefined ? now : value;
  }

  stage(key: K, value: V): void {
    this.overlay.set(key, value);
    if (this.readsInFlight > 0) {
      if (this.writtenAt.size >= MAX_DIRTY_TRACKED) {
        this.writtenAt.clear();
        this.minFillGeneration = this.generation + 1;
      }
      this.writtenAt.set(key, this.generation);
    }
  }

  /** The staged keys are in RocksDB now: move them into the cache. */
  settle(keys: Iterable<K>): void {
    for (const key of keys) {
      const value = this.overlay.get(key);
      if (value === undefined) continue;
      this.overlay.delete(key);
      this.cache.set(key, value);
    }
    this.generation++;
  }

  /** Forgets everything cached (the store was replaced under it: a Raft snapshot). */
  invalidate(): void {
    this.cache.clear();
    this.overlay.clear();
    this.writtenAt.clear();
    this.generation++;
    // Reads in flight started before this point must not fill the cache.
    this.minFillGeneration = this.generation;
  }
}

export interface ChildEntry {
  name: string;
  id: number;
}

/**
 * Changes staged by the state machine for one RocksDB batch. Reads through
 * the store see them as soon as they are staged.
 */
const EMPTY = Buffer.alloc(0);

export class WriteSet {
  private readonly writes: WriteOp[] = [];
  readonly inodeKeys = new Set<number>();
  readonly edgeKeys = new Set<string>();
  /**
   * Where each inode's and edge's write sits in `writes`, and the inode to
   * encode there: a batch of creates in one directory rewrites the directory
   * once per create, and only the last version needs encoding and writing
   * (no range delete covers inode or edge keys, so one op per key in place of
   * the first keeps the batch's outcome).
   */
  private readonly inodeAt = new Map<number, { at: number; inode: Inode | null }>();
  private readonly edgeAt = new Map<string, number>();
  constructor(private readonly store: InodeStore) {}

  /** The batch, each inode encoded once. */
  get ops(): WriteOp[] {
    for (const { at, inode } of this.inodeAt.values()) {
      if (inode !== null) this.writes[at] = { kind: 'put', key: (this.writes[at] as { key: Buffer }).key, value: encodeInode(inode) };
    }
    this.inodeAt.clear();
    return this.writes;
  }

  putInode(inode: Inode): void {
    this.placeInode(inode.id, inode);
    this.store.inodes.stage(inode.id, inode);
    this.inodeKeys.add(inode.id);
  }

  deleteInode(id: number): void {
    this.placeInode(id, null);
    this.store.inodes.stage(id, null);
    this.inodeKeys.add(id);
  }

  putEdge(parent: number, name: string, child: number): void {
    const key = edgeCacheKey(parent, name);
    this.placeEdge(key, { kind: 'put', key: edgeKey(parent, name), value: u64(child) });
    this.store.edges.stage(key, child);
    this.edgeKeys.add(key);
  }

  deleteEdge(parent: number, name: string): void {
    const key = edgeCacheKey(parent, name);
    this.placeEdge(key, { kind: 'delete', key: edgeKey(parent, name) });
    this.store.edges.stage(key, ABSENT);
    this.edgeKeys.add(key);
  }

  private placeInode(id: number, inode: Inode | null): void {
    const placed = this.inodeAt.get(id);
    const op: WriteOp = inode === null ? { kind: 'delete', key: inodeKey(id) } : { kind: 'put', key: inodeKey(id), value: EMPTY };
    if (placed === undefined) {
      this.inodeAt.set(id, { at: this.writes.length, inode });
      this.writes.push(op);
    } else {
      this.writes[placed.at] = op;
      placed.inode = inode;
    }
  }

  private placeEdge(key: string, op: WriteOp): void {
    const at = this.edgeAt.get(key);
    if (at === undefined) {
      this.edgeAt.set(key, this.writes.length);
      this.writes.push(op);
    } else {
      this.writes[at] = op;
    }
  }

  /** A raw key outside the inode and edge spaces (applied index, callers, mounts). */
  put(key: Buffer, value: Buffer): void {
    this.writes.push({ kind: 'put', key, value });
  }

  delete(key: Buffer): void {
    this.writes.push({ kind: 'delete', key });
  }

  deleteRange(gte: Buffer, lt: Buffer): void {
    this.writes.push({ kind: 'deleteRange', gte, lt });
  }
}

function edgeCacheKey(parent: number, name: string): string {
  return parent + '/' + name;
}

export class InodeStore {
  readonly inodes: Tier<number, Inode | null>;
  readonly edges: Tier<string, number>;

  constructor(readonly rocks: RocksStore, options: InodeStoreOptions = {}) {
    this.inodes = new Tier(options.inodeCacheEntries ?? 200_000, async (id) => {
      const value = await rocks.get(inodeKey(id));
      return value === null ? null : decodeInode(id, value);
    });
    this.edges = new Tier(options.edgeCacheEntries ?? 200_000, async (key) => {
      const slash = key.indexOf('/');
      const value = await rocks.get(edgeKey(Number(key.slice(0, slash)), key.slice(slash + 1)));
      return value === null ? ABSENT : readU64(value);
    });
  }

  getInode(id: number): Promise<Inode | null> {
    return this.inodes.get(id);
  }

  /** The child's id, or null if the directory has no entry of that name. */
  async getChild(parent: number, name: string): Promise<number | null> {
    const id = await this.edges.get(edgeCacheKey(parent, name));
    return id === ABSENT ? null : id;
  }

  /**
   * Up to limit entries of a directory after startAfter, in name (byte) order.
   * Reads RocksDB, which holds every acknowledged change.
   */
  async listChildren(parent: number, startAfter: string, limit: number): Promise<ChildEntry[]> {
    const range = edgeRange(parent);
    const bounds = startAfter === '' ? { gte: range.gte, lt: range.lt } : { gt: edgeKey(parent, startAfter), lt: range.lt };
    const rows = await this.rocks.scan(bounds, limit);
    return rows.map((row) => ({ name: edgeNameOf(row.key), id: readU64(row.value) }));
  }

  /**
   * A page of a directory with the inode of each entry, all read at one
   * moment of RocksDB (which holds every acknowledged change): the cache
   * could hold a newer inode than an edge scanned a moment before, and a
   * listing would show a state that never was (a file replaced by a rename
   * missing from its directory).
   */
  async listPage(parent: number, startAfter: string, limit: number): Promise<{ children: Array<ChildEntry & { inode: Inode | null }>; childrenVersion: number }> {
    const range = edgeRange(parent);
    const bounds = startAfter === '' ? { gte: range.gte, lt: range.lt } : { gt: edgeKey(parent, startAfter), lt: range.lt };
    return this.rocks.readAtOnce(async (view) => {
      const rows = await view.scan(bounds, limit);
      const children = rows.map((row) => ({ name: edgeNameOf(row.key), id: readU64(row.value) }));
      // The directory itself from the same moment: its children_version then
      // names exactly these edges (the cache may already hold a version
      // whose entry is not in RocksDB yet).
      const values = await view.getMany([inodeKey(parent), ...children.map((c) => inodeKey(c.id))]);
      const dir = values[0] === null ? null : decodeInode(parent, values[0]);
      return {
        childrenVersion: dir?.childrenVersion ?? 0,
        children: children.map((c, i) => {
          const value = values[i + 1];
          return { ...c, inode: value === null ? null : decodeInode(c.id, value) };
        }),
      };
    });
  }

  /** Whether a directory has any entry (one-key scan). */
  async hasChildren(parent: number): Promise<boolean> {
    return (await this.listChildren(parent, '', 1)).length > 0;
  }

  newWriteSet(): WriteSet {
    return new WriteSet(this);
  }

  /** Writes the set to RocksDB as one atomic batch, then settles it into the cache. */
  async commit(set: WriteSet): Promise<void> {
    await this.rocks.write(set.ops);
    this.inodes.settle(set.inodeKeys);
    this.edges.settle(set.edgeKeys);
  }

  /** Drops every cached inode and edge: RocksDB was rewritten from a snapshot. */
  invalidateCaches(): void {
    this.inodes.invalidate();
    this.edges.invalidate();
  }

  cacheStats(): { inodes: number; edges: number } {
    return { inodes: this.inodes.cache.size, edges: this.edges.cache.size };
  }
}
