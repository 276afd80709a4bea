// The master's side of the under stores: opening them per mount, loading a
// directory's entries lazily on first need, journaling an intent before each
// under store change, and reconciling the paths of intents a crash left open.
// It also runs operations under locks (runLocked), since a lock pass that
// meets a directory still to be loaded must drop its locks, load, and retry.

import { ErrorCode, StrataError } from '../common/errors';
import { isPrefix, joinPath, parsePath } from '../common/paths';
import { openUnderStore } from '../ufs/registry';
import type { StoreChangeGuard, UfsStatus, UnderStore } from '../ufs/under-store';
import { IdAllocator, Inode, InodeKind, newInode } from './inode';
import { InodeTree, LockPattern, NeedsLoad, parentOf, target } from './inode-tree';
import type { EntryOp, JournalEntry, UfsIntent } from './journal/entry';
import { addEntryOps, moveEntryOps, removeEntryOps } from './namespace-ops';
import { LockMode, LockSet, edgeLockKey } from './lock-manager';
import type { MountEntry, MountTable } from './mount-table';
import { Prefix, intentKey, readU64 } from './rocks-store';
import type { StateMachine } from './state-machine';
import { FencedOff } from './store-fence';
import type { StoreFence } from './store-fence';
import type { TrashSweeper } from './trash-sweeper';

/** Errors a store's rename raises from its checks, before it changes anything. */
const STORE_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.NOT_FOUND,
  ErrorCode.EXISTS,
  ErrorCode.NOT_EMPTY,
  ErrorCode.NOT_DIRECTORY,
  ErrorCode.IS_DIRECTORY,
  ErrorCode.INVALID_ARGUMENT,
  ErrorCode.NAME_TOO_LONG,
  ErrorCode.NOT_PERMITTED,
  ErrorCode.READ_ONLY,
  ErrorCode.CROSS_DEVICE,
]);
/** Pauses between attempts to finish an interrupted rename: from 0.5 s, doubling up to 30 s. */
const FINISH_FIRST_PAUSE_MS = 500;
const FINISH_MAX_PAUSE_MS = 30_000;
/** Pages of a directory load journaled at once. */
const LOAD_PAGES_IN_FLIGHT = 4;

export class UnderStoreSync {
  private readonly ufsByMount = new Map<string, Promise<UnderStore>>();
  /** The change guard the cached stores were opened with (one epoch of leadership). */
  private storesGuard: StoreChangeGuard | null = null;
  /** Directory loads under way, by path, so concurrent misses share one. */
  private readonly loading = new Map<string, Promise<void>>();
  /** Intents reconciled in the background (renames a store failure stopped part way), by id. */
  private readonly finishing = new Map<number, UfsIntent>();
  private finishingStopped = false;
  /** The reply of the call that made an intent, when reconciliation finds it done (set by reconcileIntents). */
  private replyOf: (intent: UfsIntent) => Promise<unknown> = () => Promise.resolve(undefined);
  /** How far each load under way has got, by path (listings serve what is loaded while the rest loads). */
  private readonly loadStates = new Map<string, LoadState>();

  constructor(
    private readonly tree: InodeTree,
    private readonly sm: StateMachine,
    private readonly mounts: MountTable,
    private readonly ids: IdAllocator,
    private readonly sweeper: TrashSweeper,
    private readonly clock: () => number,
    private readonly fence: StoreFence,
  ) {}

  /**
   * Reconciles the under store changes that a crash left between the change
   * and its namespace entry (open intents) with what the under store now
   * holds: it is the truth for what lives in it. A rename found done in the
   * store is redone in the namespace (the subtree keeps its inodes); any
   * other path is made to agree with the store. Runs at start, before the
   * master serves. An intent made by a client call gets that call's reply
   * stored with its closing entry when replyOf finds the change done, so the
   * client's retry is answered, not run again. Returns the number closed.
   *
   * Open intents are the changes of an earlier leadership, whose requests
   * were cut off when its lease lapsed (store-fence.ts); they are looked at
   * only a lease's time after this leadership began, so that a request that
   * was already on its way to the store when it was cut off has landed.
   */
  async reconcileIntents(replyOf: (intent: UfsIntent) => Promise<unknown>): Promise<number> {
    this.finishingStopped = false; // leading (again): intents may be finished in the background
    this.replyOf = replyOf;
    const rows = await this.tree.store.rocks.scan({ gte: Buffer.from([Prefix.INTENT]), lt: Buffer.from([Prefix.INTENT + 1]) }, 1_000_000);
    const wait = this.fence.leaseMs - this.fence.sinceOpened();
    if (rows.length > 0 && wait > 0) await new Promise((r) => setTimeout(r, wait));
    let closed = 0;
    for (const row of rows) {
      const intent = JSON.parse(row.value.toString('utf8')) as UfsIntent;
      if (await this.reconcileIntent(readU64(row.key, 1), intent, replyOf)) closed++;
    }
    return closed;
  }

  /**
   * Reconciles one open intent (see reconcileIntents) and closes it; false if
   * its store is down (it stays open) or it was closed already.
   */
  private async reconcileIntent(id: number, intent: UfsIntent, replyOf: (intent: UfsIntent) => Promise<unknown>): Promise<boolean> {
    if ((await this.tree.store.rocks.get(intentKey(id))) === null) return false;
    try {
      if (intent.kind === 'rename') {
        await this.reconcileRename(parsePath(intent.src), parsePath(intent.dst));
      } else {
        const paths = intent.paths.map((p) => parsePath(p)).sort((a, b) => a.length - b.length); // parents first
        for (const names of paths) await this.reconcilePath(names);
      }
    } catch (err) {
      if (err instanceof StrataError && (err.code === ErrorCode.NOT_LEADER || err.code === ErrorCode.CLOSED)) throw err;
      // A store that is down: the intent stays open for the next leader or restart.
      process.stderr.write(`strata master: an under store change stays unreconciled for now: ${String(err)}\n`);
      return false;
    }
    const close: JournalEntry = { ops: [{ op: 'clearIntent', id }] };
    if (intent.call !== undefined) {
      const reply = await replyOf(intent);
      if (reply !== undefined) Object.assign(close, { caller: intent.call.caller, reply });
    }
    await this.sm.propose(close);
    return true;
  }

  /**
   * A rename in a store whose renames copy then delete (S3): the intent is
   * journaled first, as changeUnderStore does, but a store failure part way
   * (a network error mid-copy) does not close it, for the store may hold a
   * partial copy. The intent is reconciled in the background until the store
   * answers: the rename finished there (resumeRename) and then in the
   * namespace, or, when the store shows nothing renamed, closed as undone.
   * The caller gets an error that says so. A refusal by the store (its checks
   * come before any copy) closes the intent: nothing changed.
   */
  async renameInUnderStore(intent: UfsIntent & { kind: 'rename' }, rename: () => Promise<void>, replyOf: (intent: UfsIntent) => Promise<unknown>): Promise<EntryOp[]> {
    const id = this.ids.take();
    await this.sm.propose({ ops: [{ op: 'putIntent', id, intent }] }, intent.call?.caller.term);
    try {
      await this.fence.track(rename); // a hand-off of the lead waits for it
    } catch (err) {
      const e = err instanceof StrataError ? err : new StrataError(ErrorCode.IO, String(err), { cause: err });
      if (cutOffByFence(err)) {
        this.finishLater(id, intent, replyOf, this.fence.leaseMs); // or the next leader, if this one no longer leads
        throw err;
      }
      if (STORE_REFUSALS.has(e.code)) {
        await this.sm.propose({ ops: [{ op: 'clearIntent', id }] }).catch(() => undefined); // else reconciled at restart
        throw err;
      }
      this.finishLater(id, intent, replyOf);
      throw new StrataError(
        e.code,
        `${intent.src}: the rename to ${intent.dst} stopped part way in the under store (${e.message}); strata finishes it (or, if nothing was copied, drops it) once the store answers`,
        { cause: err },
      );
    }
    return [{ op: 'clearIntent', id }];
  }

  /**
   * Refuses a change at or around a path that a rename still being finished
   * in the background touches: it would act on a half-copied store (a
   * retried mv, an rm of the source) and leave something else half done.
   */
  checkNotFinishing(paths: string[][], what: string): void {
    for (const intent of this.finishing.values()) {
      if (intent.kind !== 'rename') continue;
      const busy = [parsePath(intent.src), parsePath(intent.dst)];
      if (paths.some((p) => busy.some((b) => isPrefix(p, b) || isPrefix(b, p)))) {
        throw new StrataError(ErrorCode.UNAVAILABLE, `${what}: the rename of ${intent.src} to ${intent.dst} is still being finished in the under store; try again later`);
      }
    }
  }

  /** Retries the reconciliation of intent id with a growing pause, while this master leads. */
  private finishLater(id: number, intent: UfsIntent, replyOf: (intent: UfsIntent) => Promise<unknown>, firstPauseMs = FINISH_FIRST_PAUSE_MS): void {
    if (this.finishing.has(id) || this.finishingStopped) return;
    this.finishing.set(id, intent);
    void (async () => {
      let pauseMs = Math.max(FINISH_FIRST_PAUSE_MS, firstPauseMs);
      try {
        while (!this.finishingStopped) {
          await new Promise((resolve) => setTimeout(resolve, pauseMs).unref());
          if (this.finishingStopped || (await this.tree.store.rocks.get(intentKey(id))) === null) return;
          if (await this.reconcileIntent(id, intent, replyOf)) return;
          pauseMs = Math.min(pauseMs * 2, FINISH_MAX_PAUSE_MS);
        }
      } catch (err) {
        // NOT_LEADER or CLOSED: the next leader's reconcileIntents takes it over.
        process.stderr.write(`strata master: an interrupted rename is left to the next leader: ${String(err)}\n`);
      } finally {
        this.finishing.delete(id);
      }
    })();
  }

  /**
   * A rename the store has and the namespace has not is done in the namespace
   * too. One the store has half done (both ends present, in a store with
   * resumeRename) is finished in the store first, then in the namespace.
   */
  private async reconcileRename(src: string[], dst: string[]): Promise<void> {
    const done = await this.runLocked(async (locks) => {
      const [from, to] = await this.tree.lockTwo(src, dst, LockPattern.WRITE_EDGE, locks);
      const moving = target(from);
      const srcParent = parentOf(from);
      const dstParent = parentOf(to);
      if (moving === null || srcParent === null || dstParent === null || dstParent.kind !== InodeKind.DIR) return false;
      const srcMount = this.mounts.resolve(src);
      const dstMount = this.mounts.resolve(dst);
      const ufs = await this.ufs(srcMount.mount);
      let [srcStatus, dstStatus] = [await ufs.stat(srcMount.relPath), await ufs.stat(dstMount.relPath)];
      const hasData = moving.complete || moving.kind !== InodeKind.FILE;
      const replaced = target(to);
      if (replaced !== null && replaced.kind === InodeKind.DIR && (await this.tree.store.hasChildren(replaced.id))) return false;
      if (hasData && srcStatus !== null && dstStatus !== null && srcStatus.type === dstStatus.type && ufs.resumeRename !== undefined) {
        // Both ends in a store whose rename copies then deletes: the crash came
        // half way (or before the first step, if dst was being replaced). The
        // intent says the rename was asked for, so finish it in the store.
        const resume = ufs.resumeRename.bind(ufs);
        await this.fence.track(() => resume(srcMount.relPath, dstMount.relPath));
        [srcStatus, dstStatus] = [await ufs.stat(srcMount.relPath), await ufs.stat(dstMount.relPath)];
      }
      const storeRenamed = hasData ? srcStatus === null && dstStatus !== null : false;
      if (!storeRenamed) return srcStatus !== null; // not renamed in the store: the namespace agrees already
      const ops = moveEntryOps(
        { parentId: srcParent.id, name: src[src.length - 1] },
        { parentId: dstParent.id, name: dst[dst.length - 1] },
        moving,
        replaced,
        this.clock(),
      );
      await this.sm.propose({ ops });
      return true;
    });
    if (!done) {
      await this.reconcilePath(src.length <= dst.length ? src : dst);
      await this.reconcilePath(src.length <= dst.length ? dst : src);
    }
  }

  /** Makes one path of the namespace agree with its under store. */
  private async reconcilePath(names: string[]): Promise<void> {
    if (names.length === 0 || this.mounts.list().some((m) => m.path === joinPath(names))) return;
    await this.runLocked(async (locks) => {
      const resolved = await this.tree.lockPath(names, LockPattern.WRITE_EDGE, locks);
      const parent = parentOf(resolved);
      if (parent === null || parent.kind !== InodeKind.DIR) return; // reconciled (or removed) with its parent
      const { mount, relPath } = this.mounts.resolve(names);
      const status = await (await this.ufs(mount)).stat(relPath);
      const at = { parentId: parent.id, name: names[names.length - 1] };
      const node = target(resolved);
      const now = this.clock();
      const ops: EntryOp[] = [];
      if (node !== null) {
        if (node.kind === InodeKind.FILE && !node.complete) return; // no data in the store yet: nothing to compare
        if (status !== null && kindOfUfs(status) === node.kind) {
          if (node.kind === InodeKind.SYMLINK || (status.fingerprint === node.fingerprint && sameAttributes(node, status))) return;
          const refreshed: Inode = { ...node, mode: status.mode, uid: status.uid ?? node.uid, gid: status.gid ?? node.gid, ctimeMs: now };
          if (node.kind === InodeKind.FILE) Object.assign(refreshed, { size: status.size, mtimeMs: status.mtimeMs, fingerprint: status.fingerprint });
          await this.sm.propose({ ops: [{ op: 'putInode', inode: refreshed }] });
          return;
        }
        // Gone from the under store, or replaced by another kind of entry.
        const detach = node.kind === InodeKind.DIR && (await this.tree.store.hasChildren(node.id));
        ops.push(...removeEntryOps(at, node, detach, now));
        if (detach) this.sweeper.kick();
      }
      if (status !== null && isRepresentableName(at.name)) ops.push(...addEntryOps(at, this.inodeFromUfs(status), now));
      if (ops.length > 0) await this.sm.propose({ ops });
    });
  }

  /**
   * Runs an operation with a fresh lock set, released when it ends. When the
   * operation meets a directory still to be loaded from its under store, the
   * locks are dropped, the directory is loaded, and the operation runs again.
   */
  async runLocked<T>(run: (locks: LockSet) => Promise<T>): Promise<T> {
    const absent = new Set<string>();
    for (;;) {
      const locks = this.tree.newLockSet();
      locks.absent = absent;
      let needs: NeedsLoad;
      try {
        return await run(locks);
      } catch (err) {
        if (!(err instanceof NeedsLoad)) throw err;
        needs = err;
      } finally {
        locks.release();
      }
      // A lookup in a directory not loaded yet asks the store for that one
      // name (a file in a directory of a million is found at once), as
      // Alluxio loads the metadata of one path; anything else loads it all.
      if (needs.missing === undefined) await this.loadDirectory(needs.dirNames);
      else {
        const miss = await this.loadEntry(needs.dirNames, needs.missing);
        if (miss !== null) absent.add(miss);
      }
    }
  }


  /**
   * Read-locks the directory at dirNames if it is still to be loaded; null
   * if it is loaded, gone or no directory, or if the path changed since the
   * caller's NeedsLoad so that an ancestor needs loading (the caller's retry
   * throws NeedsLoad for it).
   */
  private async lockUnloadedDir(dirNames: string[], locks: LockSet): Promise<Inode | null> {
    const resolved = await this.tree.lockPath(dirNames, LockPattern.READ, locks).catch((err: unknown) => {
      if (err instanceof NeedsLoad) return null;
      throw err;
    });
    const dir = resolved === null ? null : target(resolved);
    return dir === null || dir.kind !== InodeKind.DIR || dir.loaded ? null : dir;
  }
  /**
   * Adds one entry of a directory not loaded yet, if its store has it and the
   * namespace not yet (under the entry's edge write lock, as loadPage).
   * Returns the edge's lock key when the store has no such entry, else null
   * (added, there already, or the directory changed: the caller retries).
   */
  private async loadEntry(dirNames: string[], name: string): Promise<string | null> {
    let miss: string | null = null;
    const locks = this.tree.newLockSet();
    try {
      const dir = await this.lockUnloadedDir(dirNames, locks);
      if (dir === null) return null;
      const key = edgeLockKey(dir.id, name);
      const pending = locks.lock(key, LockMode.WRITE);
      if (pending !== null) await pending;
      if ((await this.tree.store.getChild(dir.id, name)) !== null) return null;
      const { mount, relPath } = this.mounts.resolve([...dirNames, name]);
      const status = isRepresentableName(name) ? await (await this.ufs(mount)).stat(relPath) : null;
      if (status === null) {
        miss = key;
        return miss;
      }
      const inode = this.inodeFromUfs(status);
      const ops: EntryOp[] = [{ op: 'putInode', inode }, { op: 'putEdge', parent: dir.id, name, child: inode.id }];
      if (inode.kind === InodeKind.DIR) ops.push({ op: 'touchDir', id: dir.id, mtimeMs: 0, nlinkDelta: 1 });
      await this.sm.propose({ ops });
      return null;
    } finally {
      locks.release();
    }
  }

  /**
   * Makes an under store change that the namespace entry after it records.
   * The intent (the strata paths touched) is journaled first, so that if the
   * master dies between the under store change and that entry, recovery
   * reconciles those paths with the under store (reconcileIntents). If the
   * change fails, the intent is closed and nothing changed. Returns the op
   * that closes the intent, to put in the mutation's own entry. A null intent
   * is for changes that need no reconciliation (data of a file not yet
   * committed, which the namespace does not describe).
   */
  async changeUnderStore(intent: UfsIntent | null, change: () => Promise<void>): Promise<EntryOp[]> {
    if (intent === null) {
      await this.fence.track(change);
      return [];
    }
    const id = this.ids.take();
    await this.sm.propose({ ops: [{ op: 'putIntent', id, intent }] }, intent.call?.caller.term);
    try {
      await this.fence.track(change); // a hand-off of the lead waits for it
    } catch (err) {
      if (cutOffByFence(err)) {
        // The request may have reached the store before it was cut off: the
        // intent stays open, reconciled by whoever leads a lease's time on.
        this.finishLater(id, intent, this.replyOf, this.fence.leaseMs);
        throw err;
      }
      await this.sm.propose({ ops: [{ op: 'clearIntent', id }] }).catch(() => undefined); // else reconciled at restart
      throw err;
    }
    return [{ op: 'clearIntent', id }];
  }


  /**
   * Loads a directory's entries from its under store, once even if many ask
   * at once. onPage hears the size of each page listed (only the caller that
   * starts the load does).
   */
  loadDirectory(dirNames: string[], onPage?: (entries: number) => void): Promise<void> {
    const key = joinPath(dirNames);
    const existing = this.loading.get(key);
    if (existing !== undefined) return existing;
    const state = new LoadState();
    const load = this.doLoad(dirNames, state, onPage).finally(() => {
      this.loading.delete(key);
      this.loadStates.delete(key);
      state.advance(null);
    });
    this.loading.set(key, load);
    this.loadStates.set(key, state);
    return load;
  }

  /**
   * While directory dirId (at dirNames) is being loaded: the name up to which
   * (in byte order) its edges already hold every entry of the store; the
   * entries after it are still to come. Undefined when no load of it runs.
   */
  loadedThrough(dirNames: string[], dirId: number): string | undefined {
    const state = this.loadStates.get(joinPath(dirNames));
    return state === undefined || state.dirId !== dirId || state.through === null ? undefined : state.through;
  }

  /**
   * Starts (or joins) the load of directory dirId and waits until it has
   * loaded past the name `after`, or has ended. So a listing of a huge
   * directory gets its first pages while the rest loads, instead of waiting
   * for the whole directory (issue 5).
   */
  async loadPast(dirNames: string[], dirId: number, after: string): Promise<void> {
    const load = this.loadDirectory(dirNames);
    load.catch(() => undefined); // a listing that stops waiting early leaves the load's failure to whoever waits for it
    for (;;) {
      const state = this.loadStates.get(joinPath(dirNames));
      if (state === undefined || (state.dirId !== 0 && state.dirId !== dirId)) return load;
      if (state.through !== null && compareNames(state.through, after) > 0) return;
      await Promise.race([state.advanced, load]);
    }
  }

  private async doLoad(dirNames: string[], state: LoadState, onPage?: (entries: number) => void): Promise<void> {
    const { mount, relPath } = this.mounts.resolve(dirNames);
    const ufs = await this.ufs(mount);
    let dirId: number;
    {
      const locks = this.tree.newLockSet();
      try {
        const dir = await this.lockUnloadedDir(dirNames, locks);
        if (dir === null) return;
        dirId = dir.id;
        state.dirId = dirId;
      } finally {
        locks.release();
      }
    }
    try {
      // A few pages are journaled at once (disjoint edge locks; their entries
      // share fsyncs), and the next is listed meanwhile. The load has got past
      // a page once it and every page before it are applied.
      const inflight: Array<{ done: Promise<void>; last: string }> = [];
      const oldest = async () => {
        const { done, last } = inflight.shift() as { done: Promise<void>; last: string };
        await done;
        state.advance(last);
      };
      try {
        for await (const page of readAhead(ufs.list(relPath))) {
          if (page.length === 0) continue;
          onPage?.(page.length);
          const done = this.loadPage(dirNames, dirId, page);
          done.catch(() => undefined); // awaited in order by oldest()
          inflight.push({ done, last: page[page.length - 1].name });
          if (inflight.length >= LOAD_PAGES_IN_FLIGHT) await oldest();
        }
        while (inflight.length > 0) await oldest();
      } finally {
        await Promise.allSettled(inflight.map((p) => p.done)); // none left running after a failure
      }
    } catch (err) {
      if (!(err instanceof StrataError && (err.code === ErrorCode.NOT_FOUND || err.code === ErrorCode.NOT_DIRECTORY))) throw err;
    }
    await this.withLockedDir(dirNames, dirId, async () => {
      await this.sm.propose({ ops: [{ op: 'markLoaded', id: dirId, fingerprint: 'dir' }] });
    });
  }

  /** Adds one page of under store entries that the directory does not have yet. */
  private async loadPage(dirNames: string[], dirId: number, page: UfsStatus[]): Promise<void> {
    await this.withLockedDir(dirNames, dirId, async (locks) => {
      const ops: EntryOp[] = [];
      let subdirs = 0;
      const statuses = page.filter((status) => isRepresentableName(status.name));
      for (const status of statuses) {
        // Pages come in name order, so these edge locks are taken in lock order.
        const pending = locks.lock(edgeLockKey(dirId, status.name), LockMode.WRITE);
        if (pending !== null) await pending;
      }
      // All at once: the store reads them in one batch (one after the other cost a turn of the event loop each).
      const existing = await Promise.all(statuses.map((status) => this.tree.store.getChild(dirId, status.name)));
      for (const [i, status] of statuses.entries()) {
        if (existing[i] !== null) continue;
        const inode = this.inodeFromUfs(status);
        ops.push({ op: 'putInode', inode }, { op: 'putEdge', parent: dirId, name: status.name, child: inode.id });
        if (inode.kind === InodeKind.DIR) subdirs++;
      }
      if (subdirs > 0) ops.push({ op: 'touchDir', id: dirId, mtimeMs: 0, nlinkDelta: subdirs });
      if (ops.length > 0) await this.sm.propose({ ops });
    });
  }

  /** Runs fn with the directory's path read-locked, if it is still the same directory. */
  async withLockedDir(dirNames: string[], dirId: number, fn: (locks: LockSet) => Promise<void>): Promise<void> {
    const locks = this.tree.newLockSet();
    try {
      const resolved = await this.tree.lockPath(dirNames, LockPattern.READ, locks).catch((err: unknown) => {
        if (err instanceof NeedsLoad) return null;
        throw err;
      });
      const dir = resolved === null ? null : target(resolved);
      if (dir === null || dir.id !== dirId) return; // renamed or removed meanwhile
      await fn(locks);
    } finally {
      locks.release();
    }
  }

  /** A new inode for an entry found in an under store (a directory still to be loaded); owned by root where the store keeps no owner. */
  inodeFromUfs(status: UfsStatus): Inode {
    const kind = kindOfUfs(status);
    const inode = newInode(this.ids.take(), kind, status.mode, status.uid ?? 0, status.gid ?? 0, status.mtimeMs);
    inode.size = status.size;
    inode.fingerprint = status.fingerprint;
    inode.symlinkTarget = status.symlinkTarget ?? '';
    inode.loaded = false;
    return inode;
  }

  ufs(mount: MountEntry): Promise<UnderStore> {
    // Stores belong to one epoch of leadership: they change the store only
    // under its lease, and a new epoch opens its own.
    const guard = this.fence.guard();
    if (guard !== this.storesGuard) {
      void this.closeStores();
      this.storesGuard = guard;
    }
    // Keyed by everything that defines the store, not the id alone: another
    // leader may have unmounted it and given its id to a different mount.
    const key = storeKey(mount);
    const cached = this.ufsByMount.get(key);
    if (cached !== undefined) return cached;
    const store = openUnderStore(mount.ufsUri, { readOnly: mount.readOnly, options: mount.options, guard });
    store.catch(() => this.ufsByMount.delete(key));
    this.ufsByMount.set(key, store);
    return store;
  }

  /** Closes and forgets the store of a mount that is gone (its id may be given to a later mount). */
  async forgetMount(mountId: number): Promise<void> {
    for (const [key, store] of [...this.ufsByMount]) {
      if (!key.startsWith(`${mountId}|`)) continue;
      this.ufsByMount.delete(key);
      await store.then((s) => s.close()).catch(() => undefined);
    }
  }

  /** Closes the under stores opened so far; background reconciliation stops (the next leader or start resumes it). */
  async close(): Promise<void> {
    this.finishingStopped = true;
    await this.closeStores();
  }

  /** Closes the under stores opened so far (those of an epoch of leadership that ended). */
  private async closeStores(): Promise<void> {
    const stores = [...this.ufsByMount.values()];
    this.ufsByMount.clear();
    for (const store of stores) {
      try {
        await (await store).close();
      } catch {
        // a store that failed to open has nothing to close
      }
    }
  }
}

/**
 * The pages of a listing with the next one already asked for: the store lists
 * (local: lstat per entry on the thread pool; S3: a request) while the page
 * before is journaled, instead of one after the other.
 */
async function* readAhead<T>(pages: AsyncIterable<T>): AsyncGenerator<T> {
  const it = pages[Symbol.asyncIterator]();
  let next = it.next();
  try {
    for (;;) {
      const r = await next;
      if (r.done === true) return;
      next = it.next();
      next.catch(() => undefined); // seen when awaited above; not unhandled if the consumer stops first
      yield r.value;
    }
  } finally {
    await it.return?.();
  }
}

/** How far one directory load has got; advanced wakes whoever waits for the next page. */
class LoadState {
  dirId = 0;
  through: string | null = null;
  advanced!: Promise<void>;
  private wake!: () => void;

  constructor() {
    this.rearm();
  }

  advance(through: string | null): void {
    if (through !== null) this.through = through;
    const wake = this.wake;
    this.rearm();
    wake();
  }

  private rearm(): void {
    this.advanced = new Promise((resolve) => (this.wake = resolve));
  }
}

/** Byte order of the UTF-8 names: the order of store listings and of edge keys. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Whether mode, and owner and group where the store keeps them, agree. */
function sameAttributes(node: Inode, status: UfsStatus): boolean {
  return status.mode === node.mode && (status.uid === undefined || status.uid === node.uid) && (status.gid === undefined || status.gid === node.gid);
}

export function kindOfUfs(status: UfsStatus): InodeKind {
  return status.type === 'dir' ? InodeKind.DIR : status.type === 'symlink' ? InodeKind.SYMLINK : InodeKind.FILE;
}

/** Names strata cannot hold (see paths.ts) are skipped when loading a directory. */
export function isRepresentableName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0') && Buffer.byteLength(name) <= 255;
}

function storeKey(mount: MountEntry): string {
  return `${mount.id}|${mount.ufsUri}|${mount.readOnly}|${JSON.stringify(mount.options)}`;
}

/** A change cut off by the store fence (this master's lease lapsed or its leadership ended), not refused by the store. */
function cutOffByFence(err: unknown): boolean {
  return err instanceof FencedOff;
}
