// Metadata sync against real local directories changed behind strata's back:
// entries created outside appear, changed files get the store's size and
// fingerprint, deleted ones vanish (but never a file still being written or
// a mount point), only loaded directories are descended into, and a sync
// that finds nothing new writes nothing to the journal.

import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';

import type { StrataFileSystem } from '../../src/client/file-system';
import type { Master } from '../../src/master/master';
import { apiInvariantProblems, makeTempDir, newClient, outcome, removeDir, startMaster, walkApi } from '../master/harness';

const T = { timeout: 60_000 };

async function names(fs: StrataFileSystem, path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of fs.list(path)) out.push(e.name);
  return out;
}

async function readAll(fs: StrataFileSystem, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await fs.openRead(path)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('metadata sync', () => {
  let dataDir = '';
  let storesDir = '';
  let s = '';
  let master: Master | null = null;
  let fs: StrataFileSystem | null = null;
  const client = (): StrataFileSystem => {
    assert.ok(fs !== null);
    return fs;
  };
  const applied = (): number => {
    assert.ok(master !== null);
    return master.info().appliedIndex;
  };

  before(async () => {
    dataDir = await makeTempDir('sync-master');
    storesDir = await makeTempDir('sync-stores');
    s = nodePath.join(storesDir, 's');
    await fsp.mkdir(s);
    await fsp.writeFile(nodePath.join(s, 'old.txt'), 'old');
    master = await startMaster(dataDir);
    fs = newClient(master.address);
    await client().mount('/s', pathToFileURL(s).href);
  });

  after(async () => {
    await fs?.close();
    await master?.close();
    await removeDir(dataDir);
    await removeDir(storesDir);
  });

  test('entries created, changed and deleted in the store show up after a sync', T, async () => {
    const c = client();
    await c.writeFile('/s/ours.txt', Buffer.from('written by strata'));
    await c.mkdir('/s/ourdir');
    assert.deepEqual(await names(c, '/s'), ['old.txt', 'ourdir', 'ours.txt']);

    await fsp.writeFile(nodePath.join(s, 'new.txt'), 'created outside');
    await fsp.mkdir(nodePath.join(s, 'newdir'));
    await fsp.writeFile(nodePath.join(s, 'newdir', 'inside.txt'), 'deeper');
    await fsp.writeFile(nodePath.join(s, 'old.txt'), 'changed outside, longer');
    await fsp.rm(nodePath.join(s, 'ours.txt'));
    // Not seen until a sync: the directory is loaded already.
    assert.deepEqual(await names(c, '/s'), ['old.txt', 'ourdir', 'ours.txt']);

    const stats = await c.sync('/s');
    assert.deepEqual(
      { added: stats.added, removed: stats.removed, updated: stats.updated },
      { added: 2, removed: 1, updated: 1 },
    );
    assert.deepEqual(await names(c, '/s'), ['newdir', 'new.txt', 'old.txt', 'ourdir'].sort());
    assert.equal(await readAll(c, '/s/new.txt'), 'created outside');
    assert.equal(await readAll(c, '/s/newdir/inside.txt'), 'deeper');
    const old = await c.stat('/s/old.txt');
    assert.equal(old.size, Buffer.byteLength('changed outside, longer'));
    assert.equal(await readAll(c, '/s/old.txt'), 'changed outside, longer');
    assert.equal(await outcome(() => c.stat('/s/ours.txt')), 'NOT_FOUND');
    assert.deepEqual(apiInvariantProblems(await walkApi(c), (await c.stat('/')).nlink), []);
  });

  test('a sync that finds nothing new writes nothing, files written through strata included', T, async () => {
    const c = client();
    await c.writeFile('/s/ourdir/f1', Buffer.from('one'));
    await c.writeFile('/s/ourdir/f2', Buffer.from('two'), { mode: 0o600 });
    await c.sync('/s', { recursive: true }); // settle whatever is pending
    const before = applied();
    const stats = await c.sync('/s', { recursive: true });
    assert.equal(stats.added + stats.removed + stats.updated, 0);
    assert.ok(stats.unchanged >= 5, JSON.stringify(stats));
    assert.equal(applied(), before);
  });

  test('a file still being written and a mount point are never removed by a sync', T, async () => {
    const c = client();
    const pending = await c.createFile('/s/pending.bin'); // not completed: no data in the store yet
    const inner = nodePath.join(storesDir, 'inner');
    await fsp.mkdir(inner);
    await c.mount('/s/inner', pathToFileURL(inner).href);
    await fsp.mkdir(nodePath.join(s, 'ourdir', 'deep'));
    await c.mount('/s/ourdir/deep/m', pathToFileURL(inner + '2').href).catch(() => undefined); // missing: refused
    await c.sync('/s', { recursive: true });
    const listed = await names(c, '/s');
    assert.ok(listed.includes('pending.bin'), listed.join(','));
    assert.ok(listed.includes('inner'), listed.join(','));
    assert.equal((await c.stat('/s/inner')).mountPoint, true);
    await c.completeFile(pending, 0, '', Date.now()).catch(() => undefined);
    await c.delete('/s/pending.bin');
  });

  test('-R descends only into loaded directories; a directory removed outside goes with what strata knew below it', T, async () => {
    const c = client();
    await fsp.mkdir(nodePath.join(s, 'lazy'));
    await fsp.writeFile(nodePath.join(s, 'lazy', 'x'), 'x');
    await c.sync('/s');
    assert.deepEqual(await names(c, '/s/newdir'), ['inside.txt']); // loads newdir
    await fsp.writeFile(nodePath.join(s, 'newdir', 'later.txt'), 'later');
    await c.sync('/s');
    assert.deepEqual(await names(c, '/s/newdir'), ['inside.txt']);
    const stats = await c.sync('/s', { recursive: true });
    assert.equal(stats.added, 1);
    assert.deepEqual(await names(c, '/s/newdir'), ['inside.txt', 'later.txt']);
    assert.deepEqual(await names(c, '/s/lazy'), ['x']); // loaded on first access, not by -R

    await fsp.rm(nodePath.join(s, 'newdir'), { recursive: true });
    await c.sync('/s');
    assert.equal(await outcome(() => c.stat('/s/newdir')), 'NOT_FOUND');
    assert.equal(await outcome(() => c.stat('/s/newdir/later.txt')), 'NOT_FOUND');
    assert.ok(master !== null);
    await master.fileSystem.sweepIdle();
    assert.deepEqual(apiInvariantProblems(await walkApi(c), (await c.stat('/')).nlink), []);
  });

  test('a sync of one path: a changed file, a vanished file, a vanished directory', T, async () => {
    const c = client();
    await fsp.writeFile(nodePath.join(s, 'new.txt'), 'changed again');
    const st = await c.sync('/s/new.txt');
    assert.equal(st.updated, 1);
    assert.equal((await c.stat('/s/new.txt')).size, Buffer.byteLength('changed again'));
    await fsp.rm(nodePath.join(s, 'new.txt'));
    assert.equal((await c.sync('/s/new.txt')).removed, 1);
    assert.equal(await outcome(() => c.stat('/s/new.txt')), 'NOT_FOUND');
    assert.equal(await outcome(() => c.sync('/s/new.txt')), 'NOT_FOUND');
    await fsp.rm(nodePath.join(s, 'lazy'), { recursive: true });
    await c.sync('/s/lazy', { recursive: true });
    assert.equal(await outcome(() => c.stat('/s/lazy')), 'NOT_FOUND');
  });

  test('a mount with sync_interval_ms re-syncs a loaded directory when it is listed', T, async () => {
    const c = client();
    const live = nodePath.join(storesDir, 'live');
    await fsp.mkdir(live);
    await c.mount('/live', pathToFileURL(live).href, { options: { sync_interval_ms: '0' } });
    assert.deepEqual(await names(c, '/live'), []);
    await fsp.writeFile(nodePath.join(live, 'appeared'), 'a');
    assert.deepEqual(await names(c, '/live'), ['appeared']);
    await fsp.rm(nodePath.join(live, 'appeared'));
    assert.deepEqual(await names(c, '/live'), []);
  });

  test('a sync of a large directory streams through it page by page', T, async () => {
    const c = client();
    const big = nodePath.join(s, 'big');
    await c.mkdir('/s/big');
    assert.deepEqual(await names(c, '/s/big'), []);
    const n = 2500;
    for (let i = 0; i < n; i++) await fsp.writeFile(nodePath.join(big, `f${String(i).padStart(5, '0')}`), '');
    const added = await c.sync('/s/big');
    assert.equal(added.added, n);
    for (let i = 0; i < n; i += 2) await fsp.rm(nodePath.join(big, `f${String(i).padStart(5, '0')}`));
    const removed = await c.sync('/s/big');
    assert.equal(removed.removed, n / 2);
    assert.equal(removed.unchanged, n / 2 + 1); // and /s/big itself
    let count = 0;
    for await (const _ of c.list('/s/big')) count++;
    assert.equal(count, n / 2);
  });
});
