// Metadata sync of directories already loaded: re-lists a directory in its
// under store and makes the namespace agree with it. Entries created outside
// strata appear, entries deleted outside vanish (never a file still being
// written, never a mount point or a directory with mounts below), and files
// whose fingerprint changed get the store's size, mtime and fingerprint.
//
// Bounded memory: the store's listing (pages in name order) and the
// directory's edges (a prefix scan, in the same byte order) are merged as two
// sorted streams. The merge reads without locks and only picks candidates;
// each candidate is decided again under its edge write lock, taken in name
// order under the directory's read-locked path (as loadPage does), against a
// fresh stat of the store: a strata mutation holds that edge lock across its
// store change and its entry, so the decision cannot race one. Unchanged
// entries cost neither a lock nor a journal write.
//
// The first load of a directory stays in under-store-sync.ts; a sync of a
// directory not loaded yet is that load.

import type { SyncResponse } from '../common/api';
import { ErrorCode, StrataError } from '../common/errors';
import { isPrefix, joinPath, parsePath } from '../common/paths';
import type { UfsStatus } from '../ufs/under-store';
import { Inode, InodeKind } from './inode';
import { LruCache } from './inode-store';
import { InodeTree, LockPattern, parentOf, target } from './inode-tree';
import type { EntryOp } from './journal/entry';
import { LockMode, edgeLockKey } from './lock-manager';
import type { MountTable } from './mount-table';
import { syncIntervalOf } from './mount-operations';
import type { StateMachine } from './state-machine';
import type { TrashSweeper } from './trash-sweeper';
import { UnderStoreSync, isRepresentableName, kindOfUfs } from './under-store-sync';

export type SyncStats = SyncResponse;

/** How far a sync has got, for `strata fs sync` to show while it runs. */
export interface SyncProgress {
  /** Under store entries listed so far. */
  entries: number;
  /** Directories listed so far. */
  directories: number;
}

/** Candidates decided (and journaled) together: one entry, one lock pass. */
const DECIDE_BATCH = 256;
/** Entries per page read from the store and from the edges. */
const PAGE = 1000;

type ChangeKind = 'added' | 'removed' | 'updated' | 'unchanged';

interface Change {
  ops: EntryOp[];
  kind: ChangeKind;
  nlinkDelta: number;
  detached: boolean;
}

const NO_CHANGE: Change = { ops: [], kind: 'unchanged', nlinkDelta: 0, detached: false };

export class MetadataSync {
  /** When each directory was last synced by this master (for sync_interval_ms). */
  private readonly lastSynced = new LruCache<number, number>(100_000);
  /** Interval syncs under way, by directory id, so concurrent listings share one. */
  private readonly inflight = new Map<number, Promise<void>>();
  /** Syncs under way that a caller gave a progress id, by that id. */
  private readonly running = new Map<string, SyncProgress>();

  constructor(
    private readonly tree: InodeTree,
    private readonly sm: StateMachine,
    private readonly mounts: MountTable,
    private readonly loader: UnderStoreSync,
    private readonly sweeper: TrashSweeper,
    private readonly clock: () => number,
  ) {}

  /**
   * Syncs path (and with recursive, every loaded directory below it) with its
   * under store. With a progress id, progressOf(id) reports how far it got
   * while it runs.
   */
  async syncPath(path: string, recursive: boolean, progressId = ''): Promise<SyncStats> {
    const progress: SyncProgress = { entries: 0, directories: 0 };
    if (progressId === '') return this.syncPathCounted(path, recursive, progress);
    if (this.running.has(progressId)) throw new StrataError(ErrorCode.EXISTS, `a sync with progress id ${progressId} is running already`);
    this.running.set(progressId, progress);
    try {
      return await this.syncPathCounted(path, recursive, progress);
    } finally {
      this.running.delete(progressId);
    }
  }

  /** The progress of the sync started with this id; null when none runs (not yet, or no more). */
  progressOf(progressId: string): SyncProgress | null {
    const progress = this.running.get(progressId);
    return progress === undefined ? null : { ...progress };
  }

  private async syncPathCounted(path: string, recursive: boolean, progress: SyncProgress): Promise<SyncStats> {
    const names = parsePath(path);
    const stats: SyncStats = { directories: 0, added: 0, removed: 0, updated: 0, unchanged: 0 };
    const node = await this.syncEntry(names, stats);
    if (node === null) {
      if (stats.removed > 0) return stats; // it was gone from the store: now from strata too
      throw new StrataError(ErrorCode.NOT_FOUND, `${joinPath(names)}: No such file or directory`);
    }
    if (node.kind !== InodeKind.DIR) return stats;
    if (!node.loaded) {
      progress.directories++;
      await this.loader.loadDirectory(names, (entries) => (progress.entries += entries)); // a first load is a full sync
      stats.directories++;
      return stats;
    }
    await this.syncDirectory(names, node.id, recursive, stats, progress);
    return stats;
  }

  /**
   * For a mount with sync_interval_ms: re-syncs a loaded directory before it
   * is listed when its last sync is older than the interval.
   */
  async syncIfStale(names: string[], override?: number): Promise<void> {
    const interval = this.intervalFor(names, override);
    if (interval === null) return;
    const dir = await this.loader.runLocked(async (locks) => target(await this.tree.lockPath(names, LockPattern.READ, locks)));
    if (dir === null || dir.kind !== InodeKind.DIR) return;
    const now = this.clock();
    const last = this.lastSynced.get(dir.id);
    if (!dir.loaded) {
      this.lastSynced.set(dir.id, now); // the listing loads it now
      return;
    }
    if (last !== undefined && now - last < interval) return;
    let running = this.inflight.get(dir.id);
    if (running === undefined) {
      this.lastSynced.set(dir.id, now);
      const stats: SyncStats = { directories: 0, added: 0, removed: 0, updated: 0, unchanged: 0 };
      running = this.syncDirectory(names, dir.id, false, stats, { entries: 0, directories: 0 }).finally(() => this.inflight.delete(dir.id));
      this.inflight.set(dir.id, running);
    }
    await running;
  }

  /**
   * For GetStatus: re-syncs the entry at names itself (not a directory's
   * entries) when neither it nor its directory was synced within the
   * interval (the mount's sync_interval_ms, or the caller's override).
   */
  async syncEntryIfStale(names: string[], override?: number): Promise<void> {
    const interval = this.intervalFor(names, override);
    if (interval === null || names.length === 0) return;
    const found = await this.loader.runLocked(async (locks) => {
      const resolved = await this.tree.lockPath(names, LockPattern.READ, locks);
      return { node: target(resolved), parent: parentOf(resolved) };
    });
    if (found.parent === null) return; // no such directory: the status call says so
    const now = this.clock();
    const last = Math.max(this.lastSynced.get(found.parent.id) ?? -Infinity, found.node === null ? -Infinity : (this.lastSynced.get(found.node.id) ?? -Infinity));
    if (now - last < interval && interval > 0) return;
    const stats: SyncStats = { directories: 0, added: 0, removed: 0, updated: 0, unchanged: 0 };
    const after = await this.syncEntry(names, stats);
    if (after !== null) this.lastSynced.set(after.id, now);
  }

  /** Whether the mount of names syncs on an interval (then a stat must reach the master: nothing may be cached on callbacks). */
  syncsPeriodically(names: string[]): boolean {
    return this.intervalFor(names) !== null;
  }

  /** The sync interval that applies to a call on names: the caller's (-1: none) or else the mount's; null for none. */
  private intervalFor(names: string[], override?: number): number | null {
    if (override === undefined) return syncIntervalOf(this.mounts.resolve(names).mount);
    if (!Number.isSafeInteger(override) || override < -1) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `sync interval ${override} ms: must be -1 (no sync), 0 (sync now) or a number of milliseconds`);
    }
    return override === -1 ? null : override;
  }

  /**
   * Makes the entry at names itself agree with the store (a mount point or
   * the root is taken as it is); returns its inode afterwards, null if none.
   */
  private async syncEntry(names: string[], stats: SyncStats): Promise<Inode | null> {
    const isMountPoint = names.length === 0 || this.mounts.list().some((m) => m.path === joinPath(names));
    if (isMountPoint) {
      return this.loader.runLocked(async (locks) => target(await this.tree.lockPath(names, LockPattern.READ, locks)));
    }
    return this.loader.runLocked(async (locks) => {
      const resolved = await this.tree.lockPath(names, LockPattern.WRITE_EDGE, locks);
      const parent = parentOf(resolved);
      const path = joinPath(names);
      if (parent === null) throw new StrataError(ErrorCode.NOT_FOUND, `${path}: No such file or directory`);
      if (parent.kind !== InodeKind.DIR) throw new StrataError(ErrorCode.NOT_DIRECTORY, `${path}: Not a directory`);
      const node = target(resolved);
      const { mount, relPath } = this.mounts.resolve(names);
      const status = await (await this.loader.ufs(mount)).stat(relPath);
      const change = await this.entryChange(names, parent.id, node, status);
      stats[change.kind]++;
      if (change.ops.length === 0) return node;
      await this.propose(parent.id, [change]);
      const after = await this.tree.store.getChild(parent.id, names[names.length - 1]);
      return after === null ? null : this.tree.store.getInode(after);
    });
  }

  /** Merges one loaded directory with its store listing; with recursive, then its loaded subdirectories. */
  private async syncDirectory(dirNames: string[], dirId: number, recursive: boolean, stats: SyncStats, progress: SyncProgress): Promise<void> {
    const { mount, relPath } = this.mounts.resolve(dirNames);
    const ufs = await this.loader.ufs(mount);
    stats.directories++;
    progress.directories++;
    const theirs = entriesOf(ufs.list(relPath, PAGE), progress);
    const ours = this.childrenOf(dirId);
    let candidates: string[] = [];
    const decide = async () => {
      if (candidates.length === 0) return;
      const batch = candidates;
      candidates = [];
      await this.decide(dirNames, dirId, batch, stats);
    };
    let a: IteratorResult<UfsStatus>;
    try {
      a = await theirs.next();
    } catch (err) {
      // Gone from the store since it was loaded: its own entry is synced with its parent.
      if (err instanceof StrataError && (err.code === ErrorCode.NOT_FOUND || err.code === ErrorCode.NOT_DIRECTORY)) return;
      throw err;
    }
    let b = await ours.next();
    while (!a.done || !b.done) {
      const order = a.done ? 1 : b.done ? -1 : compareNames(a.value.name, b.value.name);
      if (order < 0 && !a.done) {
        if (isRepresentableName(a.value.name)) candidates.push(a.value.name);
        a = await theirs.next();
      } else if (order > 0 && !b.done) {
        candidates.push(b.value.name);
        b = await ours.next();
      } else if (!a.done && !b.done) {
        const node = await this.tree.store.getInode(b.value.id);
        if (node === null || !sameEntry(node, a.value)) candidates.push(b.value.name);
        else stats.unchanged++;
        a = await theirs.next();
        b = await ours.next();
      }
      if (candidates.length >= DECIDE_BATCH) await decide();
    }
    await decide();
    this.lastSynced.set(dirId, this.clock());
    if (recursive) {
      for await (const child of this.childrenOf(dirId)) {
        const inode = await this.tree.store.getInode(child.id);
        if (inode !== null && inode.kind === InodeKind.DIR && inode.loaded) {
          await this.syncDirectory([...dirNames, child.name], child.id, true, stats, progress);
        }
      }
    }
  }

  /** Decides candidates (names of one directory, in name order) under their edge write locks; one entry. */
  private async decide(dirNames: string[], dirId: number, names: string[], stats: SyncStats): Promise<void> {
    await this.loader.withLockedDir(dirNames, dirId, async (locks) => {
      for (const name of names) {
        const pending = locks.lock(edgeLockKey(dirId, name), LockMode.WRITE);
        if (pending !== null) await pending;
      }
      const { mount, relPath } = this.mounts.resolve(dirNames);
      const ufs = await this.loader.ufs(mount);
      const prefix = relPath === '' ? '' : relPath + '/';
      const changes = await Promise.all(
        names.map(async (name) => {
          const childId = await this.tree.store.getChild(dirId, name);
          const node = childId === null ? null : await this.tree.store.getInode(childId);
          const status = await ufs.stat(prefix + name);
          return this.entryChange([...dirNames, name], dirId, node, status);
        }),
      );
      for (const c of changes) stats[c.kind]++;
      await this.propose(dirId, changes);
    });
  }

  /** What it takes to make one entry agree with the store's status of it. */
  private async entryChange(names: string[], parentId: number, node: Inode | null, status: UfsStatus | null): Promise<Change> {
    const name = names[names.length - 1];
    const mountsBelow = this.mounts.list().filter((m) => m.path !== '/' && isPrefix(names, parsePath(m.path)));
    if (mountsBelow.some((m) => m.path === joinPath(names))) return NO_CHANGE; // a mount point is the mount table's
    if (node !== null && node.kind === InodeKind.FILE && !node.complete) return NO_CHANGE; // still being written
    if (node !== null && status !== null && kindOfUfs(status) === node.kind) {
      if (sameEntry(node, status)) return NO_CHANGE;
      const next: Inode = { ...node, mode: status.mode & 0o7777, ctimeMs: this.clock() };
      if (node.kind === InodeKind.FILE) Object.assign(next, { size: status.size, mtimeMs: status.mtimeMs, fingerprint: status.fingerprint });
      if (node.kind === InodeKind.SYMLINK) {
        next.symlinkTarget = status.symlinkTarget ?? '';
        next.size = Buffer.byteLength(next.symlinkTarget);
      }
      return { ops: [{ op: 'putInode', inode: next }], kind: 'updated', nlinkDelta: 0, detached: false };
    }
    if (node === null && status === null) return NO_CHANGE;
    if (node !== null && mountsBelow.length > 0) return NO_CHANGE; // keep the way to a nested mount
    const ops: EntryOp[] = [];
    let nlinkDelta = 0;
    let detached = false;
    if (node !== null) {
      const isDir = node.kind === InodeKind.DIR;
      detached = isDir && (await this.tree.store.hasChildren(node.id));
      ops.push({ op: 'deleteEdge', parent: parentId, name }, detached ? { op: 'trash', id: node.id } : { op: 'deleteInode', id: node.id });
      if (isDir) nlinkDelta--;
    }
    if (status !== null) {
      const inode = this.loader.inodeFromUfs(status);
      ops.push({ op: 'putInode', inode }, { op: 'putEdge', parent: parentId, name, child: inode.id });
      if (inode.kind === InodeKind.DIR) nlinkDelta++;
    }
    return { ops, kind: node === null ? 'added' : status === null ? 'removed' : 'updated', nlinkDelta, detached };
  }

  /** Journals the changes of one directory's entries as one entry; its mtime stays (a sync is no change by strata). */
  private async propose(dirId: number, changes: Change[]): Promise<void> {
    const ops = changes.flatMap((c) => c.ops);
    const nlinkDelta = changes.reduce((n, c) => n + c.nlinkDelta, 0);
    if (nlinkDelta !== 0) ops.push({ op: 'touchDir', id: dirId, mtimeMs: 0, nlinkDelta });
    if (ops.length === 0) return;
    await this.sm.propose({ ops });
    if (changes.some((c) => c.detached)) this.sweeper.kick();
  }

  /** A directory's edges in name order, page by page. */
  private async *childrenOf(dirId: number): AsyncGenerator<{ name: string; id: number }> {
    let startAfter = '';
    for (;;) {
      const page = await this.tree.store.listChildren(dirId, startAfter, PAGE);
      yield* page;
      if (page.length < PAGE) return;
      startAfter = page[page.length - 1].name;
    }
  }
}

/** The entries of a paged listing, one by one. */
async function* entriesOf(pages: AsyncIterable<UfsStatus[]>, progress: SyncProgress): AsyncGenerator<UfsStatus> {
  for await (const page of pages) {
    progress.entries += page.length;
    yield* page;
  }
}

/** Whether strata's inode says what the store's status says (so a sync writes nothing). */
function sameEntry(node: Inode, status: UfsStatus): boolean {
  if (kindOfUfs(status) !== node.kind) return false;
  if (node.kind === InodeKind.SYMLINK) return (status.symlinkTarget ?? '') === node.symlinkTarget;
  // A listing that could not read attributes (S3 without list_attributes) says nothing about the mode.
  if (!status.attributesUnread && (status.mode & 0o7777) !== node.mode) return false;
  return node.kind === InodeKind.DIR || (node.complete && status.fingerprint === node.fingerprint);
}

/** Byte order of the UTF-8 names: the order of store listings and of edge keys. */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
