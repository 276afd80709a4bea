// Fencing of under store changes: only the leader changes an under store,
// and a leader that has been deposed (partitioned away, its successor already
// elected) must not go on changing it behind the new leader's back, where its
// late delete or rename would undo what the new leader reconciled.
//
// The rule, checked before every request that changes a store (UFS adapters
// call `admit()`; see StoreChangeGuard):
// - a change is admitted only while this master holds a leadership lease: a
//   quorum acknowledged its heartbeat round (ReadIndex) started less than
//   `leaseMs` ago, with at least half of that left. A follower that heard
//   that heartbeat grants no vote for an election timeout after it, and every
//   quorum that elects a successor includes one such follower, so no other
//   master can lead before the lease runs out (leaseMs is shorter than the
//   election timeout by two ticks of margin for timer jitter);
// - each admitted request carries an AbortSignal that fires when the lease
//   lapses without being renewed (renewed in the background while changes are
//   in flight) or when this master stops leading, so a request still running
//   when another master may lead is cut off;
// - a new leader reconciles the intents its predecessors left open only
//   `graceMs` after it starts to lead (see UnderStoreSync.reconcileIntents),
//   for requests that were on the wire when they were aborted;
// - before this master hands its lead over (a transfer skips the followers'
//   vote lease), it closes the epoch and waits for the changes in flight.
//
// The same lease serves reads (confirmRead): a read that ran while it held
// saw every committed change, with no heartbeat round of its own (ReadIndex
// is the fallback once the lease has lapsed).
//
// An epoch is one stretch of leadership (open at takeLead, closed at step
// down or hand-off); the stores a leader opens are bound to its epoch.

import { performance } from 'node:perf_hooks';
import { ErrorCode, StrataError } from '../common/errors';
import type { StoreChangeGuard } from '../ufs/under-store';

export interface StoreFenceOptions {
  /** How long a confirmed heartbeat round lets this master change stores. */
  leaseMs: number;
  /** A ReadIndex round: resolves once a quorum confirmed this master leads in term. */
  confirm(term: number): Promise<void>;
  now?: () => number;
}

export class StoreFence {
  private epoch: FenceEpoch | null = null;

  constructor(private readonly opts: StoreFenceOptions) {}

  get leaseMs(): number {
    return this.opts.leaseMs;
  }

  /** Starts an epoch of leadership in term (ending any earlier one). */
  open(term: number): FenceEpoch {
    this.epoch?.close('a new epoch began');
    this.epoch = new FenceEpoch(term, this.opts);
    return this.epoch;
  }

  /**
   * Ends the epoch: every admitted request is aborted and nothing more is
   * admitted. Resolves once the changes in flight have settled (at most
   * waitMs), so that a successor never overlaps them.
   */
  async close(reason: string, waitMs = 0): Promise<void> {
    const epoch = this.epoch;
    this.epoch = null;
    if (epoch === null) return;
    epoch.close(reason);
    if (waitMs > 0) await epoch.settled(waitMs);
  }

  /** The guard for stores opened now: bound to the current epoch, or refusing every change. */
  guard(): StoreChangeGuard {
    return this.epoch ?? NOT_LEADING;
  }

  /** How long ago the current epoch began (Infinity: none). */
  sinceOpened(): number {
    return this.epoch === null ? Infinity : this.epoch.sinceOpened();
  }

  /**
   * Confirms, for a read that has run, that no other master could have led
   * meanwhile: at once while the lease of this epoch (in term) holds, else
   * after a heartbeat round. Rejects NOT_LEADER outside such an epoch.
   */
  confirmRead(term: number): Promise<void> {
    const epoch = this.epoch;
    if (epoch === null || epoch.term !== term) return Promise.reject(notLeader(`this master does not lead in term ${term}`));
    return epoch.confirmRead();
  }

  /**
   * How long from now no other master can lead (0: not known to be so now),
   * for leases handed to clients (their metadata caches); a lease half gone
   * is renewed in the background.
   */
  leaseLeft(term: number): number {
    const epoch = this.epoch;
    if (epoch === null || epoch.term !== term) return 0;
    return epoch.leaseLeft();
  }

  /** Runs a store change as part of the current epoch (a hand-off waits for it). */
  track<T>(change: () => Promise<T>): Promise<T> {
    const epoch = this.epoch;
    if (epoch === null) return Promise.reject(notLeader('this master does not lead'));
    return epoch.track(change);
  }
}

export class FenceEpoch implements StoreChangeGuard {
  private readonly ended = new AbortController();
  /** Aborted when the lease lapses unrenewed; replaced by a fresh one after. */
  private lease = new AbortController();
  private leaseUntil = 0;
  private leaseTimer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly now: () => number;
  private readonly openedAt: number;

  constructor(
    readonly term: number,
    private readonly opts: StoreFenceOptions,
  ) {
    // Monotonic: a wall clock stepped by NTP must not stretch a lease.
    this.now = opts.now ?? (() => performance.now());
    this.openedAt = this.now();
  }

  sinceOpened(): number {
    return this.now() - this.openedAt;
  }

  get closed(): boolean {
    return this.ended.signal.aborted;
  }

  async admit(): Promise<AbortSignal> {
    if (this.closed) throw notLeader(`the leadership of term ${this.term} ended`);
    // A request starts with at least half a lease left, so a short one ends
    // inside it; a long one is renewed under it or aborted.
    if (this.leaseUntil - this.now() < this.opts.leaseMs / 2) {
      await this.renew().catch((err: unknown) => {
        // Not confirmed (no quorum in time, or no longer leader): an earlier step of the change may have been made.
        const e = err instanceof StrataError ? err : new StrataError(ErrorCode.UNAVAILABLE, String(err));
        throw new FencedOff(e.code, e.message, { leaderAddress: e.leaderAddress });
      });
    }
    if (this.closed) throw notLeader(`the leadership of term ${this.term} ended`);
    // A round slower than the lease gives a lease that has (nearly) run out already.
    if (this.leaseUntil - this.now() < this.opts.leaseMs / 2) {
      throw new FencedOff(ErrorCode.UNAVAILABLE, `the leadership of term ${this.term} could not be confirmed in time for an under store change`);
    }
    return AbortSignal.any([this.ended.signal, this.lease.signal]);
  }

  /**
   * A read that ran before now saw every change any leader committed: no
   * other master can lead before the lease ends (see the top of this file).
   * A lease half gone is renewed in the background, so a steady stream of
   * reads rarely waits for a round.
   */
  async confirmRead(): Promise<void> {
    if (this.closed) throw notLeader(`the leadership of term ${this.term} ended`);
    const left = this.leaseUntil - this.now();
    if (left > 0) {
      if (left < this.opts.leaseMs / 2) this.renew().catch(() => undefined);
      return;
    }
    const startedAt = this.now();
    await this.renew();
    if (this.closed) throw notLeader(`the leadership of term ${this.term} ended`);
    // The read ran before the round started; the lease from a round started
    // before it covers it only if it is still running when the read returns.
    if (this.leaseUntil <= startedAt) throw new StrataError(ErrorCode.UNAVAILABLE, `the leadership of term ${this.term} could not be confirmed`);
  }

  leaseLeft(): number {
    if (this.closed) return 0;
    const left = this.leaseUntil - this.now();
    if (left < this.opts.leaseMs / 2) this.renew().catch(() => undefined);
    return Math.max(0, Math.floor(left));
  }

  track<T>(change: () => Promise<T>): Promise<T> {
    this.inFlight++;
    this.scheduleRenewal();
    const done = (): void => {
      if (--this.inFlight > 0) return;
      for (const wake of this.idleWaiters.splice(0)) wake();
    };
    const run = change();
    run.then(done, done);
    return run;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.ended.abort(notLeader(reason));
    if (this.leaseTimer !== null) clearTimeout(this.leaseTimer);
    if (this.renewTimer !== null) clearTimeout(this.renewTimer);
  }

  /** Resolves when no tracked change runs, or after waitMs. */
  settled(waitMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** One heartbeat round at a time; the lease counts from before it started. */
  private renew(): Promise<void> {
    if (this.renewing === null) {
      const startedAt = this.now();
      this.renewing = this.opts
        .confirm(this.term)
        .then(() => this.extendLease(startedAt + this.opts.leaseMs))
        .finally(() => {
          this.renewing = null;
        });
    }
    return this.renewing;
  }

  private extendLease(until: number): void {
    if (this.closed || until <= this.leaseUntil) return;
    this.leaseUntil = until;
    if (this.leaseTimer !== null) clearTimeout(this.leaseTimer);
    this.leaseTimer = setTimeout(() => this.onLeaseEnd(), Math.max(0, Math.ceil(until - this.now())));
  }

  private onLeaseEnd(): void {
    this.leaseTimer = null;
    if (this.closed) return;
    const left = this.leaseUntil - this.now();
    if (left > 0) {
      // Timers may fire a little early by this clock (or the lease was extended meanwhile).
      this.leaseTimer = setTimeout(() => this.onLeaseEnd(), Math.ceil(left));
      return;
    }
    this.lease.abort(notLeader(`the leadership lease of term ${this.term} lapsed unconfirmed`));
    this.lease = new AbortController();
  }

  /** While changes run, the lease is renewed every quarter lease, so they are not cut off while this master leads. */
  private scheduleRenewal(): void {
    if (this.renewTimer !== null || this.closed) return;
    this.renewTimer = setTimeout(() => {
      this.renewTimer = null;
      if (this.inFlight === 0 || this.closed) return;
      this.renew().catch(() => undefined); // unconfirmed: the lease lapses and aborts what runs
      this.scheduleRenewal();
    }, this.opts.leaseMs / 4);
  }
}

/**
 * A store change this master was not allowed to make or finish (no lease):
 * unlike a refusal by the store, the change may have been made in part.
 */
export class FencedOff extends StrataError {}

const NOT_LEADING: StoreChangeGuard = { admit: () => Promise.reject(notLeader('this master does not lead')) };

function notLeader(message: string): StrataError {
  return new FencedOff(ErrorCode.NOT_LEADER, message);
}
