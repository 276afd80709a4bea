// The lease rules of src/master/store-fence.ts, with a confirmation the test
// controls (in the masters it is a Raft ReadIndex round; test/raft/fencing
// checks the whole path with real masters and a real S3 server).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, StrataError } from '../../src/common/errors';
import { StoreFence } from '../../src/master/store-fence';

const LEASE_MS = 200;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A confirmation that succeeds while `up` is true and hangs otherwise (a leader cut off from its quorum). */
function quorum(): { up: boolean; rounds: number; confirm(term: number): Promise<void> } {
  const q = {
    up: true,
    rounds: 0,
    confirm: (_term: number): Promise<void> => {
      q.rounds++;
      return q.up ? Promise.resolve() : new Promise<void>(() => undefined);
    },
  };
  return q;
}

const isNotLeader = (err: unknown): boolean => err instanceof StrataError && err.code === ErrorCode.NOT_LEADER;

describe('store fence', () => {
  test('nothing is admitted outside an epoch of leadership', async () => {
    const fence = new StoreFence({ leaseMs: LEASE_MS, confirm: quorum().confirm });
    await assert.rejects(fence.guard().admit(), isNotLeader);
    await assert.rejects(fence.track(async () => 1), isNotLeader);
  });

  test('admits under one confirmation shared by concurrent requests, and asks again when half the lease is gone', async () => {
    const q = quorum();
    const fence = new StoreFence({ leaseMs: LEASE_MS, confirm: q.confirm });
    const guard = fence.open(1);
    const signals = await Promise.all([guard.admit(), guard.admit(), guard.admit()]);
    assert.equal(q.rounds, 1);
    assert.ok(signals.every((s) => !s.aborted));
    await guard.admit();
    assert.equal(q.rounds, 1, 'a fresh lease needs no round');
    await sleep(LEASE_MS / 2 + 20);
    await guard.admit();
    assert.equal(q.rounds, 2);
    await fence.close('test');
  });

  test('closing the epoch aborts what was admitted and refuses more', async () => {
    const fence = new StoreFence({ leaseMs: LEASE_MS, confirm: quorum().confirm });
    const guard = fence.open(1);
    const signal = await guard.admit();
    let release = (): void => undefined;
    const running = fence.track(() => new Promise<void>((r) => (release = r)));
    let settled = false;
    const closing = fence.close('stepped down', 5000).then(() => (settled = true));
    assert.ok(signal.aborted);
    assert.ok(isNotLeader(signal.reason));
    await assert.rejects(guard.admit(), isNotLeader);
    await sleep(20);
    assert.equal(settled, false, 'close waits for the change in flight');
    release();
    await running;
    await closing;
    assert.equal(settled, true);
  });

  test('a lease that cannot be renewed aborts the requests in flight when it lapses', async () => {
    const q = quorum();
    const fence = new StoreFence({ leaseMs: LEASE_MS, confirm: q.confirm });
    const guard = fence.open(1);
    const admittedAt = Date.now();
    const signal = await guard.admit();
    const change = fence.track(() => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())));
    q.up = false; // cut off from the quorum: renewals never come back
    await change;
    const lapsedAfter = Date.now() - admittedAt;
    assert.ok(signal.aborted);
    assert.ok(lapsedAfter >= LEASE_MS - 5 && lapsedAfter < LEASE_MS + 100, `aborted ${lapsedAfter} ms after the lease began`);
    await fence.close('test');
  });

  test('a long change is not cut off while the lease keeps being renewed', async () => {
    const q = quorum();
    const fence = new StoreFence({ leaseMs: LEASE_MS, confirm: q.confirm });
    const guard = fence.open(1);
    const signal = await guard.admit();
    await fence.track(() => sleep(LEASE_MS * 4));
    assert.equal(signal.aborted, false);
    assert.ok(q.rounds >= 4, `renewed ${q.rounds} times`);
    await fence.close('test');
  });

  test('reads are confirmed at once under the lease, by a round once it has lapsed, never outside the epoch', async () => {
    const q = quorum();
    const fence = new StoreFence({ leaseMs: LEASE_MS, confirm: q.confirm });
    fence.open(3);
    await fence.confirmRead(3);
    assert.equal(q.rounds, 1, 'the first read takes the lease');
    for (let i = 0; i < 100; i++) await fence.confirmRead(3);
    assert.equal(q.rounds, 1, 'reads under the lease need no round');
    await sleep(LEASE_MS / 2 + 20);
    await fence.confirmRead(3); // half gone: renewed in the background
    await sleep(10);
    assert.equal(q.rounds, 2);
    q.up = false;
    await sleep(LEASE_MS + 20);
    let confirmed = false;
    void fence.confirmRead(3).then(() => (confirmed = true), () => undefined);
    await sleep(50);
    assert.equal(confirmed, false, 'a lapsed lease waits for a round that cannot complete');
    await assert.rejects(fence.confirmRead(4), isNotLeader);
    await fence.close('test');
    await assert.rejects(fence.confirmRead(3), isNotLeader);
  });

  test('a new epoch admits again after an old one was closed, with its own lease', async () => {
    const q = quorum();
    const fence = new StoreFence({ leaseMs: LEASE_MS, confirm: q.confirm });
    const first = fence.open(1);
    const old = await first.admit();
    const second = fence.open(2);
    assert.ok(old.aborted, 'the old epoch ended');
    await assert.rejects(first.admit(), isNotLeader);
    assert.equal((await second.admit()).aborted, false);
    assert.equal(fence.guard(), second);
    await fence.close('test');
  });
});
