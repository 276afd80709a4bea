// The inode tree: resolves paths to inodes while taking the locks an
// operation needs, top-down, in path order (the one global lock order, so
// operations cannot deadlock). Lock patterns, on the path /a/b/c:
//
//   READ         -> read [root, root->a, a, a->b, b, b->c, c]
//   WRITE_INODE  -> read [root, root->a, a, a->b, b, b->c], write [c]
//   WRITE_EDGE   -> read [root, root->a, a, a->b, b], write [b->c, c]
//
// (where c does not exist, WRITE_EDGE still write-locks the edge b->c: that
// is what keeps two creates of the same name apart.) A directory's own
// attributes are not write-locked by creates and deletes inside it: they
// change through commuting journal updates (touchDir), so many creates in
// one directory run at once.
//
// Directories of an under store are loaded lazily. The lock pass never loads
// (it would wait on edge locks while holding others): when it meets a
// directory that must be loaded first it throws NeedsLoad, the caller
// releases everything, loads, and tries again.

import { Inode, InodeKind, ROOT_ID } from './inode';
import { InodeStore } from './inode-store';
import { InodeLockManager, LockMode, LockSet, edgeLockKey, inodeLockKey } from './lock-manager';

export const LockPattern = { READ: 0, WRITE_INODE: 1, WRITE_EDGE: 2 } as const;
export type LockPattern = (typeof LockPattern)[keyof typeof LockPattern];

/**
 * A path resolved under locks. inodes[0] is the root and inodes[i] the inode
 * of names[i - 1]; the path exists when inodes.length === names.length + 1.
 */
export interface LockedPath {
  names: string[];
  inodes: Inode[];
}

export function exists(path: LockedPath): boolean {
  return path.inodes.length === path.names.length + 1;
}

export function target(path: LockedPath): Inode | null {
  return exists(path) ? path.inodes[path.inodes.length - 1] : null;
}

/** The parent directory of the path's last component, if it resolved. */
export function parentOf(path: LockedPath): Inode | null {
  return path.inodes.length >= path.names.length ? path.inodes[path.names.length - 1] : null;
}

export class NeedsLoad extends Error {
  /**
   * missing: set for a lookup (read) that missed in the directory: asking the
   * store for that one name is enough, the whole directory need not load.
   */
  constructor(
    readonly dirNames: string[],
    readonly missing?: string,
  ) {
    super('directory must be loaded from its under store first');
  }
}

async function wait(pending: Promise<void> | null): Promise<void> {
  if (pending !== null) await pending;
}

export class InodeTree {
  constructor(
    readonly store: InodeStore,
    readonly lockManager: InodeLockManager,
  ) {}

  newLockSet(): LockSet {
    return new LockSet(this.lockManager);
  }

  /**
   * Locks and resolves as far as the path exists. With needLoaded, a missing
   * component inside a directory not yet loaded from its under store throws
   * NeedsLoad (the entry may exist there).
   */
  async lockPath(names: string[], pattern: LockPattern, locks: LockSet): Promise<LockedPath> {
    const last = names.length - 1;
    const rootMode = names.length === 0 && pattern !== LockPattern.READ ? LockMode.WRITE : LockMode.READ;
    await wait(locks.lock(inodeLockKey(ROOT_ID), rootMode));
    const root = await this.store.getInode(ROOT_ID);
    if (root === null) throw new Error('the root inode is missing');
    const inodes: Inode[] = [root];
    let dir = root;
    for (let i = 0; i <= last; i++) {
      if (dir.kind !== InodeKind.DIR) break;
      const name = names[i];
      const edgeMode = i === last && pattern === LockPattern.WRITE_EDGE ? LockMode.WRITE : LockMode.READ;
      const edgeKey = edgeLockKey(dir.id, name);
      await wait(locks.lock(edgeKey, edgeMode));
      const childId = await this.store.getChild(dir.id, name);
      // A directory not (fully) loaded from its under store is loaded before
      // a lookup that misses in it, and before any change of an entry in it,
      // so a later load cannot bring back what the change removed.
      if (!dir.loaded && (childId === null || edgeMode === LockMode.WRITE)) {
        const lookupMiss = childId === null && edgeMode === LockMode.READ;
        if (lookupMiss && locks.absent?.has(edgeKey) === true) break; // the store has none either
        throw new NeedsLoad(names.slice(0, i), lookupMiss ? name : undefined);
      }
      if (childId === null) break;
      const inodeMode = i === last && pattern !== LockPattern.READ ? LockMode.WRITE : LockMode.READ;
      await wait(locks.lock(inodeLockKey(childId), inodeMode));
      const child = await this.store.getInode(childId);
      if (child === null) throw new Error(`edge ${dir.id}/${name} points at missing inode ${childId}`);
      inodes.push(child);
      dir = child;
    }
    return { names, inodes };
  }

  /**
   * Locks two paths for a rename in the global order: the smaller path (by
   * components) first; locks both share are taken once.
   */
  async lockTwo(
    a: string[],
    b: string[],
    pattern: LockPattern,
    locks: LockSet,
  ): Promise<[LockedPath, LockedPath]> {
    if (comparePaths(a, b) <= 0) {
      const pa = await this.lockPath(a, pattern, locks);
      const pb = await this.lockPath(b, pattern, locks);
      return [pa, pb];
    }
    const pb = await this.lockPath(b, pattern, locks);
    const pa = await this.lockPath(a, pattern, locks);
    return [pa, pb];
  }
}

/** Lexicographic order of component lists; an ancestor sorts before its descendants. */
export function comparePaths(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}
