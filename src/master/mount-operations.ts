// Changes of the mount table: Mount and Unmount. Both are one journal entry
// each, made under the edge write lock of the mount point, so the namespace
// and the table change together: a mount adds the mount point directory
// (loaded lazily from its new store) with putMount; an unmount removes the
// mount point and whatever strata knew below it (detached as trash, swept
// later) with deleteMount, and never touches the under store.
//
// Rules (DESIGN.md, "Under stores and the mount table"): the mount point must
// not exist and its parent must be a directory, outside any read-only mount;
// the store is opened and checked before anything is journaled; one under
// store location is mounted at most once (not equal to, inside, or around a
// mounted one); unmount refuses '/' and paths with mounts below. Mounts and
// unmounts run one at a time, so the location check and the entry that
// changes the table cannot interleave with another one's.

import { realpath } from 'node:fs/promises';
import type { MountInfo, MountRequest, UnmountRequest } from '../common/api';
import { ErrorCode, StrataError } from '../common/errors';
import { isPrefix, joinPath, parsePath } from '../common/paths';
import { openUnderStore, parseUfsUri } from '../ufs/registry';
import type { IdAllocator } from './inode';
import { InodeKind, newInode } from './inode';
import { InodeTree, LockPattern, parentOf, target } from './inode-tree';
import type { EntryOp } from './journal/entry';
import { MountEntry, MountTable, redactOptions } from './mount-table';
import { addEntryOps, removeEntryOps } from './namespace-ops';
import type { TrashSweeper } from './trash-sweeper';
import type { UnderStoreSync } from './under-store-sync';

/** Journals ops with the calling client's record and reply (FileSystemMaster.propose). */
export type ProposeWithReply = (ops: EntryOp[], reply: unknown) => Promise<void>;

/** The mount option that makes a listing of a loaded directory re-sync it when older than this. */
export const SYNC_INTERVAL_OPTION = 'sync_interval_ms';

export function mountInfoOf(m: MountEntry): MountInfo {
  return { path: m.path, ufsUri: m.ufsUri, readOnly: m.readOnly, options: redactOptions(m.options), mountId: m.id };
}

/** The sync interval a mount's options set, or null (sync only on first load and on request). */
export function syncIntervalOf(mount: MountEntry): number | null {
  const raw = mount.options[SYNC_INTERVAL_OPTION];
  if (raw === undefined || raw === '') return null;
  const ms = Number(raw);
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : null;
}

export class MountOperations {
  /** Mounts and unmounts, one at a time. */
  private serial: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly tree: InodeTree,
    private readonly mounts: MountTable,
    private readonly ids: IdAllocator,
    private readonly loader: UnderStoreSync,
    private readonly sweeper: TrashSweeper,
    private readonly clock: () => number,
  ) {}

  async mount(req: MountRequest, propose: ProposeWithReply): Promise<{ mount: MountInfo }> {
    const names = parsePath(req.path);
    const path = joinPath(names);
    if (names.length === 0) throw new StrataError(ErrorCode.EXISTS, '/: the root is always mounted');
    const options: Record<string, string> = { ...(req.options ?? {}) };
    checkOptions(path, options);
    parseUfsUri(req.ufsUri);
    return this.oneAtATime(async () => {
      // The store first: slow I/O, and nothing is locked or journaled if it fails.
      const rootMode = await checkReachable(path, req.ufsUri, req.readOnly, options);
      const location = await locationOf(req.ufsUri);
      for (const m of this.mounts.list()) {
        const other = await locationOf(m.ufsUri);
        if (isPrefix(other, location) || isPrefix(location, other)) {
          const how =
            other.length === location.length ? `is already mounted at ${m.path}` : `${other.length < location.length ? 'is inside' : 'contains'} ${m.ufsUri}, mounted at ${m.path}`;
          throw new StrataError(ErrorCode.EXISTS, `${path}: cannot mount ${req.ufsUri}: it ${how}`);
        }
      }
      return this.loader.runLocked(async (locks) => {
        const resolved = await this.tree.lockPath(names, LockPattern.WRITE_EDGE, locks);
        const parent = parentOf(resolved);
        if (parent === null) throw new StrataError(ErrorCode.NOT_FOUND, `${path}: parent directory does not exist`);
        if (parent.kind !== InodeKind.DIR) throw new StrataError(ErrorCode.NOT_DIRECTORY, `${path}: parent is not a directory`);
        if (target(resolved) !== null) throw new StrataError(ErrorCode.EXISTS, `${path}: File exists (a mount point must not exist yet)`);
        const outer = this.mounts.resolve(names).mount;
        if (outer.readOnly) throw new StrataError(ErrorCode.READ_ONLY, `${path}: inside the read-only mount ${outer.path}`);
        const entry: MountEntry = { id: this.mounts.nextId(), path, ufsUri: req.ufsUri, readOnly: req.readOnly, options };
        const now = this.clock();
        const point = newInode(this.ids.take(), InodeKind.DIR, rootMode, parent.uid, parent.gid, now);
        point.mountId = entry.id;
        point.loaded = false; // its entries come from the new store on first access
        const reply = { mount: mountInfoOf(entry) };
        await propose([{ op: 'putMount', mount: entry }, ...addEntryOps({ parentId: parent.id, name: names[names.length - 1] }, point, now)], reply);
        return reply;
      });
    });
  }

  async unmount(req: UnmountRequest, propose: ProposeWithReply): Promise<Record<string, never>> {
    const names = parsePath(req.path);
    const path = joinPath(names);
    if (names.length === 0) throw new StrataError(ErrorCode.NOT_PERMITTED, '/: the root mount cannot be unmounted');
    return this.oneAtATime(() =>
      this.loader.runLocked(async (locks) => {
        const resolved = await this.tree.lockPath(names, LockPattern.WRITE_EDGE, locks);
        const point = target(resolved);
        if (point === null) throw new StrataError(ErrorCode.NOT_FOUND, `${path}: No such file or directory`);
        const mount = this.mounts.list().find((m) => m.path === path);
        if (mount === undefined) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: not a mount point`);
        const nested = this.mounts.list().find((m) => m.id !== mount.id && isPrefix(names, parsePath(m.path)));
        if (nested !== undefined) throw new StrataError(ErrorCode.NOT_PERMITTED, `${path}: ${nested.path} is mounted below it; unmount that first`);
        const parent = parentOf(resolved);
        if (parent === null) throw new StrataError(ErrorCode.INTERNAL, `${path}: mount point without a parent`);
        // Everything strata knew below goes in this entry (a detached subtree is swept later).
        const hasChildren = await this.tree.store.hasChildren(point.id);
        const ops: EntryOp[] = [
          { op: 'deleteMount', id: mount.id },
          ...removeEntryOps({ parentId: parent.id, name: names[names.length - 1] }, point, hasChildren, this.clock()),
        ];
        await propose(ops, {});
        if (hasChildren) this.sweeper.kick();
        await this.loader.forgetMount(mount.id);
        return {};
      }),
    );
  }

  private oneAtATime<T>(run: () => Promise<T>): Promise<T> {
    const next = this.serial.then(run, run);
    this.serial = next.catch(() => undefined);
    return next;
  }
}

/** Option names are plain words; the values this module reads are checked here. */
function checkOptions(path: string, options: Record<string, string>): void {
  for (const [key, value] of Object.entries(options)) {
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(key)) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: invalid option name '${key}'`);
    if (typeof value !== 'string' || value.includes('\0')) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: invalid value of option ${key}`);
  }
  const interval = options[SYNC_INTERVAL_OPTION];
  if (interval !== undefined) {
    const ms = Number(interval);
    if (interval === '' || !Number.isSafeInteger(ms) || ms < 0) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: ${SYNC_INTERVAL_OPTION} must be a number of milliseconds, not '${interval}'`);
    }
  }
}

/** Opens the store and checks that its root is a directory there; returns the root's mode. */
async function checkReachable(path: string, uri: string, readOnly: boolean, options: Record<string, string>): Promise<number> {
  const named = (err: unknown): StrataError => {
    const e = err instanceof StrataError ? err : new StrataError(ErrorCode.UNAVAILABLE, String(err));
    return new StrataError(e.code, `${path}: cannot mount ${uri}: ${e.message}`, { cause: err });
  };
  const store = await openUnderStore(uri, { readOnly, options }).catch((err: unknown) => Promise.reject(named(err)));
  try {
    const root = await store.stat('').catch((err: unknown) => Promise.reject(named(err)));
    if (root === null) throw named(new StrataError(ErrorCode.NOT_FOUND, 'its root does not exist'));
    if (root.type !== 'dir') throw named(new StrataError(ErrorCode.NOT_DIRECTORY, 'its root is not a directory'));
    return root.mode & 0o7777;
  } finally {
    await store.close().catch(() => undefined);
  }
}

/**
 * Where a URI points, as components to compare for "equal, inside or around":
 * [scheme, authority, ...path]. A file URI is compared by its real path, so a
 * symlink to a mounted directory is the same location.
 */
async function locationOf(uri: string): Promise<string[]> {
  const { scheme, authority, path } = parseUfsUri(uri);
  let p = path;
  if (scheme === 'file:') {
    try {
      p = await realpath(path === '' ? '/' : path);
    } catch {
      // gone or unreadable: compare as written
    }
  }
  return [scheme, scheme === 'file:' ? '' : authority, ...p.split('/').filter((n) => n !== '')];
}
