// Two mounts of one master, and a master restart under a live mount: what a
// user of several machines (or of a restarted master) relies on.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuseFixture, sh } from './harness';

// Kernel caches off, so that what these tests see is the mount's own
// consistency (close-to-open), not how long the kernel trusts an attribute.
const NO_CACHE = ['attr_timeout=0', 'entry_timeout=0'];

describe('two mounts of one master', () => {
  let fx: FuseFixture;
  let a: string;
  let b: string;

  before(async () => {
    fx = await FuseFixture.start();
    a = await fx.mount('a', NO_CACHE);
    b = await fx.mount('b', NO_CACHE);
  });

  after(async () => {
    await fx?.close();
  });

  it('a file written and closed in one mount is read whole in the other', async () => {
    let res = await sh('seq 1 50000 > shared.txt && mkdir dir && echo x > dir/f', a);
    assert.equal(res.code, 0, res.stderr);
    res = await sh('md5sum shared.txt && cat dir/f', b);
    const want = await sh('seq 1 50000 | md5sum');
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, want.stdout.replace('-', 'shared.txt') + 'x\n');
  });

  it('changes after close go both ways: overwrite, append, rename and delete', async () => {
    let res = await sh('cat shared.txt > /dev/null && echo replaced > shared.txt && echo added >> dir/f', b);
    assert.equal(res.code, 0, res.stderr);
    res = await sh('cat shared.txt dir/f', a);
    assert.equal(res.stdout, 'replaced\nx\nadded\n');
    res = await sh('mv dir moved && rm shared.txt', a);
    assert.equal(res.code, 0, res.stderr);
    res = await sh('ls -A && cat moved/f', b);
    assert.equal(res.stdout, 'moved\nx\nadded\n');
  });

  it('a file open for writing in one mount is not half-seen by the other before close', async () => {
    // The writer holds the file open (sleep), the reader looks, then the writer closes.
    const writer = sh('exec 3> partial.txt && echo first >&3 && sleep 1.5 && echo second >&3 && exec 3>&-', a);
    await sh('sleep 0.7');
    const during = await sh('cat partial.txt', b);
    const done = await writer;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(during.code, 0, during.stderr);
    assert.ok(during.stdout === '' || during.stdout === 'first\n', `seen before close: ${JSON.stringify(during.stdout)}`);
    const res = await sh('cat partial.txt', b);
    assert.equal(res.stdout, 'first\nsecond\n');
  });
});

describe('a master restart under a live mount', () => {
  let fx: FuseFixture;
  let mnt: string;

  before(async () => {
    fx = await FuseFixture.start();
    mnt = await fx.mount('mnt', [...NO_CACHE, 'master_timeout=2']);
  });

  after(async () => {
    await fx?.close();
  });

  it('the mount keeps working without a remount after SIGTERM and a start on the same port', async () => {
    let res = await sh('mkdir keep && seq 1 1000 > keep/before.txt', mnt);
    assert.equal(res.code, 0, res.stderr);
    await fx.restartMaster();
    res = await sh('cat keep/before.txt | wc -l && echo after > keep/after.txt && ls keep && cat keep/after.txt', mnt);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, '1000\nafter.txt\nbefore.txt\nafter\n');
  });

  it('while the master is down operations fail with EIO (no hang), and work again once it is back', async () => {
    await fx.stopMaster();
    try {
      // Not with the mount as cwd: the child's chdir would fail with EIO before stat ran.
      const res = await sh(`stat '${mnt}/keep/before.txt'`);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /Input\/output error/);
    } finally {
      await fx.startMaster();
    }
    const res = await sh('echo back > keep/back.txt && cat keep/back.txt && ls keep | wc -l', mnt);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'back\n3\n');
  });

  it('a file held open for writing across a restart is committed at close', async () => {
    const writer = sh('exec 3> held.txt && echo one >&3 && sleep 2 && echo two >&3 && exec 3>&- && cat held.txt', mnt);
    await sh('sleep 0.5');
    await fx.restartMaster();
    const res = await writer;
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'one\ntwo\n');
  });
});
