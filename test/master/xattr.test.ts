// Extended attributes in the master: set, get, list and remove through the
// client API, setxattr(2)'s flags and limits as error codes, persistence
// across a restart, and no attribute left in RocksDB once its inode is gone
// (a plain delete, a replacing rename, and a recursive delete's sweep).

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StrataFileSystem } from '../../src/client/file-system';
import { ErrorCode } from '../../src/common/errors';
import type { Master } from '../../src/master/master';
import { Prefix, RocksStore } from '../../src/master/rocks-store';
import { isCode, makeTempDir, newClient, removeDir, startMaster } from './harness';

async function xattrKeys(metaDir: string): Promise<number> {
  const rocks = new RocksStore(metaDir);
  await rocks.open();
  try {
    return (await rocks.scan({ gte: Buffer.from([Prefix.XATTR]), lt: Buffer.from([Prefix.XATTR + 1]) }, 1_000_000)).length;
  } finally {
    await rocks.close();
  }
}

describe('extended attributes in the master', () => {
  let dir: string;
  let master: Master | null = null;
  let fs: StrataFileSystem | null = null;

  const open = async () => {
    master = await startMaster(path.join(dir, 'data'));
    fs = newClient(master.address);
    return fs;
  };
  const shut = async () => {
    await fs?.close();
    fs = null;
    await master?.close();
    master = null;
  };

  before(async () => {
    dir = await makeTempDir('xattr');
  });

  after(async () => {
    await shut();
    await removeDir(dir);
  });

  it('set, get, list and remove work on files and directories, and survive a restart', async () => {
    let c = await open();
    await c.writeFile('/f', Buffer.from('data'));
    await c.mkdir('/d');
    await c.setXattr('/f', 'user.colour', Buffer.from('blue'));
    await c.setXattr('/f', 'user.empty', Buffer.alloc(0));
    await c.setXattr('/d', 'user.binary', Buffer.from([0, 1, 2, 255]));
    await c.setXattr('/f', 'user.colour', Buffer.from('green'));
    assert.deepEqual(await c.listXattr('/f'), ['user.colour', 'user.empty']);
    await shut();
    c = await open();
    assert.equal((await c.getXattr('/f', 'user.colour')).toString(), 'green');
    assert.equal((await c.getXattr('/f', 'user.empty')).length, 0);
    assert.deepEqual([...(await c.getXattr('/d', 'user.binary'))], [0, 1, 2, 255]);
    await c.removeXattr('/f', 'user.empty');
    assert.deepEqual(await c.listXattr('/f'), ['user.colour']);
  });

  it('missing names, flags and limits fail with their codes', async () => {
    const c = fs ?? (await open());
    await assert.rejects(c.getXattr('/f', 'user.none'), isCode(ErrorCode.NO_ATTRIBUTE));
    await assert.rejects(c.removeXattr('/f', 'user.none'), isCode(ErrorCode.NO_ATTRIBUTE));
    await assert.rejects(c.getXattr('/missing', 'user.x'), isCode(ErrorCode.NOT_FOUND));
    await assert.rejects(c.setXattr('/f', 'user.colour', Buffer.from('x'), 1), isCode(ErrorCode.EXISTS));
    await assert.rejects(c.setXattr('/f', 'user.new', Buffer.from('x'), 2), isCode(ErrorCode.NO_ATTRIBUTE));
    await c.setXattr('/f', 'user.new', Buffer.from('x'), 1);
    await c.setXattr('/f', 'user.new', Buffer.from('y'), 2);
    assert.equal((await c.getXattr('/f', 'user.new')).toString(), 'y');
    await assert.rejects(c.setXattr('/f', 'user.' + 'n'.repeat(251), Buffer.from('x')), isCode(ErrorCode.OUT_OF_RANGE));
    await c.setXattr('/f', 'user.' + 'n'.repeat(250), Buffer.from('x'));
    await assert.rejects(c.setXattr('/f', 'user.big', Buffer.alloc(64 * 1024 + 1)), isCode(ErrorCode.TOO_BIG));
    await c.setXattr('/f', 'user.big', Buffer.alloc(64 * 1024, 7));
    assert.equal((await c.getXattr('/f', 'user.big')).length, 64 * 1024);
    await assert.rejects(c.setXattr('/f', 'user.x', Buffer.from('x'), 3), isCode(ErrorCode.INVALID_ARGUMENT));
  });

  it('deleting, replacing by rename, and deleting recursively removes the attributes from RocksDB', async () => {
    const c = fs ?? (await open());
    await c.delete('/f');
    await c.writeFile('/g', Buffer.from('g'));
    await c.setXattr('/g', 'user.a', Buffer.from('1'));
    await c.writeFile('/h', Buffer.from('h'));
    await c.rename('/h', '/g'); // replaces /g: its inode and attributes go
    assert.deepEqual(await c.listXattr('/g'), []);
    await c.mkdir('/tree/a/b', { recursive: true });
    for (const p of ['/tree', '/tree/a', '/tree/a/b']) await c.setXattr(p, 'user.p', Buffer.from(p));
    await c.writeFile('/tree/a/b/file', Buffer.from('x'));
    await c.setXattr('/tree/a/b/file', 'user.p', Buffer.from('file'));
    await c.delete('/tree', { recursive: true });
    await master?.fileSystem.sweepIdle();
    await c.delete('/d'); // its user.binary
    await shut();
    assert.equal(await xattrKeys(path.join(dir, 'data', 'meta')), 0);
  });
});
