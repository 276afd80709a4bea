// Master callbacks (master/callbacks.ts, fuse/metadata-cache.ts): a mount
// answers stat from its own cache with no timeout and the kernel's caches
// off, so every change made elsewhere (another mount, the CLI, a sync of a
// store changed behind strata's back) must have reached it before that
// change's call returned. Each test first has mount A cache the entry (a
// stat), then changes it elsewhere, then stats it in A at once: without the
// invalidations A would answer what it cached, forever.

import assert from 'node:assert/strict';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FuseFixture, sh, strata } from './harness';

const NO_CACHE = ['attr_timeout=0', 'entry_timeout=0'];

/** `stat` in a child process: mode, size, owner, group, mtime and links of each path (or the error). */
async function statIn(mp: string, ...paths: string[]): Promise<string> {
  const res = await sh(`stat -c '%a %s %u %g %Y %h' ${paths.map((p) => `'${p}'`).join(' ')} 2>&1`, mp);
  return res.stdout.trim();
}

async function ok(script: string, cwd: string): Promise<void> {
  const res = await sh(script, cwd);
  assert.equal(res.code, 0, `${script}: ${res.stderr}`);
}

describe('a mount with callbacks sees every change at once, with the kernel caches off', () => {
  let fx: FuseFixture;
  let a: string;
  let b: string;

  before(async () => {
    fx = await FuseFixture.start();
    a = await fx.mount('a', NO_CACHE);
    b = await fx.mount('b', NO_CACHE);
    await ok('mkdir d && echo abc > d/f && echo x > d/g && echo y > d/h', b);
  });

  after(async () => {
    await fx?.close();
  });

  it('chmod, chown, utimens and write+close made through another mount', async () => {
    const before = await statIn(a, 'd/f', 'd');
    assert.match(before, /^644 4 /);
    assert.equal(await statIn(a, 'd/f', 'd'), before); // now cached in A
    await ok('chmod 600 d/f', b);
    assert.match(await statIn(a, 'd/f'), /^600 4 0 0 /);
    await ok('chown 1234:4321 d/f', b);
    assert.match(await statIn(a, 'd/f'), /^600 4 1234 4321 /);
    await ok('touch -d @1000000 d/f', b); // the binding gives utimens one time for both
    assert.match(await statIn(a, 'd/f'), /^600 4 1234 4321 1000000 1$/);
    await ok('echo more >> d/f', b);
    assert.match(await statIn(a, 'd/f'), /^600 9 1234 4321 /);
    const res = await sh('cat d/f', a);
    assert.equal(res.stdout, 'abc\nmore\n'); // close-to-open, as before
  });

  it('rename, unlink and mkdir made through another mount', async () => {
    await statIn(a, 'd/g', 'd/h', 'd');
    const links = Number((await statIn(a, 'd')).split(' ')[5]);
    await ok('mv d/g d/g2', b);
    assert.match(await statIn(a, 'd/g'), /No such file/);
    assert.match(await statIn(a, 'd/g2'), /^644 2 /);
    await ok('rm d/h', b);
    assert.match(await statIn(a, 'd/h'), /No such file/);
    await ok('mkdir d/sub', b);
    assert.equal(Number((await statIn(a, 'd')).split(' ')[5]), links + 1);
  });

  it('a listing reused on a callback shows a name made or removed through another mount', async () => {
    await ok('mkdir listed && touch listed/one', b);
    let res = await sh('ls listed && ls listed', a); // the second listing is answered by A alone
    assert.equal(res.stdout, 'one\none\n');
    await ok('touch listed/two', b);
    res = await sh('ls listed', a);
    assert.equal(res.stdout, 'one\ntwo\n');
    await ok('rm listed/one', b);
    res = await sh('ls listed', a);
    assert.equal(res.stdout, 'two\n');
  });

  it('a change made with strata fs', async () => {
    await statIn(a, 'd/g2');
    const res = await strata(['fs', 'chmod', '640', '/d/g2'], fx.master);
    assert.equal(res.code, 0, res.stderr);
    assert.match(await statIn(a, 'd/g2'), /^640 2 /);
  });

  it('a change of the under store found by strata fs sync', async () => {
    await ok('echo z > d/synced', b);
    assert.match(await statIn(a, 'd/synced'), /^644 2 /);
    await appendFile(path.join(fx.underfs, 'd', 'synced'), 'behind strata\n');
    const res = await strata(['fs', 'sync', '/d'], fx.master);
    assert.equal(res.code, 0, res.stderr);
    assert.match(await statIn(a, 'd/synced'), /^\d+ 16 /);
  });

  it('a stopped mount does not hold up a writer beyond the bound, and serves nothing stale when it resumes', async () => {
    await ok('echo s > stopped', b);
    assert.match(await statIn(a, 'stopped'), /^644 2 /);
    const pid = fx.mountPid(a);
    process.kill(pid, 'SIGSTOP');
    let took: number;
    try {
      const start = Date.now();
      await ok('chmod 604 stopped', b);
      took = Date.now() - start;
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    assert.ok(took < 4000, `the writer waited ${took} ms for a stopped mount`);
    assert.ok(took >= 1500, `the writer did not wait for the stopped mount (${took} ms)`);
    assert.match(await statIn(a, 'stopped'), /^604 2 /);
    // And it goes on working with callbacks afterwards.
    await statIn(a, 'stopped');
    await ok('chmod 606 stopped', b);
    assert.match(await statIn(a, 'stopped'), /^606 2 /);
  });

  it('a master restart under a live mount drops its cache', async () => {
    await ok('echo r > restarted', b);
    assert.match(await statIn(a, 'restarted'), /^644 2 /);
    await fx.restartMaster();
    const res = await strata(['fs', 'chmod', '611', '/restarted'], fx.master);
    assert.equal(res.code, 0, res.stderr);
    assert.match(await statIn(a, 'restarted'), /^611 2 /);
  });
});
