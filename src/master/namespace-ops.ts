// The journal ops of the namespace changes that several callers make (the
// API handlers, directory loading, crash reconciliation): adding an entry,
// removing one, moving one. Parents change through touchDir, the update that
// commutes (mtime = max, nlink += delta), so their locks are only read-held.

import { Inode, InodeKind } from './inode';
import type { EntryOp } from './journal/entry';

export interface EdgeRef {
  parentId: number;
  name: string;
}

/** A new inode under a name. */
export function addEntryOps(at: EdgeRef, inode: Inode, now: number): EntryOp[] {
  return [
    { op: 'putInode', inode },
    { op: 'putEdge', parent: at.parentId, name: at.name, child: inode.id },
    { op: 'touchDir', id: at.parentId, mtimeMs: now, nlinkDelta: inode.kind === InodeKind.DIR ? 1 : 0 },
  ];
}

/**
 * Removes an entry. A directory with entries is detached as trash (swept
 * later by trash-sweeper.ts), so the entry stays small whatever is below.
 */
export function removeEntryOps(at: EdgeRef, inode: Inode, hasChildren: boolean, now: number): EntryOp[] {
  const isDir = inode.kind === InodeKind.DIR;
  return [
    { op: 'deleteEdge', parent: at.parentId, name: at.name },
    isDir && hasChildren ? { op: 'trash', id: inode.id } : { op: 'deleteInode', id: inode.id },
    { op: 'touchDir', id: at.parentId, mtimeMs: now, nlinkDelta: isDir ? -1 : 0 },
  ];
}

/** rename(2): moves an inode to another name, replacing what was there (a file or an empty directory). */
export function moveEntryOps(from: EdgeRef, to: EdgeRef, moving: Inode, replaced: Inode | null, now: number): EntryOp[] {
  const isDir = moving.kind === InodeKind.DIR ? 1 : 0;
  const ops: EntryOp[] = [
    { op: 'deleteEdge', parent: from.parentId, name: from.name },
    { op: 'putEdge', parent: to.parentId, name: to.name, child: moving.id },
  ];
  let dstDelta = isDir;
  if (replaced !== null) {
    ops.push({ op: 'deleteInode', id: replaced.id });
    if (replaced.kind === InodeKind.DIR) dstDelta -= 1;
  }
  ops.push({ op: 'touchDir', id: from.parentId, mtimeMs: now, nlinkDelta: -isDir });
  ops.push({ op: 'touchDir', id: to.parentId, mtimeMs: now, nlinkDelta: dstDelta });
  return ops;
}
