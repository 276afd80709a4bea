// The file system operations of the master: one method per API call, shared
// by the unary gRPC methods and the Session stream. Each mutation follows
// DESIGN.md: take the locks, validate against the current state, make the
// under store change (journaled as an intent first, see under-store-sync.ts), turn the change into one journal entry with every
// nondeterministic value fixed, propose it, reply once it is applied, and
// only then release the locks.

import { pathKeys } from '../common/callback-keys';
import type {
  CallerId,
  CompleteFileRequest,
  CreateDirectoryRequest,
  CreateFileRequest,
  CreateSymlinkRequest,
  DeleteRequest,
  FileInfo,
  ListEntry,
  ListStatusPage,
  MountInfo,
  MountRequest,
  RenameRequest,
  RemoveXattrRequest,
  SetAttributeRequest,
  SetXattrRequest,
  SyncResponse,
  UnmountRequest,
} from '../common/api';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode, StrataError } from '../common/errors';
import { isPrefix, joinPath, parsePath } from '../common/paths';
import { IdAllocator, Inode, InodeKind, newInode } from './inode';
import { InodeTree, LockPattern, LockedPath, NeedsLoad, exists, parentOf, target } from './inode-tree';
import { CallerRecord, EntryOp, JournalEntry, UfsIntent } from './journal/entry';
import { MetadataSync } from './metadata-sync';
import { MountOperations, mountInfoOf } from './mount-operations';
import { MountEntry, MountTable } from './mount-table';
import { addEntryOps, moveEntryOps, removeEntryOps } from './namespace-ops';
import type { StateMachine } from './state-machine';
import { TrashSweeper } from './trash-sweeper';
import { StoreFence } from './store-fence';
import { UnderStoreSync, compareNames } from './under-store-sync';
import { checkXattrFlags, checkXattrName, checkXattrValue, listXattrNames, readXattr } from './xattrs';
import { setUfsAttributes } from '../ufs/under-store';

export const DEFAULT_LIST_PAGE = 1000;
const MAX_LIST_PAGE = 10_000;
/** Replies of retried calls older than this many seqs are trimmed (one range delete per window). */
const CALLER_TRIM_WINDOW = 1024;

export interface Leadership {
  term(): number;
  confirm(term: number): Promise<void>;
  /** That this master leads in term, before it serves (the lease for store changes, see store-fence.ts). */
  confirmLease(term: number): Promise<void>;
  /** How long a confirmation lets this master change under stores. */
  leaseMs: number;
}

/** A master without Raft around it (unit tests): always the leader of term 0. */
const LONE_LEADER: Leadership = { term: () => 0, confirm: () => Promise.resolve(), confirmLease: () => Promise.resolve(), leaseMs: 0 };

export class FileSystemMaster {
  private readonly ids: IdAllocator;
  private readonly sync: UnderStoreSync;
  private readonly sweeper: TrashSweeper;
  private readonly mountOps: MountOperations;
  private readonly metadataSync: MetadataSync;
  private readonly inflightCalls = new Map<string, Promise<unknown>>();
  private readonly fence: StoreFence;

  constructor(
    /** Public for tests and diagnostics (its lock manager shows what is held). */
    readonly tree: InodeTree,
    private readonly sm: StateMachine,
    private readonly mounts: MountTable,
    firstFreeId: number,
    /** The Raft side: the term now, and a ReadIndex confirmation that this master led in a term. */
    private readonly leadership: Leadership = LONE_LEADER,
    private readonly clock: () => number = Date.now,
  ) {
    this.ids = new IdAllocator(firstFreeId);
    this.sweeper = new TrashSweeper(tree.store, sm);
    this.fence = new StoreFence({ leaseMs: leadership.leaseMs, confirm: (term) => leadership.confirmLease(term) });
    this.sync = new UnderStoreSync(tree, sm, mounts, this.ids, this.sweeper, clock, this.fence);
    this.mountOps = new MountOperations(tree, mounts, this.ids, this.sync, this.sweeper, clock);
    this.metadataSync = new MetadataSync(tree, sm, mounts, this.sync, this.sweeper, clock);
  }

  /**
   * Work a master does when it starts to lead: allocate ids above every id
   * applied so far, reconcile crash leftovers, sweep trash.
   */
  async startBackground(term = this.leadership.term()): Promise<void> {
    this.fence.open(term);
    this.ids.reset(this.sm.firstFreeId);
    await this.sync.reconcileIntents((intent) => this.reconciledReply(intent));
    this.sweeper.start();
  }

  /**
   * The reply of the call that made an intent, if reconciliation found its
   * change done (undefined: not done, the client's retry runs it). The call
   * held its locks until the crash and nothing has been served since, so
   * what the namespace shows now is that call's doing.
   */
  private async reconciledReply(intent: UfsIntent): Promise<unknown> {
    const op = intent.call?.op;
    const exists = async (path: string): Promise<FileInfo | null> => this.getStatus(path).catch(() => null);
    if (intent.kind === 'rename') {
      return op === 'rename' && (await exists(intent.src)) === null && (await exists(intent.dst)) !== null ? {} : undefined;
    }
    const info = await exists(intent.paths[0]);
    if (op === 'delete') return info === null ? {} : undefined;
    if (op === 'createDirectory' || op === 'createSymlink') return info !== null ? { info } : undefined;
    return undefined; // setAttribute: idempotent, the retry runs it again
  }

  /** Resolves once no sweep is running (tests, clean shutdown). */
  sweepIdle(): Promise<void> {
    return this.sweeper.idle();
  }

  // ---------------------------------------------------------------- reads

  /** syncIntervalMs: the caller's override of the mount's sync interval (metadata-sync.ts). */
  async getStatus(path: string, syncIntervalMs?: number): Promise<FileInfo> {
    const names = parsePath(path);
    await this.metadataSync.syncEntryIfStale(names, syncIntervalMs);
    return this.sync.runLocked(async (locks) => {
      const resolved = await this.tree.lockPath(names, LockPattern.READ, locks);
      return this.toFileInfo(names, this.existing(resolved, path));
    });
  }

  /** getStatus, with the ids of the inodes on the way (the root's first, the path's own last): what a callback registers. */
  async getStatusWithIds(path: string, syncIntervalMs?: number): Promise<{ info: FileInfo; ids: number[]; keys: string[]; syncs: boolean }> {
    const names = parsePath(path);
    await this.metadataSync.syncEntryIfStale(names, syncIntervalMs);
    const syncs = this.metadataSync.syncsPeriodically(names);
    return this.sync.runLocked(async (locks) => {
      const resolved = await this.tree.lockPath(names, LockPattern.READ, locks);
      const info = this.toFileInfo(names, this.existing(resolved, path));
      const ids = resolved.inodes.map((i) => i.id);
      return { info, ids, keys: pathKeys(names, ids), syncs };
    });
  }

  /**
   * One page of path's entries. With ifChanged and the version the caller's
   * listing has, a directory still at that version answers unchanged only;
   * with compact, entries come as ListEntry (no path, URI or mount flags).
   * A directory still being loaded from its store is listed as far as it is
   * loaded; the caller's next page waits for the next loaded page, never for
   * the whole directory (a first `ls` of a million objects).
   */
  async listStatus(path: string, startAfter: string, limit: number, options: ListOptions = {}): Promise<ListStatusPage> {
    const names = parsePath(path);
    const pageSize = Math.min(limit > 0 ? limit : DEFAULT_LIST_PAGE, MAX_LIST_PAGE);
    if (startAfter === '') await this.metadataSync.syncIfStale(names, options.syncIntervalMs);
    let waitPast = startAfter;
    for (;;) {
      const result = await this.sync.runLocked(async (locks): Promise<ListStatusPage | { loading: number; through: string }> => {
        const resolved = await this.tree.lockPath(names, LockPattern.READ, locks);
        const inode = this.existing(resolved, path);
        const page: ListStatusPage = { entries: [], compactEntries: [], hasMore: false, childrenVersion: 0, unchanged: false, dirId: 0 };
        if (inode.kind !== InodeKind.DIR) {
          if (startAfter !== '') return page;
          if (options.compact) page.compactEntries.push(toListEntry(names[names.length - 1] ?? '', inode));
          else page.entries.push(this.toFileInfo(names, inode));
          return page;
        }
        let through: string | undefined;
        if (!inode.loaded) {
          through = this.sync.loadedThrough(names, inode.id);
          if (through === undefined || compareNames(through, waitPast) <= 0) return { loading: inode.id, through: through ?? waitPast };
        }
        page.dirId = inode.id;
        // The cache's version is never behind RocksDB's (entries are staged in
        // it before they are written): equal to a version a listing was read
        // at, nothing has changed since. (A directory still loading moves on.)
        if (through === undefined && options.ifChanged && startAfter === '' && inode.id === options.knownId && (inode.childrenVersion ?? 0) === options.knownVersion) {
          page.childrenVersion = options.knownVersion;
          page.unchanged = true;
          return page;
        }
        const { children, childrenVersion } = await this.tree.store.listPage(inode.id, startAfter, pageSize + 1);
        const loaded = through === undefined ? children : children.filter((c) => compareNames(c.name, through as string) <= 0);
        page.childrenVersion = childrenVersion;
        page.hasMore = loaded.length > pageSize || through !== undefined;
        for (const child of loaded.slice(0, pageSize)) {
          if (child.inode === null) continue;
          if (options.compact) page.compactEntries.push(toListEntry(child.name, child.inode));
          else page.entries.push(this.toFileInfo([...names, child.name], child.inode));
        }
        if (page.entries.length + page.compactEntries.length === 0 && through !== undefined) return { loading: inode.id, through };
        return page;
      });
      if (!('loading' in result)) return result;
      waitPast = result.through;
      await this.sync.loadPast(names, result.loading, waitPast);
    }
  }

  async getXattr(path: string, name: string): Promise<Buffer> {
    const names = parsePath(path);
    checkXattrName(path, name);
    return this.sync.runLocked(async (locks) => {
      const inode = this.existing(await this.tree.lockPath(names, LockPattern.READ, locks), path);
      const value = await readXattr(this.tree.store.rocks, inode.id, name);
      if (value === null) throw new StrataError(ErrorCode.NO_ATTRIBUTE, `${path}: no extended attribute ${name}`);
      return value;
    });
  }

  async listXattr(path: string): Promise<string[]> {
    const names = parsePath(path);
    return this.sync.runLocked(async (locks) => {
      const inode = this.existing(await this.tree.lockPath(names, LockPattern.READ, locks), path);
      return listXattrNames(this.tree.store.rocks, inode.id);
    });
  }

  getMountTable(): { mounts: MountInfo[] } {
    return { mounts: this.mounts.list().map(mountInfoOf) };
  }

  /**
   * A mount's options, secrets included, for a client that presents the
   * cluster token (clusterToken: the masters' own, null when none is set, in
   * which case secrets never leave the master). Compared in constant time.
   */
  getMountCredentials(mountId: number, presented: string, clusterToken: string | null): { options: Record<string, string> } {
    const ok = clusterToken !== null && presented !== '' && sameSecret(presented, clusterToken);
    if (!ok) {
      throw new StrataError(
        ErrorCode.PERMISSION_DENIED,
        clusterToken === null
          ? 'this cluster hands out no store credentials (its masters have no STRATA_CLUSTER_TOKEN): use credentials of your own'
          : 'wrong or missing cluster token (STRATA_CLUSTER_TOKEN): no store credentials',
      );
    }
    const mount = this.mounts.list().find((m) => m.id === mountId);
    if (mount === undefined) throw new StrataError(ErrorCode.NOT_FOUND, `no mount with id ${mountId}`);
    return { options: { ...mount.options } };
  }

  /** Re-lists path in its under store and makes the namespace agree (metadata-sync.ts). */
  syncMetadata(path: string, recursive: boolean, progressId = ''): Promise<SyncResponse> {
    return this.metadataSync.syncPath(path, recursive, progressId);
  }

  /** How far the sync started with progressId has got (running false when none runs under that id). */
  syncProgress(progressId: string): { running: boolean; entries: number; directories: number } {
    const progress = this.metadataSync.progressOf(progressId);
    return progress === null ? { running: false, entries: 0, directories: 0 } : { running: true, ...progress };
  }

  // ---------------------------------------------------------- mount table

  mount(req: MountRequest): Promise<{ mount: MountInfo }> {
    return this.mutate(req.caller, (caller) => this.mountOps.mount(req, (ops, reply) => this.propose(ops, caller, reply)));
  }

  unmount(req: UnmountRequest): Promise<Record<string, never>> {
    return this.mutate(req.caller, (caller) => this.mountOps.unmount(req, (ops, reply) => this.propose(ops, caller, reply)));
  }

  // ------------------------------------------------------------ mutations

  async createFile(req: CreateFileRequest): Promise<{ info: FileInfo; parentId?: number; parentChildrenVersion?: number }> {
    const names = parsePath(req.path);
    if (names.length === 0) throw new StrataError(ErrorCode.EXISTS, `${req.path}: is the root`);
    return this.mutate(req.caller, async (caller) => {
      if (req.recursive && names.length > 1) await this.mkdirs(names.slice(0, -1), req.uid, req.gid);
      return this.sync.runLocked(async (locks) => {
        const resolved = await this.tree.lockPath(names, LockPattern.WRITE_EDGE, locks);
        const parent = this.parentDir(resolved, req.path);
        const { mount } = this.mounts.resolve(names);
        this.checkWritable(mount, req.path);
        this.sync.checkNotFinishing([names], req.path);
        const old = target(resolved);
        const ops: EntryOp[] = [];
        if (old !== null) {
          if (!req.overwrite) throw new StrataError(ErrorCode.EXISTS, `${req.path}: File exists`);
          if (old.kind === InodeKind.DIR) throw new StrataError(ErrorCode.IS_DIRECTORY, `${req.path}: Is a directory`);
          ops.push({ op: 'deleteInode', id: old.id });
        }
        const now = this.clock();
        const inode = newInode(this.ids.take(), InodeKind.FILE, req.mode || 0o644, req.uid, req.gid, now);
        inode.complete = false;
        ops.push(...addEntryOps({ parentId: parent.id, name: names[names.length - 1] }, inode, now));
        const info = this.toFileInfo(names, inode);
        await this.propose(ops, caller, { info });
        // Only for a name added: a replaced one is in the caller's listing already.
        return old === null ? { info, ...(await this.parentAfter(parent.id)) } : { info };
      });
    });
  }

  async completeFile(req: CompleteFileRequest): Promise<{ info: FileInfo }> {
    const names = parsePath(req.path);
    return this.mutate(req.caller, async (caller) =>
      this.sync.runLocked(async (locks) => {
        const resolved = await this.tree.lockPath(names, LockPattern.WRITE_INODE, locks);
        const inode = this.existing(resolved, req.path);
        if (req.id !== 0 && inode.id !== req.id) {
          throw new StrataError(ErrorCode.NOT_FOUND, `${req.path}: the file was replaced or removed while being written`);
        }
        if (inode.kind !== InodeKind.FILE) throw new StrataError(ErrorCode.IS_DIRECTORY, `${req.path}: not a file`);
        this.checkWritable(this.mounts.resolve(names).mount, req.path);
        const now = this.clock();
        const next: Inode = {
          ...inode,
          size: req.size,
          mtimeMs: req.mtimeMs || now,
          ctimeMs: now,
          fingerprint: req.fingerprint,
          complete: true,
        };
        const info = this.toFileInfo(names, next);
        await this.propose([{ op: 'putInode', inode: next }], caller, { info });
        return { info };
      }),
    );
  }

  async createDirectory(req: CreateDirectoryRequest): Promise<{ info: FileInfo; parentId?: number; parentChildrenVersion?: number }> {
    const names = parsePath(req.path);
    return this.mutate(req.caller, async (caller) => {
      if (names.length === 0) {
        if (req.recursive) return { info: await this.getStatus('/') };
        throw new StrataError(ErrorCode.EXISTS, `${req.path}: File exists`);
      }
      if (req.recursive && names.length > 1) await this.mkdirs(names.slice(0, -1), req.uid, req.gid);
      return this.sync.runLocked(async (locks) => {
        const resolved = await this.tree.lockPath(names, LockPattern.WRITE_EDGE, locks);
        const parent = this.parentDir(resolved, req.path);
        const existing = target(resolved);
        if (existing !== null) {
          if (req.recursive && existing.kind === InodeKind.DIR) return { info: this.toFileInfo(names, existing) };
          throw new StrataError(ErrorCode.EXISTS, `${req.path}: File exists`);
        }
        const { mount, relPath } = this.mounts.resolve(names);
        this.checkWritable(mount, req.path);
        this.sync.checkNotFinishing([names], req.path);
        const mode = req.mode || 0o755;
        const ufs = await this.sync.ufs(mount);
        const closeIntent = await this.sync.changeUnderStore({ kind: 'paths', paths: [req.path], call: callOf('createDirectory', caller) }, () => ufs.mkdir(relPath, mode, true, { uid: req.uid, gid: req.gid }));
        const now = this.clock();
        const inode = newInode(this.ids.take(), InodeKind.DIR, mode, req.uid, req.gid, now);
        const info = this.toFileInfo(names, inode);
        await this.propose([...addEntryOps({ parentId: parent.id, name: names[names.length - 1] }, inode, now), ...closeIntent], caller, { info });
        return { info, ...(await this.parentAfter(parent.id)) };
      });
    });
  }

  async delete(req: DeleteRequest): Promise<Record<string, never>> {
    const names = parsePath(req.path);
    if (names.length === 0) throw new StrataError(ErrorCode.NOT_PERMITTED, '/: the root cannot be deleted');
    return this.mutate(req.caller, async (caller) =>
      this.sync.runLocked(async (locks) => {
        const resolved = await this.tree.lockPath(names, LockPattern.WRITE_EDGE, locks);
        const inode = this.existing(resolved, req.path);
        const parent = parentOf(resolved) as Inode;
        this.checkNoMountsBelow(names, req.path);
        const { mount, relPath } = this.mounts.resolve(names);
        this.checkWritable(mount, req.path);
        const isDir = inode.kind === InodeKind.DIR;
        // A non-empty directory (recursive) is detached in this one entry and
        // swept in the background: the user sees it gone at once, atomically,
        // and no entry grows with the size of the subtree.
        let detach = false;
        if (isDir) {
          if (!inode.loaded && !req.recursive) throw new NeedsLoad(names);
          if (await this.tree.store.hasChildren(inode.id)) {
            if (!req.recursive) throw new StrataError(ErrorCode.NOT_EMPTY, `${req.path}: Directory not empty`);
            detach = true;
          }
        }
        this.sync.checkNotFinishing([names], req.path);
        const ufs = await this.sync.ufs(mount);
        const uncommitted = inode.kind === InodeKind.FILE && !inode.complete;
        const closeIntent = await this.sync.changeUnderStore(uncommitted ? null : { kind: 'paths', paths: [req.path], call: callOf('delete', caller) }, () =>
          ufs.delete(relPath, req.recursive),
        );
        const now = this.clock();
        const ops = [...removeEntryOps({ parentId: parent.id, name: names[names.length - 1] }, inode, detach, now), ...closeIntent];
        await this.propose(ops, caller, {});
        if (detach) this.sweeper.kick();
        return {};
      }),
    );
  }

  async rename(req: RenameRequest): Promise<Record<string, never>> {
    const src = parsePath(req.src);
    const dst = parsePath(req.dst);
    if (src.length === 0) throw new StrataError(ErrorCode.NOT_PERMITTED, '/: the root cannot be renamed');
    if (dst.length === 0) throw new StrataError(ErrorCode.NOT_PERMITTED, '/: cannot rename onto the root');
    if (src.length < dst.length && isPrefix(src, dst)) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${req.src}: cannot move a directory into itself (${req.dst})`);
    }
    return this.mutate(req.caller, async (caller) =>
      this.sync.runLocked(async (locks) => {
        const [from, to] = await this.tree.lockTwo(src, dst, LockPattern.WRITE_EDGE, locks);
        const moving = this.existing(from, req.src);
        const srcParent = parentOf(from) as Inode;
        const dstParent = this.parentDir(to, req.dst);
        if (joinPath(src) === joinPath(dst)) return {};
        const srcMount = this.mounts.resolve(src);
        const dstMount = this.mounts.resolve(dst);
        this.checkNoMountsBelow(src, req.src);
        if (srcMount.mount.id !== dstMount.mount.id) {
          throw new StrataError(ErrorCode.CROSS_DEVICE, `${req.src}: cannot rename across under stores (to ${req.dst})`);
        }
        this.checkWritable(srcMount.mount, req.src);
        const replaced = target(to);
        if (replaced !== null) {
          if (replaced.id === moving.id) return {}; // the same file under two names
          if (moving.kind === InodeKind.DIR) {
            if (replaced.kind !== InodeKind.DIR) throw new StrataError(ErrorCode.NOT_DIRECTORY, `${req.dst}: Not a directory`);
            if (!replaced.loaded) throw new NeedsLoad(dst);
            if (await this.tree.store.hasChildren(replaced.id)) {
              throw new StrataError(ErrorCode.NOT_EMPTY, `${req.dst}: Directory not empty`);
            }
          } else if (replaced.kind === InodeKind.DIR) {
            throw new StrataError(ErrorCode.IS_DIRECTORY, `${req.dst}: Is a directory`);
          }
        }
        this.sync.checkNotFinishing([src, dst], req.src);
        const ufs = await this.sync.ufs(srcMount.mount);
        // Data of a file not committed yet is not the namespace's business: no intent.
        const uncommitted = moving.kind === InodeKind.FILE && !moving.complete;
        const renameInStore = async () => {
          try {
            await ufs.rename(srcMount.relPath, dstMount.relPath);
          } catch (err) {
            // A file still being written has no data in the under store yet.
            const tolerable = err instanceof StrataError && err.code === ErrorCode.NOT_FOUND && !moving.complete;
            if (!tolerable) throw err;
          }
        };
        // A store whose renames are copies (S3) can fail part way: its intent then stays open until finished.
        const closeIntent = uncommitted
          ? await this.sync.changeUnderStore(null, renameInStore)
          : ufs.resumeRename !== undefined
            ? await this.sync.renameInUnderStore({ kind: 'rename', src: req.src, dst: req.dst, call: callOf('rename', caller) }, renameInStore, (intent) => this.reconciledReply(intent))
            : await this.sync.changeUnderStore({ kind: 'rename', src: req.src, dst: req.dst, call: callOf('rename', caller) }, renameInStore);
        const now = this.clock();
        const ops = moveEntryOps(
          { parentId: srcParent.id, name: src[src.length - 1] },
          { parentId: dstParent.id, name: dst[dst.length - 1] },
          moving,
          replaced,
          now,
        );
        ops.push(...closeIntent);
        await this.propose(ops, caller, {});
        return {};
      }),
    );
  }

  async setAttribute(req: SetAttributeRequest): Promise<{ info: FileInfo }> {
    const names = parsePath(req.path);
    return this.mutate(req.caller, async (caller) =>
      this.sync.runLocked(async (locks) => {
        const resolved = await this.tree.lockPath(names, LockPattern.WRITE_INODE, locks);
        const inode = this.existing(resolved, req.path);
        const { mount, relPath } = this.mounts.resolve(names);
        this.checkWritable(mount, req.path);
        // Every check before the first under store change: bad input changes nothing.
        if (req.mode !== undefined && req.mode > 0o7777) {
          throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${req.path}: invalid mode ${req.mode.toString(8)}`);
        }
        if (req.size !== undefined) {
          if (inode.kind !== InodeKind.FILE) throw new StrataError(ErrorCode.IS_DIRECTORY, `${req.path}: can only truncate a file`);
          if (req.size < 0 || !Number.isSafeInteger(req.size)) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${req.path}: invalid size`);
        }
        if (req.mtimeMs !== undefined && (!Number.isSafeInteger(req.mtimeMs) || req.mtimeMs < 0)) {
          throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${req.path}: invalid mtime ${req.mtimeMs}`);
        }
        const now = this.clock();
        const next: Inode = { ...inode, ctimeMs: now };
        const ops: EntryOp[] = [];
        const ufs = await this.sync.ufs(mount);
        const hasUfsData = inode.complete || inode.kind === InodeKind.DIR;
        if (req.mode !== undefined) next.mode = req.mode;
        if (req.uid !== undefined) next.uid = req.uid;
        if (req.gid !== undefined) next.gid = req.gid;
        // The mtime goes to the store too (a local entry's own, an S3 object's metadata), with the other
        // attributes in one change, or after a truncate (which sets the store's mtime itself).
        const mtimeLater = req.mtimeMs !== undefined && req.size !== undefined;
        const attrs = { mode: req.mode, uid: req.uid, gid: req.gid, mtimeMs: mtimeLater ? undefined : req.mtimeMs };
        if ((attrs.mode ?? attrs.uid ?? attrs.gid ?? attrs.mtimeMs) !== undefined && inode.kind !== InodeKind.SYMLINK && hasUfsData) {
          // Kept in the store too (an S3 object's metadata), so that a sync or a fresh load keeps them;
          // a copy that gave the object a new ETag is no change of content (UfsAttributeChange).
          ops.push(...(await this.sync.changeUnderStore({ kind: 'paths', paths: [req.path] }, async () => {
            const change = await setUfsAttributes(ufs, relPath, attrs);
            if (change !== null && inode.kind === InodeKind.FILE && change.fingerprintBefore === inode.fingerprint) next.fingerprint = change.fingerprintAfter;
          })));
        }
        if (req.atimeMs !== undefined) next.atimeMs = req.atimeMs;
        if (req.mtimeMs !== undefined) next.mtimeMs = req.mtimeMs;
        if (req.size !== undefined) {
          if (inode.complete) {
            const size = req.size;
            ops.push(
              ...(await this.sync.changeUnderStore({ kind: 'paths', paths: [req.path] }, async () => {
                next.fingerprint = (await ufs.truncate(relPath, size)).fingerprint;
              })),
            );
          }
          next.size = req.size;
          if (req.mtimeMs === undefined) next.mtimeMs = now;
        }
        if (mtimeLater && inode.complete) {
          const times = { mtimeMs: req.mtimeMs };
          ops.push(
            ...(await this.sync.changeUnderStore({ kind: 'paths', paths: [req.path] }, async () => {
              const change = await setUfsAttributes(ufs, relPath, times);
              if (change !== null && change.fingerprintBefore === next.fingerprint) next.fingerprint = change.fingerprintAfter;
            })),
          );
        }
        const info = this.toFileInfo(names, next);
        await this.propose([{ op: 'putInode', inode: next }, ...ops], caller, { info });
        return { info };
      }),
    );
  }

  /** setxattr(2): locks the inode for writing, so flags are checked against what is applied. */
  async setXattr(req: SetXattrRequest): Promise<Record<string, never>> {
    const names = parsePath(req.path);
    checkXattrName(req.path, req.name);
    const value = Buffer.from(req.value);
    checkXattrValue(req.path, value);
    return this.mutate(req.caller, async (caller) =>
      this.sync.runLocked(async (locks) => {
        const inode = this.existing(await this.tree.lockPath(names, LockPattern.WRITE_INODE, locks), req.path);
        this.checkWritable(this.mounts.resolve(names).mount, req.path);
        const present = (await readXattr(this.tree.store.rocks, inode.id, req.name)) !== null;
        checkXattrFlags(req.path, req.name, req.flags, present);
        const next: Inode = { ...inode, hasXattrs: true, ctimeMs: Math.max(inode.ctimeMs, this.clock()) };
        await this.propose([{ op: 'putXattr', id: inode.id, name: req.name, value: value.toString('base64') }, { op: 'putInode', inode: next }], caller, {});
        return {};
      }),
    );
  }

  async removeXattr(req: RemoveXattrRequest): Promise<Record<string, never>> {
    const names = parsePath(req.path);
    checkXattrName(req.path, req.name);
    return this.mutate(req.caller, async (caller) =>
      this.sync.runLocked(async (locks) => {
        const inode = this.existing(await this.tree.lockPath(names, LockPattern.WRITE_INODE, locks), req.path);
        this.checkWritable(this.mounts.resolve(names).mount, req.path);
        if ((await readXattr(this.tree.store.rocks, inode.id, req.name)) === null) {
          throw new StrataError(ErrorCode.NO_ATTRIBUTE, `${req.path}: no extended attribute ${req.name}`);
        }
        const next: Inode = { ...inode, ctimeMs: Math.max(inode.ctimeMs, this.clock()) };
        await this.propose([{ op: 'deleteXattr', id: inode.id, name: req.name }, { op: 'putInode', inode: next }], caller, {});
        return {};
      }),
    );
  }

  async createSymlink(req: CreateSymlinkRequest): Promise<{ info: FileInfo; parentId?: number; parentChildrenVersion?: number }> {
    const names = parsePath(req.path);
    if (names.length === 0) throw new StrataError(ErrorCode.EXISTS, '/: File exists');
    if (req.target === '' || req.target.includes('\0') || Buffer.byteLength(req.target) > 4096) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${req.path}: invalid symlink target`);
    }
    return this.mutate(req.caller, async (caller) =>
      this.sync.runLocked(async (locks) => {
        const resolved = await this.tree.lockPath(names, LockPattern.WRITE_EDGE, locks);
        const parent = this.parentDir(resolved, req.path);
        if (exists(resolved)) throw new StrataError(ErrorCode.EXISTS, `${req.path}: File exists`);
        const { mount, relPath } = this.mounts.resolve(names);
        this.checkWritable(mount, req.path);
        this.sync.checkNotFinishing([names], req.path);
        const ufs = await this.sync.ufs(mount);
        const closeIntent = await this.sync.changeUnderStore({ kind: 'paths', paths: [req.path], call: callOf('createSymlink', caller) }, () => ufs.symlink(relPath, req.target));
        const now = this.clock();
        const inode = newInode(this.ids.take(), InodeKind.SYMLINK, 0o777, req.uid, req.gid, now);
        inode.symlinkTarget = req.target;
        inode.size = Buffer.byteLength(req.target);
        const info = this.toFileInfo(names, inode);
        await this.propose([...addEntryOps({ parentId: parent.id, name: names[names.length - 1] }, inode, now), ...closeIntent], caller, { info });
        return { info, ...(await this.parentAfter(parent.id)) };
      }),
    );
  }








  // -------------------------------------------------------------- helpers


  /**
   * Answers a retried call from the state machine's memory, joins a copy of
   * a call still in flight, or runs a new call.
   */
  private mutate<T>(caller: CallerId | null, run: (record: CallerRecord | undefined) => Promise<T>): Promise<T> {
    if (caller === null || caller.clientId === '') return run(undefined);
    const key = caller.clientId + '#' + caller.seq;
    const inflight = this.inflightCalls.get(key);
    if (inflight !== undefined) return inflight as Promise<T>;
    const record: CallerRecord = {
      clientId: caller.clientId,
      seq: caller.seq,
      firstIncomplete: caller.firstIncomplete ?? 0,
      term: this.leadership.term(),
      proposed: false,
    };
    const call = (async () => {
      // A seq above every applied one is new; only others may be retries.
      if (caller.seq <= (await this.sm.highestSeq(caller.clientId))) {
        const reply = await this.sm.callerReply(caller.clientId, caller.seq);
        if (reply !== undefined) return reply as T;
      }
      const result = await run(record);
      // Decided on this master's state alone (mkdir -p of what exists, a
      // rename onto itself): confirm it still led, as a read does.
      if (!record.proposed) await this.leadership.confirm(record.term ?? 0);
      return result;
    })();
    this.inflightCalls.set(key, call);
    const forget = () => this.inflightCalls.delete(key);
    call.then(forget, forget);
    return call;
  }

  private async propose(ops: EntryOp[], caller: CallerRecord | undefined, reply: unknown): Promise<void> {
    const entry: JournalEntry = { ops };
    if (caller !== undefined) {
      entry.caller = {
        clientId: caller.clientId,
        seq: caller.seq,
        // Trim the client's old replies once per window, deterministically.
        firstIncomplete: caller.seq % CALLER_TRIM_WINDOW === 0 ? caller.firstIncomplete : 0,
      };
      entry.reply = reply;
      caller.proposed = true;
    }
    await this.sm.propose(entry, caller?.term);
  }


  /**
   * A directory's children_version, read after a change of the caller's was
   * applied: the caller's change and whatever was applied since (the cache
   * is never behind what was applied), so it is one more than the version
   * the caller saw before only if nothing else changed the names meanwhile.
   * Not part of the journaled reply: a retry answered from memory says 0.
   */
  private async parentAfter(id: number): Promise<{ parentId: number; parentChildrenVersion: number }> {
    const dir = await this.tree.store.getInode(id);
    return dir === null ? { parentId: 0, parentChildrenVersion: 0 } : { parentId: id, parentChildrenVersion: dir.childrenVersion ?? 0 };
  }

  /** mkdir -p of the given directory path (each level its own entry). */
  private async mkdirs(names: string[], uid: number, gid: number): Promise<void> {
    for (let depth = 1; depth <= names.length; depth++) {
      const prefix = names.slice(0, depth);
      try {
        await this.createDirectory({ caller: null, path: joinPath(prefix), mode: 0o755, uid, gid, recursive: false });
      } catch (err) {
        if (!(err instanceof StrataError && err.code === ErrorCode.EXISTS)) throw err;
      }
    }
  }







  private existing(resolved: LockedPath, path: string): Inode {
    const inode = target(resolved);
    if (inode !== null) return inode;
    const deepest = resolved.inodes[resolved.inodes.length - 1];
    if (deepest.kind !== InodeKind.DIR) throw new StrataError(ErrorCode.NOT_DIRECTORY, `${path}: Not a directory`);
    throw new StrataError(ErrorCode.NOT_FOUND, `${path}: No such file or directory`);
  }

  private parentDir(resolved: LockedPath, path: string): Inode {
    const parent = parentOf(resolved);
    if (parent === null) {
      const deepest = resolved.inodes[resolved.inodes.length - 1];
      if (deepest.kind !== InodeKind.DIR) throw new StrataError(ErrorCode.NOT_DIRECTORY, `${path}: Not a directory`);
      throw new StrataError(ErrorCode.NOT_FOUND, `${path}: No such file or directory`);
    }
    if (parent.kind !== InodeKind.DIR) throw new StrataError(ErrorCode.NOT_DIRECTORY, `${path}: Not a directory`);
    return parent;
  }

  private checkWritable(mount: MountEntry, path: string): void {
    if (mount.readOnly) throw new StrataError(ErrorCode.READ_ONLY, `${path}: Read-only file system`);
  }

  private checkNoMountsBelow(names: string[], path: string): void {
    for (const mount of this.mounts.list()) {
      if (mount.path === '/') continue;
      if (isPrefix(names, parsePath(mount.path))) {
        throw new StrataError(ErrorCode.NOT_PERMITTED, `${path}: ${mount.path} is a mount point; unmount it first`);
      }
    }
  }


  toFileInfo(names: string[], inode: Inode): FileInfo {
    const { mount, relPath } = this.mounts.resolve(names);
    return {
      ...toListEntry(names.length === 0 ? '' : names[names.length - 1], inode),
      path: joinPath(names),
      // names are checked already: plain concatenation is what joinUfsUri would give.
      ufsUri: relPath === '' ? mount.ufsUri : (mount.ufsUri.endsWith('/') ? mount.ufsUri : mount.ufsUri + '/') + relPath,
      mountPoint: relPath === '' && names.length > 0,
      readOnly: mount.readOnly,
      fingerprint: inode.fingerprint,
    };
  }

  /** Stops background work (the sweeper) at its next entry; resumed on restart. */
  async stopBackground(): Promise<void> {
    await this.sweeper.stop();
  }

  /** No longer leading: stop background work and drop the stores opened (another leader may change the mounts). */
  async stopLeading(): Promise<void> {
    // Both take effect before this returns to the event loop, so a leadership
    // regained while the sweeper stops is not undone by this one's end.
    const fenced = this.fence.close('this master stopped leading');
    const closed = this.sync.close();
    await Promise.all([fenced, this.stopBackground(), closed]);
  }

  /**
   * Before the lead is handed over (a transfer skips the followers' vote
   * lease): no more under store changes, and those in flight cut off and
   * settled, at most waitMs.
   */
  fenceOff(waitMs: number): Promise<void> {
    return this.fence.close('the lead is being handed over', waitMs);
  }

  /** How long from now no other master can lead (0: unknown now), see store-fence.ts. */
  leaseLeft(term: number): number {
    return this.fence.leaseLeft(term);
  }

  /** For a read (or a call that changed nothing) that ran: this master led all along (see store-fence.ts). */
  confirmRead(term: number): Promise<void> {
    return this.fence.confirmRead(term);
  }

  /**
   * A hand-off that did not happen: this master changes stores again, in
   * term, and reconciles (a lease's time on) the changes the hand-off cut off.
   */
  resumeLeading(term: number): void {
    this.fence.open(term);
    this.sync.reconcileIntents((intent) => this.reconciledReply(intent)).catch((err: unknown) => {
      process.stderr.write(`strata master: reconciling after a failed hand-off: ${String(err)}\n`);
    });
  }

  /** Stops background work, then closes the under stores. */
  async close(): Promise<void> {
    await this.fence.close('the master is closing');
    await this.stopBackground();
    await this.sync.close();
  }
}

/** Whether two secrets are equal, in time that does not depend on where they differ. */
function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

export interface ListOptions {
  /** Answer unchanged when path is still directory knownId at children_version knownVersion. */
  ifChanged?: boolean;
  knownId?: number;
  knownVersion?: number;
  /** Entries as ListEntry. */
  compact?: boolean;
  /** Overrides the mount's sync interval for this call (see GetStatusRequest). */
  syncIntervalMs?: number;
}

/** What a stat(2) of the entry shows; FileInfo adds what names and mounts say of it. */
function toListEntry(name: string, inode: Inode): ListEntry {
  return {
    id: inode.id,
    name,
    type: inode.kind === InodeKind.DIR ? 'DIRECTORY' : inode.kind === InodeKind.FILE ? 'FILE' : 'SYMLINK',
    mode: inode.mode,
    uid: inode.uid,
    gid: inode.gid,
    size: inode.size,
    mtimeMs: inode.mtimeMs,
    atimeMs: inode.atimeMs,
    ctimeMs: inode.ctimeMs,
    nlink: inode.nlink,
    symlinkTarget: inode.symlinkTarget,
    complete: inode.complete,
    childrenVersion: inode.childrenVersion ?? 0,
  };
}

/** The call an intent belongs to, when a client (with a caller id) made it. */
function callOf(op: NonNullable<UfsIntent['call']>['op'], caller: CallerRecord | undefined): UfsIntent['call'] {
  if (caller === undefined) return undefined;
  caller.proposed = true; // the intent is an entry of the call
  return { op, caller: { clientId: caller.clientId, seq: caller.seq, firstIncomplete: 0, term: caller.term } };
}
