// What a client sets reaches the under store where the store can keep it:
// a file's mtime (utimens, touch -d, cp -p) on a local file itself, and the
// owner of a new directory. A sync afterwards finds nothing changed, and a
// bad mtime changes nothing.

import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { StrataFileSystem } from '../../src/client/file-system';
import type { Master } from '../../src/master/master';
import { codeOf, makeTempDir, newClient, removeDir, startMaster } from '../master/harness';

const T = { timeout: 60_000 };

describe('times and owners in the under store', () => {
  let dataDir = '';
  let storeDir = '';
  let master: Master | null = null;
  let fs: StrataFileSystem | null = null;
  const client = (): StrataFileSystem => {
    assert.ok(fs !== null);
    return fs;
  };

  before(async () => {
    dataDir = await makeTempDir('times-master');
    storeDir = await makeTempDir('times-store');
    master = await startMaster(dataDir);
    fs = newClient(master.address);
    await client().mount('/l', pathToFileURL(storeDir).href);
  });

  after(async () => {
    await fs?.close();
    await master?.close();
    await removeDir(dataDir);
    await removeDir(storeDir);
  });

  test("a file's mtime set through strata is the local file's own, and a sync finds it unchanged", T, async () => {
    await client().writeFile('/l/f.txt', Buffer.from('some bytes'));
    const mtimeMs = Date.UTC(2010, 0, 2, 3, 4, 5, 600);
    const info = await client().setAttribute('/l/f.txt', { mtimeMs });
    assert.equal(Number(info.mtimeMs), mtimeMs);
    assert.equal(Math.floor((await fsp.stat(nodePath.join(storeDir, 'f.txt'))).mtimeMs), mtimeMs);
    const synced = await client().sync('/l', { recursive: true });
    assert.equal(Number(synced.updated), 0, 'the sync saw a change strata made itself');
    assert.equal(Number((await client().stat('/l/f.txt')).mtimeMs), mtimeMs);
    assert.equal(await fsp.readFile(nodePath.join(storeDir, 'f.txt'), 'utf8'), 'some bytes');
  });

  test('a bad mtime is refused and changes nothing', T, async () => {
    await client().writeFile('/l/g.txt', Buffer.from('g'));
    const before = (await fsp.stat(nodePath.join(storeDir, 'g.txt'))).mtimeMs;
    assert.equal(codeOf(await client().setAttribute('/l/g.txt', { mtimeMs: -5 }).catch((e: unknown) => e)), 'INVALID_ARGUMENT');
    assert.equal((await fsp.stat(nodePath.join(storeDir, 'g.txt'))).mtimeMs, before);
  });

  test('a new directory gets its owner in the store, where this process may give it', T, async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('needs root to give a directory another owner');
      return;
    }
    // A client's owner travels with its requests: a client acting for another user.
    assert.ok(master !== null);
    const other = new StrataFileSystem([master.address], { callTimeoutMs: 20_000 }, { uid: 1234, gid: 4321 });
    try {
      await other.mkdir('/l/theirs', { mode: 0o755 });
    } finally {
      await other.close();
    }
    const st = await fsp.stat(nodePath.join(storeDir, 'theirs'));
    assert.deepEqual([st.uid, st.gid], [1234, 4321]);
    assert.equal(Number((await client().sync('/l')).updated), 0);
  });
});
