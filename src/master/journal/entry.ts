// Journal entries: what a mutation becomes before it is made durable and
// applied. Every nondeterministic value (new ids, times, owners) is fixed in
// the entry by the handler that writes it, so applying the same entries in
// the same order gives the same state on every master and after every
// restart. Encoded as JSON: entries are small and this keeps the journal
// readable with a hex dump when something goes wrong.

import type { Inode } from '../inode';
import type { MountEntry } from '../mount-table';

export type EntryOp =
  | { op: 'putInode'; inode: Inode }
  // Deleting an inode deletes its extended attributes too.
  | { op: 'deleteInode'; id: number }
  // An extended attribute set (value in base64: entries are JSON) or removed.
  | { op: 'putXattr'; id: number; name: string; value: string }
  | { op: 'deleteXattr'; id: number; name: string }
  | { op: 'putEdge'; parent: number; name: string; child: number }
  | { op: 'deleteEdge'; parent: number; name: string }
  // The commuting update of a directory that others may change at the same
  // time (its lock is only read-held): mtime = max(mtime, t), nlink += delta.
  | { op: 'touchDir'; id: number; mtimeMs: number; nlinkDelta: number }
  | { op: 'markLoaded'; id: number; fingerprint: string }
  // A recursive delete detaches a subtree in one entry and marks its root as
  // trash; the sweeper then removes the inodes below in bounded entries.
  | { op: 'trash'; id: number }
  | { op: 'untrash'; id: number }
  // An under store change about to be made (putIntent, journaled first) and
  // its end (clearIntent, in the entry of the mutation itself). An intent
  // left open by a crash names the paths to reconcile with the under store.
  | { op: 'putIntent'; id: number; intent: UfsIntent }
  | { op: 'clearIntent'; id: number }
  | { op: 'putMount'; mount: MountEntry }
  | { op: 'deleteMount'; id: number };

/**
 * What an under store change is about to do, for reconciliation after a
 * crash. `call` names the client call that made it (with its caller id), so
 * that reconciliation can store that call's reply when the change is found
 * done, and the client's retry gets it instead of running the call again.
 */
export type UfsIntent = (
  | { kind: 'rename'; src: string; dst: string }
  /** Any other change: each path is made to agree with the under store. */
  | { kind: 'paths'; paths: string[] }
) & { call?: { op: 'createDirectory' | 'delete' | 'rename' | 'setAttribute' | 'createSymlink'; caller: CallerRecord } };

export interface CallerRecord {
  clientId: string;
  seq: number;
  /** Every seq below this one has been answered; their replies can go. */
  firstIncomplete: number;
  /**
   * The leader's term when the call began (not stored in entries): the
   * call's proposals are refused unless this master still leads in it, so a
   * call that began under one leadership never commits under a later one,
   * with checks made on a state other leaders have changed since.
   */
  term?: number;
  /** Set once the call proposed an entry (not stored in entries). */
  proposed?: boolean;
}

export interface JournalEntry {
  ops: EntryOp[];
  /** Set on entries made by a client's mutating call: the reply is kept for retries. */
  caller?: CallerRecord;
  reply?: unknown;
}

export function encodeEntry(entry: JournalEntry): Buffer {
  return Buffer.from(JSON.stringify(entry), 'utf8');
}

export function decodeEntry(payload: Buffer): JournalEntry {
  const value: unknown = JSON.parse(payload.toString('utf8'));
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { ops?: unknown }).ops)) {
    throw new Error('journal entry is not an object with ops');
  }
  return value as JournalEntry;
}
