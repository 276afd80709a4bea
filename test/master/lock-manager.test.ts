// The inode lock manager and LockSet on their own: who waits for whom, in
// what order waiters are served, and that lock objects do not outlive their
// holders. A promise's state is observed with a flag set in .then(); flags are
// read after a few turns of the event loop, so a grant that was going to
// happen has happened.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { InodeLockManager, LockMode, LockSet, edgeLockKey, inodeLockKey } from '../../src/master/lock-manager';

/** Lets every queued microtask and immediate run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Tracks whether an acquire has been granted yet (null = granted at once). */
function track(pending: Promise<void> | null): { granted: boolean } {
  const state = { granted: pending === null };
  pending?.then(() => {
    state.granted = true;
  });
  return state;
}

/** Records the order of releases the manager sees. */
class RecordingLockManager extends InodeLockManager {
  readonly acquired: string[] = [];
  readonly released: string[] = [];
  override acquire(key: string, mode: LockMode): Promise<void> | null {
    this.acquired.push(key);
    return super.acquire(key, mode);
  }
  override release(key: string, mode: LockMode): void {
    this.released.push(key);
    super.release(key, mode);
  }
}

describe('InodeLockManager', () => {
  test('operations on disjoint keys do not wait', { timeout: 10_000 }, () => {
    const m = new InodeLockManager();
    assert.equal(m.acquire(inodeLockKey(2), LockMode.WRITE), null);
    assert.equal(m.acquire(inodeLockKey(3), LockMode.WRITE), null);
    assert.equal(m.acquire(edgeLockKey(2, 'x'), LockMode.WRITE), null);
    assert.equal(m.acquire(edgeLockKey(2, 'y'), LockMode.WRITE), null);
    // The edge of one name does not cover another name in the same directory.
    assert.equal(m.wouldWait(edgeLockKey(2, 'z'), LockMode.WRITE), false);
    assert.equal(m.size, 4);
    m.release(inodeLockKey(2), LockMode.WRITE);
    m.release(inodeLockKey(3), LockMode.WRITE);
    m.release(edgeLockKey(2, 'x'), LockMode.WRITE);
    m.release(edgeLockKey(2, 'y'), LockMode.WRITE);
    assert.equal(m.size, 0);
  });

  test('readers share a lock and a writer excludes everyone', { timeout: 10_000 }, async () => {
    const m = new InodeLockManager();
    assert.equal(m.acquire('k', LockMode.READ), null);
    assert.equal(m.acquire('k', LockMode.READ), null);
    m.release('k', LockMode.READ);
    m.release('k', LockMode.READ);
    assert.equal(m.acquire('k', LockMode.WRITE), null);
    const reader = track(m.acquire('k', LockMode.READ));
    const writer = track(m.acquire('k', LockMode.WRITE));
    await settle();
    assert.equal(reader.granted, false);
    assert.equal(writer.granted, false);
    m.release('k', LockMode.WRITE);
    await settle();
    assert.equal(reader.granted, true, 'the first waiter (a reader) is served');
    assert.equal(writer.granted, false, 'the writer behind it still waits for the reader');
    m.release('k', LockMode.READ);
    await settle();
    assert.equal(writer.granted, true);
    m.release('k', LockMode.WRITE);
    assert.equal(m.size, 0);
  });

  test('a writer waits for readers and readers arriving later queue behind it (no starvation)', { timeout: 10_000 }, async () => {
    const m = new InodeLockManager();
    assert.equal(m.acquire('k', LockMode.READ), null);
    assert.equal(m.acquire('k', LockMode.READ), null);
    const writer = track(m.acquire('k', LockMode.WRITE));
    // A reader that arrives while the writer waits must not overtake it,
    // or a steady stream of readers would starve the writer forever.
    assert.equal(m.wouldWait('k', LockMode.READ), true);
    const late1 = track(m.acquire('k', LockMode.READ));
    const late2 = track(m.acquire('k', LockMode.READ));
    const writer2 = track(m.acquire('k', LockMode.WRITE));
    const late3 = track(m.acquire('k', LockMode.READ));
    await settle();
    assert.deepEqual([writer.granted, late1.granted, late2.granted], [false, false, false]);

    m.release('k', LockMode.READ);
    await settle();
    assert.equal(writer.granted, false, 'one reader still holds the lock');
    m.release('k', LockMode.READ);
    await settle();
    assert.equal(writer.granted, true);
    assert.deepEqual([late1.granted, late2.granted], [false, false]);

    m.release('k', LockMode.WRITE);
    await settle();
    // Every reader up to the next writer is granted together; the rest wait.
    assert.deepEqual([late1.granted, late2.granted, writer2.granted, late3.granted], [true, true, false, false]);
    m.release('k', LockMode.READ);
    m.release('k', LockMode.READ);
    await settle();
    assert.deepEqual([writer2.granted, late3.granted], [true, false]);
    m.release('k', LockMode.WRITE);
    await settle();
    assert.equal(late3.granted, true);
    m.release('k', LockMode.READ);
    assert.equal(m.size, 0);
  });

  test('lock objects disappear once released, also after contention', { timeout: 10_000 }, async () => {
    const m = new InodeLockManager();
    const keys = Array.from({ length: 100 }, (_, i) => edgeLockKey(1, `f${i}`));
    for (const k of keys) assert.equal(m.acquire(k, LockMode.WRITE), null);
    const waiters = keys.map((k) => track(m.acquire(k, LockMode.READ)));
    assert.equal(m.size, 100);
    for (const k of keys) m.release(k, LockMode.WRITE);
    await settle();
    assert.ok(waiters.every((w) => w.granted));
    assert.equal(m.size, 100, 'the waiters hold them now');
    for (const k of keys) m.release(k, LockMode.READ);
    assert.equal(m.size, 0);
    assert.throws(() => m.release(keys[0], LockMode.READ), /not held/);
  });
});

describe('LockSet', () => {
  test('takes a key shared by two paths once and releases in reverse order', { timeout: 10_000 }, () => {
    const m = new RecordingLockManager();
    const set = new LockSet(m);
    // Two paths with a common ancestor, as a rename of /a/x to /a/y locks them.
    const order: Array<[string, LockMode]> = [
      [inodeLockKey(1), LockMode.READ],
      [edgeLockKey(1, 'a'), LockMode.READ],
      [inodeLockKey(2), LockMode.READ],
      [edgeLockKey(2, 'x'), LockMode.WRITE],
      [inodeLockKey(3), LockMode.WRITE],
      // the second path: its ancestors again, then its own edge
      [inodeLockKey(1), LockMode.READ],
      [edgeLockKey(1, 'a'), LockMode.READ],
      [inodeLockKey(2), LockMode.READ],
      [edgeLockKey(2, 'y'), LockMode.WRITE],
    ];
    for (const [key, mode] of order) assert.equal(set.lock(key, mode), null);
    // A weaker mode on a key held for writing is also already covered.
    assert.equal(set.lock(inodeLockKey(3), LockMode.READ), null);
    const distinct = ['i1', 'e1/a', 'i2', 'e2/x', 'i3', 'e2/y'];
    assert.deepEqual(m.acquired, distinct, 'each key acquired once');
    assert.equal(m.size, distinct.length);
    assert.equal(set.holds(edgeLockKey(2, 'x')), LockMode.WRITE);

    set.release();
    assert.deepEqual(m.released, [...distinct].reverse(), 'released children before parents');
    assert.equal(m.size, 0);
    set.release(); // safe to call twice
    assert.equal(m.released.length, distinct.length);
    assert.throws(() => set.lock('i9', LockMode.READ), /already released/);
  });

  test('upgrading a held read lock to write is refused rather than deadlocking', { timeout: 10_000 }, () => {
    const m = new InodeLockManager();
    const set = new LockSet(m);
    assert.equal(set.lock('i7', LockMode.READ), null);
    assert.throws(() => set.lock('i7', LockMode.WRITE), /upgrade/);
    set.release();
    assert.equal(m.size, 0);
  });

  test('unlock releases one lock early and the rest still release once', { timeout: 10_000 }, () => {
    const m = new RecordingLockManager();
    const set = new LockSet(m);
    set.lock('i1', LockMode.READ);
    set.lock('e1/a', LockMode.WRITE);
    set.unlock('e1/a');
    set.unlock('e1/a'); // not held any more: no-op
    assert.equal(m.wouldWait('e1/a', LockMode.WRITE), false);
    set.release();
    assert.deepEqual(m.released, ['e1/a', 'i1']);
    assert.equal(m.size, 0);
  });

  test('two lock sets on one key: the second waits until the first releases', { timeout: 10_000 }, async () => {
    const m = new InodeLockManager();
    const first = new LockSet(m);
    const second = new LockSet(m);
    assert.equal(first.lock('e1/a', LockMode.WRITE), null);
    const waiting = track(second.lock('e1/a', LockMode.READ));
    await settle();
    assert.equal(waiting.granted, false);
    first.release();
    await settle();
    assert.equal(waiting.granted, true);
    second.release();
    assert.equal(m.size, 0);
  });
});
