// A recursive delete detaches the subtree in one journal entry (the user sees
// it gone at once) and the sweeper removes what was below it in bounded
// entries, also after a restart that cut the sweep short.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../src/common/errors';
import { makeTempDir, newClient, outcome, removeDir, scanRocks, startMaster } from './harness';

describe('recursive delete', () => {
  let dataDir = '';
  before(async () => {
    dataDir = await makeTempDir('rmr');
  });
  after(async () => {
    await removeDir(dataDir);
  });

  it('a deleted tree of thousands of entries is gone at once and swept to nothing', async () => {
    const master = await startMaster(dataDir);
    const fs = newClient(master.address);
    try {
      await fs.mkdir('/keep');
      await fs.createFile('/keep/file');
      const creates: Array<Promise<unknown>> = [];
      for (let d = 0; d < 30; d++) {
        await fs.mkdir(`/big/d${d}/inner`, { recursive: true });
        for (let f = 0; f < 100; f++) creates.push(fs.createFile(`/big/d${d}/f${f}`));
        creates.push(fs.createFile(`/big/d${d}/inner/deep`));
      }
      await Promise.all(creates);
      await fs.delete('/big', { recursive: true });
      assert.equal(await outcome(() => fs.stat('/big')), ErrorCode.NOT_FOUND);
      assert.equal(await outcome(() => fs.stat('/big/d3/f7')), ErrorCode.NOT_FOUND);
      // The name is free again at once, for a new, empty directory.
      await fs.mkdir('/big');
      const listing: string[] = [];
      for await (const e of fs.list('/big')) listing.push(e.name);
      assert.deepEqual(listing, []);
      await master.fileSystem.sweepIdle();
    } finally {
      await fs.close();
      await master.close();
    }
    const stored = await scanRocks(path.join(dataDir, 'meta'));
    assert.deepEqual(stored.problems, []);
    assert.deepEqual(stored.trashRoots, []);
    // root, /keep, /keep/file, the new /big: nothing of the old tree is left.
    assert.equal(stored.inodeCount, 4);
    assert.deepEqual([...stored.nodes.keys()].sort(), ['/big', '/keep', '/keep/file']);
  });

  it('a sweep cut short by a restart is finished by the restarted master', async () => {
    let master = await startMaster(dataDir);
    let fs = newClient(master.address);
    try {
      const creates: Array<Promise<unknown>> = [];
      await fs.mkdir('/t/a', { recursive: true });
      for (let f = 0; f < 3000; f++) creates.push(fs.createFile(`/t/a/f${f}`));
      await Promise.all(creates);
      // As if the master died right after the delete: no sweep runs before the restart.
      await master.fileSystem.stopBackground();
      await fs.delete('/t', { recursive: true });
    } finally {
      await fs.close();
      await master.close();
    }
    const cut = await scanRocks(path.join(dataDir, 'meta'));
    assert.deepEqual(cut.problems, []);
    assert.equal(cut.trashRoots.length, 1);
    assert.ok(cut.trashInodes >= 3002, `trash holds the detached tree (${cut.trashInodes} inodes)`);
    master = await startMaster(dataDir);
    fs = newClient(master.address);
    try {
      assert.equal(await outcome(() => fs.stat('/t')), ErrorCode.NOT_FOUND);
      await master.fileSystem.sweepIdle();
    } finally {
      await fs.close();
      await master.close();
    }
    const swept = await scanRocks(path.join(dataDir, 'meta'));
    assert.deepEqual(swept.problems, []);
    assert.deepEqual(swept.trashRoots, []);
    assert.equal(swept.nodes.has('/t'), false);
  });
});
