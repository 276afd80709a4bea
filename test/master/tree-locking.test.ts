// Locking of the inode tree, seen from a client: an in-process master on a
// temp data directory, a StrataFileSystem over loopback gRPC, and the
// master's own lock manager (FileSystemMaster.tree, public for this) to hold
// a lock the way an operation in flight would.
//
// Why these cannot pass by accident: the operations that must wait are sent
// first, the ones that must not wait after them on the same stream; the test
// requires the second group to complete while the lock is still held (it
// would hang, and time out, if they waited on it), then gives the first
// group another WAIT_MS on top of that, which is far longer than the same
// operations just took, and requires them to be still pending. Only after the
// release must they complete, with the results that order implies.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import type { StrataFileSystem } from '../../src/client/file-system';
import { ROOT_ID } from '../../src/master/inode';
import { InodeLockManager, LockMode, edgeLockKey, inodeLockKey } from '../../src/master/lock-manager';
import type { Master } from '../../src/master/master';
import { makeTempDir, newClient, outcome, removeDir, sleep, startMaster } from './harness';

/** How long an operation that must wait is watched after the others finished. */
const WAIT_MS = 150;
/** How long operations that must not wait may take (they take milliseconds). */
const MUST_FINISH_MS = 10_000;

interface Watched {
  done: boolean;
  result: Promise<string>;
}

/** Starts an operation and records when it settles; result is 'ok' or the error code. */
function watch(op: () => Promise<unknown>): Watched {
  const w: Watched = { done: false, result: Promise.resolve('') };
  w.result = outcome(op).finally(() => {
    w.done = true;
  });
  return w;
}

async function withinDeadline<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not complete within ${MUST_FINISH_MS} ms: it waited on a lock it should not need`)), MUST_FINISH_MS);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until cond holds (a state the test must reach before it goes on). */
async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await sleep(5);
  assert.ok(cond(), `timed out waiting until ${what}`);
}

/** Waits until the lock manager is empty again (the operations' locks are released). */
async function locksDrained(lm: InodeLockManager): Promise<void> {
  for (let i = 0; i < 200 && lm.size > 0; i++) await sleep(5);
  assert.equal(lm.size, 0, 'every lock object is gone once the operations ended');
}

describe('tree locking', () => {
  let dataDir = '';
  let master: Master | null = null;
  let fs: StrataFileSystem | null = null;

  before(async () => {
    dataDir = await makeTempDir('tree-locking');
    master = await startMaster(dataDir);
    fs = newClient(master.address);
  });

  after(async () => {
    await fs?.close();
    await master?.close();
    await removeDir(dataDir);
  });

  function ctx(): { fs: StrataFileSystem; lm: InodeLockManager } {
    assert.ok(fs !== null && master !== null);
    return { fs, lm: master.fileSystem.tree.lockManager };
  }

  test("operations on disjoint directories do not wait for each other's locks", { timeout: 30_000 }, async () => {
    const { fs, lm } = ctx();
    await fs.mkdir('/d1a');
    await fs.mkdir('/d1b');
    await fs.createFile('/d1a/existing');

    // What a rename or delete of /d1a holds: the edge root -> d1a, for writing.
    const held = edgeLockKey(ROOT_ID, 'd1a');
    assert.equal(lm.acquire(held, LockMode.WRITE), null, 'nothing else holds it');
    let released = false;
    try {
      const blocked = {
        create: watch(() => fs.createFile('/d1a/x')),
        mkdir: watch(() => fs.mkdir('/d1a/sub')),
        stat: watch(() => fs.stat('/d1a')),
        rename: watch(() => fs.rename('/d1a/existing', '/d1a/renamed')),
      };
      await withinDeadline('operations in /d1b', (async () => {
        await fs.createFile('/d1b/x');
        await fs.mkdir('/d1b/sub');
        await fs.rename('/d1b/x', '/d1b/sub/y');
        assert.equal((await fs.stat('/d1b/sub/y')).type, 'FILE');
        await fs.delete('/d1b/sub', { recursive: true });
        // The root itself is only read-locked by both sides.
        assert.equal((await fs.stat('/')).type, 'DIRECTORY');
      })());
      await sleep(WAIT_MS);
      for (const [name, w] of Object.entries(blocked)) assert.equal(w.done, false, `${name} in /d1a must wait for the held edge lock`);

      lm.release(held, LockMode.WRITE);
      released = true;
      assert.equal(await blocked.create.result, 'ok');
      assert.equal(await blocked.mkdir.result, 'ok');
      assert.equal(await blocked.stat.result, 'ok');
      assert.equal(await blocked.rename.result, 'ok');
      assert.equal((await fs.stat('/d1a/renamed')).type, 'FILE');
    } finally {
      if (!released) lm.release(held, LockMode.WRITE);
    }
    await locksDrained(lm);
  });

  test('creates of different names in one directory do not wait for each other', { timeout: 30_000 }, async () => {
    const { fs, lm } = ctx();
    const dir = await fs.mkdir('/d2');
    // What a create of /d2/x holds while its entry is being made durable.
    const held = edgeLockKey(Number(dir.id), 'x');
    assert.equal(lm.acquire(held, LockMode.WRITE), null);
    let released = false;
    try {
      const sameName = watch(() => fs.createFile('/d2/x'));
      await withinDeadline('creates of other names in /d2', Promise.all([
        fs.createFile('/d2/y'),
        fs.mkdir('/d2/z'),
        fs.symlink('/d2/w', '/elsewhere'),
      ]));
      await sleep(WAIT_MS);
      assert.equal(sameName.done, false, 'a create of the same name waits');
      lm.release(held, LockMode.WRITE);
      released = true;
      assert.equal(await sameName.result, 'ok');
    } finally {
      if (!released) lm.release(held, LockMode.WRITE);
    }
    const names = [];
    for await (const e of fs.list('/d2')) names.push(e.name);
    assert.deepEqual(names, ['w', 'x', 'y', 'z']);
    assert.equal((await fs.stat('/d2')).nlink, 3, 'one subdirectory');
    await locksDrained(lm);
  });

  test('conflicting operations wait, and a later one sees the result of the earlier one', { timeout: 30_000 }, async () => {
    const { fs, lm } = ctx();
    const dir = await fs.mkdir('/d3');
    await fs.createFile('/d3/f');
    await fs.mkdir('/d3other');

    // What any operation inside /d3 holds: a read lock on the inode of /d3.
    const held = inodeLockKey(Number(dir.id));
    assert.equal(lm.acquire(held, LockMode.READ), null);
    let released = false;
    try {
      // The delete takes the edge root -> d3 for writing, then waits for the
      // inode; the stat arrives after it and must queue behind it.
      const del = watch(() => fs.delete('/d3', { recursive: true }));
      await until('the delete holds the edge root -> d3', () => lm.wouldWait(edgeLockKey(ROOT_ID, 'd3'), LockMode.READ));
      const statAfter = watch(() => fs.stat('/d3/f'));
      await withinDeadline('operations outside /d3', Promise.all([fs.createFile('/d3other/g'), fs.stat('/d3other')]));
      await sleep(WAIT_MS);
      assert.equal(del.done, false, 'the delete waits for the reader inside /d3');
      assert.equal(statAfter.done, false, 'the stat queues behind the delete');
      lm.release(held, LockMode.READ);
      released = true;
      assert.equal(await del.result, 'ok');
      assert.equal(await statAfter.result, 'NOT_FOUND', 'the stat ran after the delete');
    } finally {
      if (!released) lm.release(held, LockMode.READ);
    }
    await locksDrained(lm);
  });

  test('two renames onto one name are serialized: one replaces, the other then replaces it', { timeout: 30_000 }, async () => {
    const { fs, lm } = ctx();
    const dir = await fs.mkdir('/d4');
    const s1 = await fs.createFile('/d4/s1');
    const s2 = await fs.createFile('/d4/s2');
    const held = edgeLockKey(Number(dir.id), 't');
    assert.equal(lm.acquire(held, LockMode.WRITE), null);
    let released = false;
    try {
      const r1 = watch(() => fs.rename('/d4/s1', '/d4/t'));
      // r1 locks its source edge, then queues for d4 -> t; r2 must queue after it.
      await until('the first rename holds its source edge', () => lm.wouldWait(edgeLockKey(Number(dir.id), 's1'), LockMode.READ));
      const r2 = watch(() => fs.rename('/d4/s2', '/d4/t'));
      await withinDeadline('a create of another name', fs.createFile('/d4/u'));
      await sleep(WAIT_MS);
      assert.equal(r1.done || r2.done, false, 'both renames wait for the edge d4 -> t');
      lm.release(held, LockMode.WRITE);
      released = true;
      assert.deepEqual([await r1.result, await r2.result], ['ok', 'ok']);
    } finally {
      if (!released) lm.release(held, LockMode.WRITE);
    }
    // Arrival order: s1 landed first and was replaced by s2.
    assert.equal(Number((await fs.stat('/d4/t')).id), Number(s2.id));
    assert.notEqual(Number(s1.id), Number(s2.id));
    const names = [];
    for await (const e of fs.list('/d4')) names.push(e.name);
    assert.deepEqual(names, ['t', 'u']);
    await locksDrained(lm);
  });
});
