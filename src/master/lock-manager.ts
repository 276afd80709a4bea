// The inode lock manager: async read/write locks keyed by inode and by edge.
//
// Keys: `i<id>` locks an inode's attributes, `e<parentId>/<name>` locks one
// directory entry (whether it exists, and what it points at). A lock object
// exists only while it is held or waited for (reference counted), so memory
// follows the number of operations in flight, never the size of the namespace.
//
// An uncontended acquire completes synchronously (no promise, no tick): most
// metadata calls never wait, and a getStatus of a deep path takes a dozen
// locks, so this is on the hottest path of the master.
//
// Fairness: waiters are served in arrival order, and a reader that arrives
// while a writer waits queues behind it, so a stream of readers cannot starve
// a writer. Deadlock freedom is the caller's part: every operation takes its
// locks in one global order (path order, top-down; see inode-tree.ts).

export const LockMode = { READ: 0, WRITE: 1 } as const;
export type LockMode = (typeof LockMode)[keyof typeof LockMode];

interface Waiter {
  mode: LockMode;
  grant: () => void;
}

class RwLock {
  readers = 0;
  writer = false;
  readonly waiters: Waiter[] = [];

  canGrant(mode: LockMode): boolean {
    if (this.writer) return false;
    if (mode === LockMode.WRITE) return this.readers === 0 && this.waiters.length === 0;
    return this.waiters.length === 0;
  }

  take(mode: LockMode): void {
    if (mode === LockMode.WRITE) this.writer = true;
    else this.readers++;
  }

  get idle(): boolean {
    return !this.writer && this.readers === 0 && this.waiters.length === 0;
  }
}

export class InodeLockManager {
  private readonly locks = new Map<string, RwLock>();

  /** Number of lock objects alive (held or waited for). */
  get size(): number {
    return this.locks.size;
  }

  /**
   * Takes the lock. Returns null when granted at once, or a promise that
   * resolves when granted. Every successful lock must be released once.
   */
  acquire(key: string, mode: LockMode): Promise<void> | null {
    let lock = this.locks.get(key);
    if (lock === undefined) {
      lock = new RwLock();
      this.locks.set(key, lock);
    }
    if (lock.canGrant(mode)) {
      lock.take(mode);
      return null;
    }
    const queued = lock;
    return new Promise<void>((resolve) => {
      queued.waiters.push({ mode, grant: resolve });
    });
  }

  release(key: string, mode: LockMode): void {
    const lock = this.locks.get(key);
    if (lock === undefined) throw new Error(`release of lock ${key} that is not held`);
    if (mode === LockMode.WRITE) lock.writer = false;
    else lock.readers--;
    // Grant the head of the queue: one writer, or every reader up to the next writer.
    while (lock.waiters.length > 0 && !lock.writer) {
      const head = lock.waiters[0];
      if (head.mode === LockMode.WRITE && lock.readers > 0) break;
      lock.waiters.shift();
      lock.take(head.mode);
      head.grant();
    }
    if (lock.idle) this.locks.delete(key);
  }

  /** Whether acquiring now would wait (for tests and diagnostics). */
  wouldWait(key: string, mode: LockMode): boolean {
    const lock = this.locks.get(key);
    return lock !== undefined && !lock.canGrant(mode);
  }
}

/**
 * The set of locks one operation holds. Taking a lock the operation already
 * holds in the same or a stronger mode is a no-op, so the two paths of a
 * rename can share their common ancestors. release() is safe to call twice.
 */
export class LockSet {
  private readonly held = new Map<string, LockMode>();
  private released = false;
  /**
   * Edges (edgeLockKey) of directories not loaded yet that their under store
   * was just asked for and does not have: a lookup of one is a miss, not a
   * reason to load the whole directory (inode-tree.ts, under-store-sync.ts).
   */
  absent: ReadonlySet<string> | null = null;

  constructor(private readonly manager: InodeLockManager) {}

  /** Returns null if granted at once, else a promise (see InodeLockManager.acquire). */
  lock(key: string, mode: LockMode): Promise<void> | null {
    if (this.released) throw new Error('lock set already released');
    const have = this.held.get(key);
    if (have !== undefined) {
      if (have >= mode) return null;
      // Upgrading read -> write would deadlock against another upgrader;
      // lock order makes every operation ask for its strongest mode first.
      throw new Error(`lock ${key} upgrade from read to write`);
    }
    this.held.set(key, mode);
    return this.manager.acquire(key, mode);
  }

  holds(key: string): LockMode | undefined {
    return this.held.get(key);
  }

  /** Releases one lock before the rest (e.g. an edge found missing). */
  unlock(key: string): void {
    const mode = this.held.get(key);
    if (mode === undefined) return;
    this.held.delete(key);
    this.manager.release(key, mode);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    // Release in reverse order of acquisition: children before parents.
    const entries = [...this.held.entries()].reverse();
    this.held.clear();
    for (const [key, mode] of entries) this.manager.release(key, mode);
  }
}

export function inodeLockKey(id: number): string {
  return 'i' + id;
}

export function edgeLockKey(parentId: number, name: string): string {
  return 'e' + parentId + '/' + name;
}
