// What a leader knows of each follower's log, and how it paces appends to
// it (etcd's tracker.Progress). Pure bookkeeping, used only by core.ts.

import type { Entry } from './types';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/**
 * What the leader knows of one follower's log (etcd's tracker.Progress).
 *   probe:     one append at a time, to find where the logs agree;
 *   replicate: appends pipelined (up to maxInflight), next moved optimistically;
 *   snapshot:  a snapshot is on its way; no appends until reportSnapshot.
 */
export class Progress {
  match = 0;
  state: ProgressState = 'probe';
  /** probe: an append is out; wait for its answer (or a heartbeat answer) before the next. */
  probeSent = false;
  /** replicate: the last index of each append in flight, oldest first. */
  readonly inflight: number[] = [];
  /** snapshot: the index the snapshot was asked for at. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum. */
  recentActive = false;

  constructor(
    public next: number,
    private readonly maxInflight: number,
  ) {}

  isPaused(): boolean {
    if (this.state === 'probe') return this.probeSent;
    if (this.state === 'replicate') return this.inflight.length >= this.maxInflight;
    return true;
  }

  becomeProbe(): void {
    // After a snapshot, start probing right after it: the follower has it.
    this.next = this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.state = 'probe';
    this.pendingSnapshot = 0;
    this.probeSent = false;
    this.inflight.length = 0;
  }

  becomeReplicate(): void {
    this.next = this.match + 1;
    this.state = 'replicate';
    this.pendingSnapshot = 0;
    this.probeSent = false;
    this.inflight.length = 0;
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.probeSent = false;
    this.inflight.length = 0;
  }

  /** An append went out carrying `entries` (maybe none). */
  onSent(entries: Entry[]): void {
    if (this.state === 'replicate') {
      if (entries.length > 0) {
        const last = entries[entries.length - 1].index;
        this.next = last + 1; // optimistic: assume it arrives
        this.inflight.push(last);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  /** An accepted append up to index; false if it tells nothing new (stale or duplicate). */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      this.probeSent = false;
      updated = true;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejected append whose previous index was `rejected`; `hint` is the
   * last index the logs may agree at. False if the rejection is stale.
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // Probes go one at a time: an answer to anything but the last is stale.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Acks up to index free the appends they cover. */
  freeUpTo(index: number): void {
    let n = 0;
    while (n < this.inflight.length && this.inflight[n] <= index) n++;
    if (n > 0) this.inflight.splice(0, n);
  }
}
