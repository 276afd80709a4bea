// A listing must show a state the namespace was in: while renames replace a
// file over and over, the replaced name never disappears from its directory
// (a listing used to read edges from RocksDB and inodes from the batch being
// applied, and dropped the entry whose old inode the batch deleted).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StrataFileSystem } from '../../src/client/file-system';
import type { Master } from '../../src/master/master';
import { makeTempDir, newClient, removeDir, startMaster } from './harness';

describe('listings during renames that replace a file', () => {
  let dir: string;
  let master: Master;
  let fs: StrataFileSystem;
  before(async () => {
    dir = await makeTempDir('listing');
    master = await startMaster(dir);
    fs = newClient(master.address);
  });
  after(async () => {
    await fs?.close();
    await master?.close();
    await removeDir(dir);
  });

  it('never miss the name being replaced', async () => {
    await fs.mkdir('/d');
    await fs.createFile('/d/x');
    let stop = false;
    const renames = (async () => {
      for (let i = 0; i < 400; i++) {
        await fs.createFile(`/d/t${i}`);
        await fs.rename(`/d/t${i}`, '/d/x');
      }
      stop = true;
    })();
    let listings = 0;
    const lists = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const names: string[] = [];
        for await (const e of fs.list('/d')) names.push(e.name);
        listings++;
        assert.ok(names.includes('x'), `a listing of /d without x: [${names.join(', ')}]`);
      }
    });
    await Promise.all([renames, ...lists]);
    assert.ok(listings > 100, `only ${listings} listings`);
  });
});
