// The first listing of a large directory not loaded yet, through a real FUSE
// mount: the master serves it page by page as the load goes, so neither the
// mount's per-call master_timeout nor the binding's 15 s limit bounds the
// size of a directory that can be listed. master_timeout is set to 1 s here
// so that a few tens of thousands of entries (several seconds of loading)
// stand in for a million. Before the listing, single lookups in the
// directory (one store stat each, not a load) are checked the same way.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { FuseFixture, sh, strata } from '../fuse/harness';

const ENTRIES = 30_000;

describe('listing a large unloaded directory through FUSE', () => {
  let fx: FuseFixture | null = null;
  let mp = '';
  let storeDir = '';

  before(async () => {
    fx = await FuseFixture.start();
    storeDir = path.join(fx.dir, 'big-store');
    // Built by a child process: the files are the test's input, not strata's work.
    const made = await sh(`mkdir -p '${storeDir}' && cd '${storeDir}' && seq -f 'f%06g' 1 ${ENTRIES} | xargs touch`, undefined, 120_000);
    assert.equal(made.code, 0, made.stderr);
    const mounted = await strata(['fs', 'mount', '/big', pathToFileURL(storeDir).href], fx.master);
    assert.equal(mounted.code, 0, mounted.stderr);
    mp = await fx.mount('mnt', ['master_timeout=1']);
  });

  after(async () => {
    await fx?.close();
  });

  test('a file in the unloaded directory is found, and a missing one is not, without loading the directory', { timeout: 60_000 }, async () => {
    const last = `f${String(ENTRIES).padStart(6, '0')}`;
    const found = await sh(`stat -c '%F %s' '${mp}/big/${last}' && cat '${mp}/big/${last}' | wc -c`);
    assert.equal(found.code, 0, found.stderr);
    assert.equal(found.stdout, 'regular empty file 0\n0\n');
    const missing = await sh(`stat '${mp}/big/nope' 2>&1; echo "exit $?"`);
    assert.match(missing.stdout, /No such file or directory/);
    assert.match(missing.stdout, /exit 1/);
  });

  test('a first ls lists every entry even when loading takes longer than master_timeout', { timeout: 180_000 }, async () => {
    const started = Date.now();
    const res = await sh(`ls -f '${mp}/big' | grep -v '^\\.\\.\\?$' | sort | uniq -c | awk '$1 != 1 {dup++} END {print NR, dup+0}'`, undefined, 150_000);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stderr, '', 'ls reported an error');
    // ENTRIES distinct names, none listed twice.
    assert.equal(res.stdout.trim(), `${ENTRIES} 0`);
    // The load took longer than one master call may take, or this test proves nothing.
    assert.ok(seconds > 1, `the first listing took ${seconds} s: too fast to have outlasted master_timeout`);
    const again = await sh(`ls '${mp}/big' | wc -l`);
    assert.equal(again.stdout.trim(), String(ENTRIES));
    const last = await sh(`stat -c %F '${mp}/big/f${String(ENTRIES).padStart(6, '0')}'`);
    assert.equal(last.stdout.trim(), 'regular empty file');
  });
});
