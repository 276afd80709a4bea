// The journal: the ordered, durable log of state-machine entries. A mutation
// is acknowledged only after its entry is durable here and applied. For now
// the implementation is a local append-only log (local-journal.ts); the Raft
// issue puts the replicated log behind this same interface.

export interface JournalRecord {
  index: number;
  payload: Buffer;
}

export interface AppendHandle {
  /** The entry's index, assigned at once and in call order. */
  index: number;
  /** Resolves once the entry (and every earlier one) is fdatasync'ed. */
  durable: Promise<void>;
}

export interface Journal {
  /** Recovers from disk: a torn or corrupt tail record is cut off. */
  open(): Promise<void>;
  /** The last index written (durable after open; may be pending after append). */
  readonly lastIndex: number;
  /** The first index still kept (1 on a fresh log; moves up with compact). */
  readonly firstIndex: number;
  /**
   * Appends one entry. Appends made while a sync is running are written and
   * synced together by the next one (group commit).
   */
  append(payload: Buffer): AppendHandle;
  /** The durable records with index > afterIndex, in order. */
  read(afterIndex: number): AsyncIterable<JournalRecord>;
  /**
   * Drops whole segments whose records all have index <= upTo. Called once
   * the state those records produced is flushed to RocksDB.
   */
  compact(upTo: number): Promise<void>;
  /** Waits for pending syncs, then closes files. Safe to call twice. */
  close(): Promise<void>;
}
