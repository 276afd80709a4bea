// The trash sweeper: a recursive delete detaches a subtree in one journal
// entry (its root marked as trash, G<ino>), and this removes the inodes and
// edges below it afterwards, bottom-up, in bounded entries. So the user sees
// the delete at once and atomically, and no entry grows with the subtree.
// It runs on the serving master only; a sweep cut short resumes at restart.

import { ErrorCode, StrataError } from '../common/errors';
import { InodeKind } from './inode';
import type { InodeStore } from './inode-store';
import type { EntryOp } from './journal/entry';
import { Prefix, readU64 } from './rocks-store';
import type { StateMachine } from './state-machine';

/** Ops per journal entry when sweeping. */
const SWEEP_BATCH = 1000;

export class TrashSweeper {
  private sweeping: Promise<void> | null = null;
  private sweepAgain = false;
  private closed = false;

  constructor(
    private readonly store: InodeStore,
    private readonly sm: StateMachine,
  ) {}

  /** Starts sweeping the subtrees recursive deletes left behind (after a restart, or on becoming leader). */
  start(): void {
    this.closed = false;
    this.kick();
  }

  kick(): void {
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
          this.kick();
        }
      });
  }

  private async sweepAll(): Promise<void> {
    for (;;) {
      const roots = await this.store.rocks.scan({ gte: Buffer.from([Prefix.TRASH]), lt: Buffer.from([Prefix.TRASH + 1]) }, 100);
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
        const page = await this.store.listChildren(dirId, '', SWEEP_BATCH);
        if (page.length === 0) return;
        for (const child of page) {
          const inode = await this.store.getInode(child.id);
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
  async idle(): Promise<void> {
    while (this.sweeping !== null) await this.sweeping;
  }

  /** Stops at the next entry (shutdown, or no longer leader); what is left is swept after the next start. */
  async stop(): Promise<void> {
    this.closed = true;
    await this.idle();
  }
}
