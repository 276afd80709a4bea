// Callbacks (AFS's callbacks, CephFS's capabilities, reduced to one kind):
// the leader remembers, in memory, which inodes each Session stream's client
// caches, and tells it before any of them changes. That lets a mount answer
// getattr and lookups from its own cache with no round trip and no timeout,
// exactly consistent with the master (src/fuse/metadata-cache.ts).
//
// What a registration covers (common/callback-keys.ts): an inode's record
// (`i<id>`: attributes; a directory's also move with its set of names), or
// one name in a directory (`e<parent>/<name>`: where it leads, or that it is
// absent). A cached path registers the names on its way and its own inode
// (getStatus with register).
//
// Where invalidation sits (state-machine.ts calls beforeApply): when a batch
// of committed entries is about to be applied, before any of it is staged
// in the inode store (from then on reads see it), the ids it changes are
// read off its ops, every session holding one of them gets an Invalidation
// on its stream at once, and its registrations of those ids are dropped
// (one-shot, as AFS breaks a callback). Then:
//   - no reply leaves this master (of any call, read or change, on any
//     stream or unary) until every round open at the moment the call's
//     answer was ready is acknowledged (settled(), in service.ts's gate):
//     neither the writer nor anyone who could have read the change learns
//     it before the holders have forgotten the old value;
//   - while a round is open for an id (from beforeApply until the batch is
//     in the store and the round is acknowledged), nobody may register that
//     id: a read in between might have seen the old value;
//   - a session that does not acknowledge within ackTimeoutMs (well under
//     FUSE's 15 s) is cut off: its registrations dropped, its stream ended;
//     its client drops its whole cache when the stream ends, and its cache
//     lease (a ping answered after every Invalidation sent before it) runs
//     out before the cut-off, so a stopped client never serves stale data
//     when it resumes.
//   - the session whose own call made the change (its client id is the
//     entry's caller) gets its Invalidation first on its stream, before the
//     reply, and is not waited for.
// Races on the client (a reply that read the old value arriving after the
// Invalidation) are the client's to drop: it ignores a fill from a request
// that was in flight when an Invalidation named one of its ids.
//
// Only the leader holds registrations (the Session handlers are leader-only);
// losing the lead cuts every session off (clear()), so their clients drop
// their caches and register again with the new leader.

import { edgeKey, inodeKey } from '../common/callback-keys';

export interface InvalidationSink {
  /** Writes an Invalidation on the session's stream, now (ordered with its pongs and before later replies). */
  invalidate(round: number, keys: string[]): void;
  /** Ends the session's stream (its client drops its cache). */
  cutOff(reason: string): void;
}

export interface CallbackSession {
  readonly sink: InvalidationSink;
  /** The client id its mutating calls carry (learned from them). */
  clientId: string | null;
  readonly keys: Set<string>;
  readonly acks: Map<number, () => void>;
  closed: boolean;
}

export interface CallbacksOptions {
  /** Registered inodes per session at most; beyond, registering is refused (the client does not cache). */
  maxPerSession?: number;
  /** How long a holder may take to acknowledge an Invalidation before it is cut off. */
  ackTimeoutMs?: number;
  /** Whether anything may register (off: every register is refused; for A/B and tests). */
  enabled?: boolean;
}

export class Callbacks {
  private readonly holders = new Map<string, Set<CallbackSession>>();
  private readonly sessions = new Set<CallbackSession>();
  /** Keys with a round open, counted (several batches may change one before it settles). */
  private readonly openKeys = new Map<string, number>();
  /** Rounds waiting for acknowledgements. */
  private readonly waiting = new Set<Promise<void>>();
  private nextRound = 1;
  private readonly maxPerSession: number;
  readonly ackTimeoutMs: number;
  enabled: boolean;

  constructor(options: CallbacksOptions = {}) {
    this.maxPerSession = options.maxPerSession ?? 200_000;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 2000;
    this.enabled = options.enabled ?? true;
  }

  open(sink: InvalidationSink): CallbackSession {
    const s: CallbackSession = { sink, clientId: null, keys: new Set(), acks: new Map(), closed: false };
    this.sessions.add(s);
    return s;
  }

  /** The session's stream ended: its registrations go, and nothing waits for it. */
  close(s: CallbackSession): void {
    if (s.closed) return;
    s.closed = true;
    this.sessions.delete(s);
    for (const key of s.keys) {
      const set = this.holders.get(key);
      if (set === undefined) continue;
      set.delete(s);
      if (set.size === 0) this.holders.delete(key);
    }
    s.keys.clear();
    const acks = [...s.acks.values()];
    s.acks.clear();
    for (const done of acks) done();
  }

  /**
   * Registers s on keys (a path's: the names on its way, its inode), unless
   * one of them has a round open, the session is full, or callbacks are
   * off. The caller reads again after a true answer (service.ts).
   */
  register(s: CallbackSession, keys: readonly string[]): boolean {
    if (!this.enabled || s.closed) return false;
    for (const key of keys) if (this.openKeys.has(key)) return false;
    let added = 0;
    for (const key of keys) if (!s.keys.has(key)) added++;
    if (s.keys.size + added > this.maxPerSession) return false;
    for (const key of keys) {
      if (s.keys.has(key)) continue;
      s.keys.add(key);
      let set = this.holders.get(key);
      if (set === undefined) {
        set = new Set();
        this.holders.set(key, set);
      }
      set.add(s);
    }
    return true;
  }

  /** The client acknowledged round. */
  ack(s: CallbackSession, round: number): void {
    const done = s.acks.get(round);
    if (done === undefined) return;
    s.acks.delete(round);
    done();
  }

  /**
   * A batch that changes keys (made by the calls of callers) is about to be
   * staged. Sends the Invalidations and opens the round; the returned
   * function is called once the batch is in the store (or failed).
   */
  beforeApply(keys: ReadonlySet<string>, callers: ReadonlySet<string>): () => void {
    if (keys.size === 0) return () => undefined;
    for (const key of keys) this.openKeys.set(key, (this.openKeys.get(key) ?? 0) + 1);
    const bySession = new Map<CallbackSession, string[]>();
    for (const key of keys) {
      const set = this.holders.get(key);
      if (set === undefined) continue;
      this.holders.delete(key);
      for (const s of set) {
        s.keys.delete(key);
        let list = bySession.get(s);
        if (list === undefined) {
          list = [];
          bySession.set(s, list);
        }
        list.push(key);
      }
    }
    const round = this.nextRound++;
    const waits: Promise<void>[] = [];
    for (const [s, list] of bySession) {
      s.sink.invalidate(round, list);
      if (s.clientId !== null && callers.has(s.clientId)) continue; // its reply follows on the same stream
      waits.push(
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            s.acks.delete(round);
            this.cutOff(s, `no acknowledgement of invalidation round ${round} within ${this.ackTimeoutMs} ms`);
            resolve();
          }, this.ackTimeoutMs);
          s.acks.set(round, () => {
            clearTimeout(timer);
            resolve();
          });
        }),
      );
    }
    const acked = waits.length === 0 ? null : Promise.all(waits).then(() => undefined);
    if (acked !== null) {
      this.waiting.add(acked);
      void acked.then(() => this.waiting.delete(acked));
    }
    let applied = false;
    return () => {
      if (applied) return;
      applied = true;
      const release = () => {
        for (const key of keys) {
          const n = (this.openKeys.get(key) ?? 1) - 1;
          if (n <= 0) this.openKeys.delete(key);
          else this.openKeys.set(key, n);
        }
      };
      if (acked === null) release();
      else void acked.then(release);
    };
  }

  /** Resolves once every round open now is acknowledged (or its laggards cut off). */
  settled(): Promise<void> | null {
    if (this.waiting.size === 0) return null;
    return Promise.all([...this.waiting]).then(() => undefined);
  }

  /** This master stopped leading (or stops): every session is cut off, nothing is registered. */
  clear(reason: string): void {
    for (const s of [...this.sessions]) this.cutOff(s, reason);
  }

  /** Registrations held now (tests, status). */
  get registrations(): number {
    let n = 0;
    for (const s of this.sessions) n += s.keys.size;
    return n;
  }

  private cutOff(s: CallbackSession, reason: string): void {
    if (s.closed) return;
    this.close(s);
    s.sink.cutOff(reason);
  }
}

/** The keys a journal entry's ops change (what beforeApply must announce). */
export function changedKeys(
  ops: readonly { op: string; id?: number; inode?: { id: number }; parent?: number; name?: string }[],
  into: Set<string>,
): void {
  for (const op of ops) {
    switch (op.op) {
      case 'putInode':
        if (op.inode !== undefined) into.add(inodeKey(op.inode.id));
        break;
      case 'deleteInode':
      case 'putXattr':
      case 'touchDir':
      case 'markLoaded':
        if (op.id !== undefined) into.add(inodeKey(op.id));
        break;
      case 'putEdge':
      case 'deleteEdge':
        if (op.parent !== undefined && op.name !== undefined) {
          into.add(edgeKey(op.parent, op.name));
          into.add(inodeKey(op.parent)); // its children_version moves
        }
        break;
    }
  }
}
