// The file system operations of the master: one method per API call, shared
// by the unary gRPC methods and the Session stream. Each mutation follows
// DESIGN.md: take the locks, validate against the current state, make the
// under store change, turn the change into one journal entry with every
// nondeterministic value fixed, propose it, reply once it is applied, and
// only then release the locks.

import type {
  CallerId,
  CompleteFileRequest,
  CreateDirectoryRequest,
  CreateFileRequest,
  CreateSymlinkRequest,
  DeleteRequest,
  FileInfo,
  ListStatusPage,
  MountInfo,
  RenameRequest,
  SetAttributeRequest,
} from '../common/api';
import { ErrorCode, StrataError } from '../common/errors';
import { isPrefix, joinPath, parsePath } from '../common/paths';
import type { UfsStatus, UnderStore } from '../ufs/under-store';
import { openUnderStore } from '../ufs/registry';
import { Inode, InodeKind, ROOT_ID } from './inode';
import { InodeTree, LockPattern, LockedPath, NeedsLoad, exists, parentOf, target } from './inode-tree';
import { LockMode, LockSet, edgeLockKey } from './lock-manager';
import { CallerRecord, EntryOp, JournalEntry } from './journal/entry';
import { MountEntry, MountTable, redactOptions } from './mount-table';
import { LruCache } from './inode-store';
import { Prefix, readU64 } from './rocks-store';
import type { StateMachine } from './state-machine';

export const DEFAULT_LIST_PAGE = 1000;
const MAX_LIST_PAGE = 10_000;
/** Replies of retried calls older than this many seqs are trimmed (one range delete per window). */
const CALLER_TRIM_WINDOW = 1024;
/** Ops per journal entry when sweeping a deleted subtree. */
const SWEEP_BATCH = 1000;

export class FileSystemMaster {
  private nextId: number;
  private readonly ufsByMount = new Map<number, Promise<UnderStore>>();
  /** Directory loads under way, by path, so concurrent misses share one. */
  private readonly loading = new Map<string, Promise<void>>();
  private readonly inflightCalls = new Map<string, Promise<unknown>>();
  private readonly knownClients = new LruCache<string, true>(100_000);
  private sweeping: Promise<void> | null = null;
  private sweepAgain = false;
  private closed = false;

  constructor(
    /** Public for tests and diagnostics (its lock manager shows what is held). */
    readonly tree: InodeTree,
    private readonly sm: StateMachine,
    private readonly mounts: MountTable,
    firstFreeId: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.nextId = firstFreeId;
  }

  // ---------------------------------------------------------------- reads

  async getStatus(path: string): Promise<FileInfo> {
    const names = parsePath(path);
    return this.withLocks(async (locks) => {
      const resolved = await this.tree.lockPath(names, LockPattern.READ, locks);
      return this.toFileInfo(names, this.existing(resolved, path));
    });
  }

  async listStatus(path: string, startAfter: string, limit: number): Promise<ListStatusPage> {
    const names = parsePath(path);
    const pageSize = Math.min(limit > 0 ? limit : DEFAULT_LIST_PAGE, MAX_LIST_PAGE);
    return this.withLocks(async (locks) => {
      const resolved = await this.tree.lockPath(names, LockPattern.READ, locks);
      const inode = this.existing(resolved, path);
      if (inode.kind !== InodeKind.DIR) {
        return { entries: startAfter === '' ? [this.toFileInfo(names, inode)] : [], hasMore: false };
      }
      if (!inode.loaded) throw new NeedsLoad(names);
      const children = await this.tree.store.listChildren(inode.id, startAfter, pageSize + 1);
      const hasMore = children.length > pageSize;
      const page = hasMore ? children.slice(0, pageSize) : children;
      const inodes = await Promise.all(page.map((c) => this.tree.store.getInode(c.id)));
      const entries: FileInfo[] = [];
      page.forEach((child, i) => {
        const childInode = inodes[i];
        if (childInode !== null) entries.push(this.toFileInfo([...names, child.name], childInode));
      });
      return { entries, hasMore };
    });
  }

  getMountTable(): { mounts: MountInfo[] } {
    return {
      mounts: this.mounts.list().map((m) => ({
        path: m.path,
        ufsUri: m.ufsUri,
        readOnly: m.readOnly,
        options: redactOptions(m.options),
        mountId: m.id,
      })),
    };
  }

  // ------------------------------------------------------------ mutations

  async createFile(req: CreateFileRequest): Promise<{ info: FileInfo }> {
    const names = parsePath(req.path);
    if (names.length === 0) throw new StrataError(ErrorCode.EXISTS, `${req.path}: is the root`);
    return this.mutate(req.caller, async (caller) => {
      if (req.recursive && names.length > 1) await this.mkdirs(names.slice(0, -1), req.uid, req.gid);
      return this.withLocks(async (locks) => {
        const resolved = await this.tree.lockPath(names, LockPattern.WRITE_EDGE, locks);
        const parent = this.parentDir(resolved, req.path);
        const { mount } = this.mounts.resolve(names);
        this.checkWritable(mount, req.path);
        const old = target(resolved);
        const ops: EntryOp[] = [];
        if (old !== null) {
          if (!req.overwrite) throw new StrataError(ErrorCode.EXISTS, `${req.path}: File exists`);
          if (old.kind === InodeKind.DIR) throw new StrataError(ErrorCode.IS_DIRECTORY, `${req.path}: Is a directory`);
          ops.push({ op: 'deleteInode', id: old.id });
        }
        const now = this.clock();
        const inode = this.newInode(InodeKind.FILE, req.mode || 0o644, req.uid, req.gid, now);
        inode.complete = false;
        ops.push({ op: 'putInode', inode }, { op: 'putEdge', parent: parent.id, name: names[names.length - 1], child: inode.id });
        ops.push({ op: 'touchDir', id: parent.id, mtimeMs: now, nlinkDelta: 0 });
        const info = this.toFileInfo(names, inode);
        await this.propose(ops, caller, { info });
        return { info };
      });
    });
  }

  async completeFile(req: CompleteFileRequest): Promise<{ info: FileInfo }> {
    const names = parsePath(req.path);
    return this.mutate(req.caller, async (caller) =>
      this.withLocks(async (locks) => {
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

  async createDirectory(req: CreateDirectoryRequest): Promise<{ info: FileInfo }> {
    const names = parsePath(req.path);
    return this.mutate(req.caller, async (caller) => {
      if (names.length === 0) {
        if (req.recursive) return { info: await this.getStatus('/') };
        throw new StrataError(ErrorCode.EXISTS, `${req.path}: File exists`);
      }
      if (req.recursive && names.length > 1) await this.mkdirs(names.slice(0, -1), req.uid, req.gid);
      return this.withLocks(async (locks) => {
        const resolved = await this.tree.lockPath(names, LockPattern.WRITE_EDGE, locks);
        const parent = this.parentDir(resolved, req.path);
        const existing = target(resolved);
        if (existing !== null) {
          if (req.recursive && existing.kind === InodeKind.DIR) return { info: this.toFileInfo(names, existing) };
          throw new StrataError(ErrorCode.EXISTS, `${req.path}: File exists`);
        }
        const { mount, relPath } = this.mounts.resolve(names);
        this.checkWritable(mount, req.path);
        const mode = req.mode || 0o755;
        const ufs = await this.ufs(mount);
        const closeIntent = await this.changeUnderStore([req.path], () => ufs.mkdir(relPath, mode, true));
        const now = this.clock();
        const inode = this.newInode(InodeKind.DIR, mode, req.uid, req.gid, now);
        const info = this.toFileInfo(names, inode);
        await this.propose(
          [
            { op: 'putInode', inode },
            { op: 'putEdge', parent: parent.id, name: names[names.length - 1], child: inode.id },
            { op: 'touchDir', id: parent.id, mtimeMs: now, nlinkDelta: 1 },
            closeIntent,
          ],
          caller,
          { info },
        );
        return { info };
      });
    });
  }

  async delete(req: DeleteRequest): Promise<Record<string, never>> {
    const names = parsePath(req.path);
    if (names.length === 0) throw new StrataError(ErrorCode.NOT_PERMITTED, '/: the root cannot be deleted');
    return this.mutate(req.caller, async (caller) =>
      this.withLocks(async (locks) => {
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
        const ufs = await this.ufs(mount);
        const closeIntent = await this.changeUnderStore([req.path], () => ufs.delete(relPath, req.recursive));
        const now = this.clock();
        const ops: EntryOp[] = [
          { op: 'deleteEdge', parent: parent.id, name: names[names.length - 1] },
          detach ? { op: 'trash', id: inode.id } : { op: 'deleteInode', id: inode.id },
          { op: 'touchDir', id: parent.id, mtimeMs: now, nlinkDelta: isDir ? -1 : 0 },
          closeIntent,
        ];
        await this.propose(ops, caller, {});
        if (detach) this.kickSweeper();
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
      this.withLocks(async (locks) => {
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
        const ufs = await this.ufs(srcMount.mount);
        const closeIntent = await this.changeUnderStore([req.src, req.dst], async () => {
          try {
            await ufs.rename(srcMount.relPath, dstMount.relPath);
          } catch (err) {
            // A file still being written has no data in the under store yet.
            const tolerable = err instanceof StrataError && err.code === ErrorCode.NOT_FOUND && !moving.complete;
            if (!tolerable) throw err;
          }
        });
        const now = this.clock();
        const isDir = moving.kind === InodeKind.DIR ? 1 : 0;
        const ops: EntryOp[] = [
          { op: 'deleteEdge', parent: srcParent.id, name: src[src.length - 1] },
          { op: 'putEdge', parent: dstParent.id, name: dst[dst.length - 1], child: moving.id },
        ];
        let dstDelta = isDir;
        if (replaced !== null) {
          ops.push({ op: 'deleteInode', id: replaced.id });
          if (replaced.kind === InodeKind.DIR) dstDelta -= 1;
        }
        ops.push({ op: 'touchDir', id: srcParent.id, mtimeMs: now, nlinkDelta: -isDir });
        ops.push({ op: 'touchDir', id: dstParent.id, mtimeMs: now, nlinkDelta: dstDelta });
        ops.push(closeIntent);
        await this.propose(ops, caller, {});
        return {};
      }),
    );
  }

  async setAttribute(req: SetAttributeRequest): Promise<{ info: FileInfo }> {
    const names = parsePath(req.path);
    return this.mutate(req.caller, async (caller) =>
      this.withLocks(async (locks) => {
        const resolved = await this.tree.lockPath(names, LockPattern.WRITE_INODE, locks);
        const inode = this.existing(resolved, req.path);
        const { mount, relPath } = this.mounts.resolve(names);
        this.checkWritable(mount, req.path);
        const now = this.clock();
        const next: Inode = { ...inode, ctimeMs: now };
        const ops: EntryOp[] = [];
        const ufs = await this.ufs(mount);
        const hasUfsData = inode.complete || inode.kind === InodeKind.DIR;
        if (req.mode !== undefined) {
          if (req.mode > 0o7777) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${req.path}: invalid mode ${req.mode.toString(8)}`);
          next.mode = req.mode;
          const mode = req.mode;
          if (inode.kind !== InodeKind.SYMLINK && hasUfsData) {
            ops.push(await this.changeUnderStore([req.path], () => ufs.chmod(relPath, mode)));
          }
        }
        if (req.uid !== undefined) next.uid = req.uid;
        if (req.gid !== undefined) next.gid = req.gid;
        if (req.atimeMs !== undefined) next.atimeMs = req.atimeMs;
        if (req.mtimeMs !== undefined) next.mtimeMs = req.mtimeMs;
        if (req.size !== undefined) {
          if (inode.kind !== InodeKind.FILE) throw new StrataError(ErrorCode.IS_DIRECTORY, `${req.path}: can only truncate a file`);
          if (req.size < 0 || !Number.isSafeInteger(req.size)) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${req.path}: invalid size`);
          if (inode.complete) {
            const size = req.size;
            ops.push(
              await this.changeUnderStore([req.path], async () => {
                next.fingerprint = (await ufs.truncate(relPath, size)).fingerprint;
              }),
            );
          }
          next.size = req.size;
          if (req.mtimeMs === undefined) next.mtimeMs = now;
        }
        const info = this.toFileInfo(names, next);
        await this.propose([{ op: 'putInode', inode: next }, ...ops], caller, { info });
        return { info };
      }),
    );
  }

  async createSymlink(req: CreateSymlinkRequest): Promise<{ info: FileInfo }> {
    const names = parsePath(req.path);
    if (names.length === 0) throw new StrataError(ErrorCode.EXISTS, '/: File exists');
    if (req.target === '' || req.target.includes('\0') || Buffer.byteLength(req.target) > 4096) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${req.path}: invalid symlink target`);
    }
    return this.mutate(req.caller, async (caller) =>
      this.withLocks(async (locks) => {
        const resolved = await this.tree.lockPath(names, LockPattern.WRITE_EDGE, locks);
        const parent = this.parentDir(resolved, req.path);
        if (exists(resolved)) throw new StrataError(ErrorCode.EXISTS, `${req.path}: File exists`);
        const { mount, relPath } = this.mounts.resolve(names);
        this.checkWritable(mount, req.path);
        const ufs = await this.ufs(mount);
        const closeIntent = await this.changeUnderStore([req.path], () => ufs.symlink(relPath, req.target));
        const now = this.clock();
        const inode = this.newInode(InodeKind.SYMLINK, 0o777, req.uid, req.gid, now);
        inode.symlinkTarget = req.target;
        inode.size = Buffer.byteLength(req.target);
        const info = this.toFileInfo(names, inode);
        await this.propose(
          [
            { op: 'putInode', inode },
            { op: 'putEdge', parent: parent.id, name: names[names.length - 1], child: inode.id },
            { op: 'touchDir', id: parent.id, mtimeMs: now, nlinkDelta: 0 },
            closeIntent,
          ],
          caller,
          { info },
        );
        return { info };
      }),
    );
  }

  // ------------------------------------------------------------ recovery

  /**
   * Reconciles the paths of under store changes that a crash left between
   * the change and its namespace entry (open intents) with what the under
   * store now holds: the under store is the truth for data that lives in it.
   * Runs at start, before the master serves. Returns the intents closed.
   */
  async reconcileIntents(): Promise<number> {
    const rows = await this.tree.store.rocks.scan({ gte: Buffer.from([Prefix.INTENT]), lt: Buffer.from([Prefix.INTENT + 1]) }, 1_000_000);
    for (const row of rows) {
      const paths = (JSON.parse(row.value.toString('utf8')) as string[]).map((p) => parsePath(p));
      paths.sort((a, b) => a.length - b.length); // parents before children
      for (const names of paths) await this.reconcilePath(names);
      await this.sm.propose({ ops: [{ op: 'clearIntent', id: readU64(row.key, 1) }] });
    }
    return rows.length;
  }

  /** Makes one path of the namespace agree with its under store. */
  private async reconcilePath(names: string[]): Promise<void> {
    if (names.length === 0 || this.mounts.list().some((m) => m.path === joinPath(names))) return;
    await this.withLocks(async (locks) => {
      const resolved = await this.tree.lockPath(names, LockPattern.WRITE_EDGE, locks);
      const parent = parentOf(resolved);
      if (parent === null || parent.kind !== InodeKind.DIR) return; // reconciled (or removed) with its parent
      const { mount, relPath } = this.mounts.resolve(names);
      const status = await (await this.ufs(mount)).stat(relPath);
      const name = names[names.length - 1];
      const node = target(resolved);
      const now = this.clock();
      const ops: EntryOp[] = [];
      if (node !== null) {
        if (node.kind === InodeKind.FILE && !node.complete) return; // no data in the store yet: nothing to compare
        if (status !== null && kindOfUfs(status) === node.kind) {
          if (node.kind === InodeKind.SYMLINK || (status.fingerprint === node.fingerprint && status.mode === node.mode)) return;
          const refreshed: Inode = { ...node, mode: status.mode, ctimeMs: now };
          if (node.kind === InodeKind.FILE) Object.assign(refreshed, { size: status.size, mtimeMs: status.mtimeMs, fingerprint: status.fingerprint });
          await this.sm.propose({ ops: [{ op: 'putInode', inode: refreshed }] });
          return;
        }
        // Gone from the under store, or replaced by another kind of entry.
        const isDir = node.kind === InodeKind.DIR;
        const detach = isDir && (await this.tree.store.hasChildren(node.id));
        ops.push(
          { op: 'deleteEdge', parent: parent.id, name },
          detach ? { op: 'trash', id: node.id } : { op: 'deleteInode', id: node.id },
          { op: 'touchDir', id: parent.id, mtimeMs: now, nlinkDelta: isDir ? -1 : 0 },
        );
        if (detach) this.kickSweeper();
      }
      if (status !== null && isRepresentableName(name)) {
        const inode = this.inodeFromUfs(status);
        ops.push(
          { op: 'putInode', inode },
          { op: 'putEdge', parent: parent.id, name, child: inode.id },
          { op: 'touchDir', id: parent.id, mtimeMs: now, nlinkDelta: inode.kind === InodeKind.DIR ? 1 : 0 },
        );
      }
      if (ops.length > 0) await this.sm.propose({ ops });
    });
  }

  // -------------------------------------------------------------- sweeper

  /** Starts sweeping the subtrees recursive deletes left behind (also after a restart). */
  startSweeper(): void {
    this.kickSweeper();
  }

  private kickSweeper(): void {
    if (this.closed) return;
    if (this.sweeping !== null) {
      this.sweepAgain = true;
      return;
    }
    this.sweeping = this.sweepAll()
      .catch(() => undefined) // tried again at the next kick or restart
      .finally(() => {
        this.sweeping = null;
        if (this.sweepAgain) {
          this.sweepAgain = false;
          this.kickSweeper();
        }
      });
  }

  private async sweepAll(): Promise<void> {
    for (;;) {
      const roots = await this.tree.store.rocks.scan({ gte: Buffer.from([Prefix.TRASH]), lt: Buffer.from([Prefix.TRASH + 1]) }, 100);
      if (roots.length === 0 || this.closed) return;
      for (const row of roots) await this.sweep(readU64(row.key, 1));
    }
  }

  /**
   * Deletes a detached subtree bottom-up in entries of at most SWEEP_BATCH ops.
   * Nothing else can reach it (its edge is gone), so no locks are needed; a
   * sweep cut short by a crash resumes from what is left.
   */
  private async sweep(rootId: number): Promise<void> {
    let ops: EntryOp[] = [];
    const flush = async () => {
      if (this.closed) throw new StrataError(ErrorCode.CLOSED, 'sweep stopped: master closing'); // resumed on restart
      if (ops.length === 0) return;
      const batch = ops;
      ops = [];
      await this.sm.propose({ ops: batch });
    };
    const visit = async (dirId: number): Promise<void> => {
      for (;;) {
        const page = await this.tree.store.listChildren(dirId, '', SWEEP_BATCH);
        if (page.length === 0) return;
        for (const child of page) {
          const inode = await this.tree.store.getInode(child.id);
          if (inode !== null && inode.kind === InodeKind.DIR) await visit(child.id);
          ops.push({ op: 'deleteEdge', parent: dirId, name: child.name }, { op: 'deleteInode', id: child.id });
          if (ops.length >= SWEEP_BATCH) await flush();
        }
        await flush(); // the next page is read from the store, after these deletes
      }
    };
    await visit(rootId);
    ops.push({ op: 'deleteInode', id: rootId }, { op: 'untrash', id: rootId });
    await flush();
  }

  /** Resolves once no sweep is running (tests, clean shutdown). */
  async sweepIdle(): Promise<void> {
    while (this.sweeping !== null) await this.sweeping;
  }

  // -------------------------------------------------------------- helpers

  /**
   * Runs an operation with a fresh lock set, released when it ends. When the
   * operation meets a directory still to be loaded from its under store, the
   * locks are dropped, the directory is loaded, and the operation runs again.
   */
  private async withLocks<T>(run: (locks: LockSet) => Promise<T>): Promise<T> {
    for (;;) {
      const locks = this.tree.newLockSet();
      let needs: NeedsLoad;
      try {
        return await run(locks);
      } catch (err) {
        if (!(err instanceof NeedsLoad)) throw err;
        needs = err;
      } finally {
        locks.release();
      }
      await this.loadDirectory(needs.dirNames);
    }
  }

  /**
   * Answers a retried call from the state machine's memory, joins a copy of
   * a call still in flight, or runs a new call.
   */
  private mutate<T>(caller: CallerId | null, run: (record: CallerRecord | undefined) => Promise<T>): Promise<T> {
    if (caller === null || caller.clientId === '') return run(undefined);
    const key = caller.clientId + '#' + caller.seq;
    const inflight = this.inflightCalls.get(key);
    if (inflight !== undefined) return inflight as Promise<T>;
    const record: CallerRecord = { clientId: caller.clientId, seq: caller.seq, firstIncomplete: caller.firstIncomplete ?? 0 };
    const call = (async () => {
      const latest = this.sm.latestSeq.get(caller.clientId);
      const maybeRetry = latest === undefined ? !this.knownClients.get(caller.clientId) : caller.seq <= latest;
      if (maybeRetry) {
        const reply = await this.sm.callerReply(caller.clientId, caller.seq);
        if (reply !== undefined) return reply as T;
      }
      this.knownClients.set(caller.clientId, true);
      return run(record);
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
        ...caller,
        // Trim the client's old replies once per window, deterministically.
        firstIncomplete: caller.seq % CALLER_TRIM_WINDOW === 0 ? caller.firstIncomplete : 0,
      };
      entry.reply = reply;
    }
    await this.sm.propose(entry);
  }

  /**
   * Makes an under store change that the namespace entry after it records.
   * The intent (the strata paths touched) is journaled first, so that if the
   * master dies between the under store change and that entry, recovery
   * reconciles those paths with the under store (reconcileIntents). If the
   * change fails, the intent is closed and nothing changed. Returns the op
   * that closes the intent, to put in the mutation's own entry.
   */
  private async changeUnderStore(paths: string[], change: () => Promise<void>): Promise<EntryOp> {
    const id = this.nextId++;
    await this.sm.propose({ ops: [{ op: 'putIntent', id, paths }] });
    try {
      await change();
    } catch (err) {
      await this.sm.propose({ ops: [{ op: 'clearIntent', id }] }).catch(() => undefined); // else reconciled at restart
      throw err;
    }
    return { op: 'clearIntent', id };
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

  /** Loads a directory's entries from its under store, once even if many ask at once. */
  private loadDirectory(dirNames: string[]): Promise<void> {
    const key = joinPath(dirNames);
    const existing = this.loading.get(key);
    if (existing !== undefined) return existing;
    const load = this.doLoad(dirNames).finally(() => this.loading.delete(key));
    this.loading.set(key, load);
    return load;
  }

  private async doLoad(dirNames: string[]): Promise<void> {
    const { mount, relPath } = this.mounts.resolve(dirNames);
    const ufs = await this.ufs(mount);
    let dirId: number;
    {
      const locks = this.tree.newLockSet();
      try {
        const resolved = await this.tree.lockPath(dirNames, LockPattern.READ, locks);
        const dir = target(resolved);
        if (dir === null || dir.kind !== InodeKind.DIR || dir.loaded) return;
        dirId = dir.id;
      } finally {
        locks.release();
      }
    }
    try {
      for await (const page of ufs.list(relPath)) await this.loadPage(dirNames, dirId, page);
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
      for (const status of page) {
        if (!isRepresentableName(status.name)) continue;
        // Pages come in name order, so these edge locks are taken in lock order.
        const pending = locks.lock(edgeLockKey(dirId, status.name), LockMode.WRITE);
        if (pending !== null) await pending;
        if ((await this.tree.store.getChild(dirId, status.name)) !== null) continue;
        const inode = this.inodeFromUfs(status);
        ops.push({ op: 'putInode', inode }, { op: 'putEdge', parent: dirId, name: status.name, child: inode.id });
        if (inode.kind === InodeKind.DIR) subdirs++;
      }
      if (subdirs > 0) ops.push({ op: 'touchDir', id: dirId, mtimeMs: 0, nlinkDelta: subdirs });
      if (ops.length > 0) await this.sm.propose({ ops });
    });
  }

  /** Runs fn with the directory's path read-locked, if it is still the same directory. */
  private async withLockedDir(dirNames: string[], dirId: number, fn: (locks: LockSet) => Promise<void>): Promise<void> {
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

  private inodeFromUfs(status: UfsStatus): Inode {
    const kind = kindOfUfs(status);
    const inode = this.newInode(kind, status.mode, 0, 0, status.mtimeMs);
    inode.size = status.size;
    inode.fingerprint = status.fingerprint;
    inode.symlinkTarget = status.symlinkTarget ?? '';
    inode.loaded = false;
    return inode;
  }

  private newInode(kind: InodeKind, mode: number, uid: number, gid: number, now: number): Inode {
    return {
      id: this.nextId++,
      kind,
      mode: mode & 0o7777,
      uid,
      gid,
      size: 0,
      mtimeMs: now,
      atimeMs: now,
      ctimeMs: now,
      nlink: kind === InodeKind.DIR ? 2 : 1,
      complete: true,
      loaded: true,
      mountId: 0,
      symlinkTarget: '',
      fingerprint: '',
    };
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

  private ufs(mount: MountEntry): Promise<UnderStore> {
    const cached = this.ufsByMount.get(mount.id);
    if (cached !== undefined) return cached;
    const store = openUnderStore(mount.ufsUri, { readOnly: mount.readOnly, options: mount.options });
    store.catch(() => this.ufsByMount.delete(mount.id));
    this.ufsByMount.set(mount.id, store);
    return store;
  }

  toFileInfo(names: string[], inode: Inode): FileInfo {
    const { mount, relPath } = this.mounts.resolve(names);
    return {
      id: inode.id,
      name: names.length === 0 ? '' : names[names.length - 1],
      path: joinPath(names),
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
      // names are checked already: plain concatenation is what joinUfsUri would give.
      ufsUri: relPath === '' ? mount.ufsUri : (mount.ufsUri.endsWith('/') ? mount.ufsUri : mount.ufsUri + '/') + relPath,
      mountPoint: relPath === '' && names.length > 0,
      readOnly: mount.readOnly,
      fingerprint: inode.fingerprint,
    };
  }

  /** Closes the under stores this master opened. */
  /** Stops background work (the sweeper) at its next entry; resumed on restart. */
  async stopBackground(): Promise<void> {
    this.closed = true;
    await this.sweepIdle();
  }

  async close(): Promise<void> {
    await this.stopBackground();
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

  get rootId(): number {
    return ROOT_ID;
  }
}

function kindOfUfs(status: UfsStatus): InodeKind {
  return status.type === 'dir' ? InodeKind.DIR : status.type === 'symlink' ? InodeKind.SYMLINK : InodeKind.FILE;
}

/** Names strata cannot hold (see paths.ts) are skipped when loading a directory. */
function isRepresentableName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0') && Buffer.byteLength(name) <= 255;
}
