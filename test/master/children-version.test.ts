// A directory's children_version moves on every change to its set of names,
// whoever makes it (an API call, a sync from the under store), and stays put
// otherwise; ListStatus with if_changed answers "unchanged" exactly while it
// stays put. The FUSE mount reuses a listing on that answer (validated
// listings, metadata-cache.ts), so a version that failed to move would show a
// stale directory.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StrataFileSystem } from '../../src/client/file-system';
import type { Master } from '../../src/master/master';
import { makeTempDir, newClient, removeDir, startMaster } from './harness';

describe('a directory\'s children version', () => {
  let dir: string;
  let master: Master;
  let fs: StrataFileSystem;
  before(async () => {
    dir = await makeTempDir('children-version');
    master = await startMaster(dir);
    fs = newClient(master.address);
  });
  after(async () => {
    await fs?.close();
    await master?.close();
    await removeDir(dir);
  });

  const version = async (p: string): Promise<number> => (await fs.stat(p)).childrenVersion;

  it('moves on create, remove and rename in or out, and on nothing else', async () => {
    await fs.mkdir('/d');
    await fs.mkdir('/other');
    const steps: Array<[string, () => Promise<unknown>, boolean]> = [
      ['create a file', () => fs.writeFile('/d/a', Buffer.from('x')), true],
      ['mkdir', () => fs.mkdir('/d/sub'), true],
      ['a create one level down', () => fs.createFile('/d/sub/x'), false],
      ['chmod an entry', () => fs.setAttribute('/d/a', { mode: 0o600 }), false],
      ['chmod the directory', () => fs.setAttribute('/d', { mode: 0o700 }), false],
      ['setxattr on an entry', () => fs.setXattr('/d/a', 'user.k', Buffer.from('v')), false],
      ['symlink', () => fs.symlink('/d/l', '/d/a'), true],
      ['rename within', () => fs.rename('/d/a', '/d/b'), true],
      ['rename out', () => fs.rename('/d/b', '/other/b'), true],
      ['rename in', () => fs.rename('/other/b', '/d/c'), true],
      ['rename in over an existing name', async () => { await fs.createFile('/other/c'); await fs.rename('/other/c', '/d/c'); }, true],
      ['unlink', () => fs.delete('/d/c'), true],
      ['a listing', async () => { for await (const _ of fs.list('/d')) void _; }, false],
    ];
    for (const [what, step, moves] of steps) {
      const before = await version('/d');
      await step();
      const now = await version('/d');
      if (moves) assert.ok(now > before, `${what}: the version stayed at ${before}`);
      else assert.equal(now, before, `${what}: the version moved`);
    }
  });

  it('moves when a sync from the under store finds a new or vanished name', async () => {
    await fs.mkdir('/s');
    await fs.createFile('/s/kept');
    const v0 = await version('/s');
    await writeFile(path.join(dir, 'underfs', 's', 'outside'), 'x');
    await fs.sync('/s');
    const v1 = await version('/s');
    assert.ok(v1 > v0, 'a name added in the under store');
    await fs.sync('/s');
    assert.equal(await version('/s'), v1, 'a sync that finds nothing new');
  });

  it('answers a listing at the known version with "unchanged" and nothing else, and lists in full once it moved', async () => {
    await fs.mkdir('/l');
    await fs.createFile('/l/one');
    const first = await fs.listPage('/l', '', 100);
    assert.equal(first.unchanged, false);
    assert.deepEqual(first.compactEntries.map((e) => e.name), ['one']);
    assert.equal(first.compactEntries[0].type, 'FILE');
    assert.equal(first.entries.length, 0, 'compact entries only');
    assert.equal(first.dirId, (await fs.stat('/l')).id);
    const known = { id: first.dirId, version: first.childrenVersion };
    const again = await fs.listPage('/l', '', 100, known);
    assert.equal(again.unchanged, true);
    assert.equal(again.compactEntries.length, 0);
    await fs.createFile('/l/two');
    const after = await fs.listPage('/l', '', 100, known);
    assert.equal(after.unchanged, false);
    assert.deepEqual(after.compactEntries.map((e) => e.name), ['one', 'two']);
    assert.ok(after.childrenVersion > first.childrenVersion);
    // Plain listings (strata fs ls and every other caller) still get full FileInfo entries.
    const plain: string[] = [];
    for await (const e of fs.list('/l')) plain.push(`${e.path} ${e.ufsUri.startsWith('file://') ? 'uri' : 'no uri'}`);
    assert.deepEqual(plain, ['/l/one uri', '/l/two uri']);
  });

  it('never answers "unchanged" for a path that is another directory now, even at the same version', async () => {
    await fs.mkdir('/again');
    await fs.createFile('/again/old');
    const first = await fs.listPage('/again', '', 100);
    await fs.delete('/again', { recursive: true });
    await fs.mkdir('/again');
    await fs.createFile('/again/new');
    assert.equal((await fs.stat('/again')).childrenVersion, first.childrenVersion, 'the same version number');
    const page = await fs.listPage('/again', '', 100, { id: first.dirId, version: first.childrenVersion });
    assert.equal(page.unchanged, false);
    assert.deepEqual(page.compactEntries.map((e) => e.name), ['new']);
  });

  it('tells a create the parent\'s version after it, and nothing for a name replaced', async () => {
    await fs.mkdir('/p');
    const v = await version('/p');
    const file = await fs.createFileReply('/p/f');
    assert.equal(file.parentChildrenVersion, v + 1);
    assert.equal(file.parentId, (await fs.stat('/p')).id);
    const dir = await fs.mkdirReply('/p/sub');
    assert.equal(dir.parentChildrenVersion, v + 2);
    assert.equal(dir.info.childrenVersion, 0);
    const link = await fs.symlinkReply('/p/l', 'f');
    assert.equal(link.parentChildrenVersion, v + 3);
    const replaced = await fs.createFileReply('/p/f', { overwrite: true });
    assert.equal(replaced.parentChildrenVersion, 0);
  });

  it('survives a restart of the master', async () => {
    await fs.mkdir('/r');
    await fs.createFile('/r/f');
    const v = await version('/r');
    assert.ok(v > 0);
    await fs.close();
    await master.close();
    master = await startMaster(dir);
    fs = newClient(master.address);
    assert.equal(await version('/r'), v);
  });
});
