// The FUSE client's caches and write-behind on their own, without a mount:
// the metadata cache (metadata-cache.ts) keeps nothing longer than the
// kernel timeouts allow and applies this mount's own changes; the read cache
// (read-cache.ts) never serves one version's bytes for another and stays
// within its bound; a staging file (staging.ts) reads back what was written
// behind, in order, and reports a failed background write.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { FileInfo } from '../../src/common/api';
import { MetadataCache } from '../../src/fuse/metadata-cache';
import { BLOCK_SIZE, ReadCache, SequentialReader } from '../../src/fuse/read-cache';
import { StagingArea } from '../../src/fuse/staging';

function info(path: string, fields: Partial<FileInfo> = {}): FileInfo {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return {
    id: 7,
    name,
    path,
    type: 'FILE',
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: 0,
    mtimeMs: 1000,
    atimeMs: 1000,
    ctimeMs: 1000,
    nlink: 1,
    symlinkTarget: '',
    complete: true,
    ufsUri: `file:///u${path}`,
    mountPoint: false,
    readOnly: false,
    fingerprint: 'f1',
    ...fields,
  } as FileInfo;
}

describe('the mount metadata cache', () => {
  it('keeps nothing when the kernel timeouts are 0', () => {
    const cache = MetadataCache.off();
    cache.put('/a', info('/a'), Date.now());
    cache.putListing('/', ['a'], 1, 4, Date.now(), [info('/a')]);
    assert.equal(cache.info('/a'), undefined);
    assert.equal(cache.listing('/'), undefined);
    // Only as a listing to validate with the master: the names and the version they were listed at.
    assert.deepEqual(cache.validatable('/'), { names: ['a'], id: 1, version: 4, expires: 0 });
  });

  it('serves an answer until the shorter timeout after its request was sent, never after', () => {
    let now = 10_000;
    const cache = new MetadataCache({ attrTimeoutMs: 1000, entryTimeoutMs: 2000, now: () => now });
    cache.put('/a', info('/a'), 9_500); // asked 500 ms ago
    assert.equal(cache.info('/a')?.path, '/a');
    now = 10_499;
    assert.ok(cache.info('/a'));
    now = 10_500;
    assert.equal(cache.info('/a'), undefined);
    cache.put('/b', info('/b'), 9_000); // already too old when it arrives
    assert.equal(cache.info('/b'), undefined);
  });

  it('keeps a listing for entry_timeout and each entry\'s attributes with it', () => {
    let now = 0;
    const cache = new MetadataCache({ attrTimeoutMs: 1000, entryTimeoutMs: 1000, now: () => now });
    cache.putListing('/d', ['x', 'y'], 5, 1, 0, [info('/d/x', { size: 3 }), info('/d/y')]);
    assert.deepEqual(cache.listing('/d'), ['x', 'y']);
    assert.equal(cache.info('/d/x')?.size, 3);
    now = 1000;
    assert.equal(cache.listing('/d'), undefined);
    assert.equal(cache.info('/d/x'), undefined);
    assert.equal(cache.validatable('/d')?.version, 1, 'kept to be validated');
    cache.validated('/d', 5, 2, 1000);
    assert.equal(cache.listing('/d'), undefined, 'a validation of another version');
    cache.validated('/d', 6, 1, 1000);
    assert.equal(cache.listing('/d'), undefined, 'a validation of another directory');
    cache.validated('/d', 5, 1, 1000);
    assert.deepEqual(cache.listing('/d'), ['x', 'y'], 'served again for entry_timeout after the master confirmed its version');
  });

  it('applies a create as the master does: the parent\'s times move up, its listing is asked again', () => {
    const cache = new MetadataCache({ attrTimeoutMs: 1000, entryTimeoutMs: 1000, now: () => 0 });
    cache.put('/d', info('/d', { type: 'DIRECTORY', mtimeMs: 100, ctimeMs: 100, nlink: 2 }), 0);
    cache.putListing('/d', [], 5, 0, 0);
    cache.created('/d/sub', info('/d/sub', { type: 'DIRECTORY', mtimeMs: 500, ctimeMs: 500 }), 0);
    const parent = cache.info('/d');
    assert.equal(parent?.mtimeMs, 500);
    assert.equal(parent?.ctimeMs, 500);
    assert.equal(parent?.nlink, 3);
    assert.equal(cache.listing('/d'), undefined);
    assert.equal(cache.validatable('/d'), undefined);
    assert.equal(cache.info('/d/sub')?.type, 'DIRECTORY');
  });

  it('adds this mount\'s create to a listing only when the parent moved by exactly that one change', () => {
    const cache = MetadataCache.off();
    cache.putListing('/d', ['a'], 40, 5, 0);
    cache.created('/d/b', info('/d/b'), 0, 40, 6);
    assert.deepEqual(cache.validatable('/d'), { names: ['a', 'b'], id: 40, version: 6, expires: 0 });
    cache.created('/d/c', info('/d/c'), 0, 40, 8); // someone else changed /d in between
    assert.equal(cache.validatable('/d'), undefined);
    cache.putListing('/d', ['a'], 40, 9, 0);
    cache.created('/d/e', info('/d/e'), 0, 0, 0); // a retry answered from the master's memory: unknown
    assert.equal(cache.validatable('/d'), undefined);
    cache.putListing('/d', ['a'], 40, 9, 0);
    cache.created('/d/f', info('/d/f'), 0, 41, 10); // /d is another directory now (removed and made again)
    assert.equal(cache.validatable('/d'), undefined);
    cache.created('/d/sub', info('/d/sub', { id: 42, type: 'DIRECTORY', childrenVersion: 0 }), 0, 41, 11);
    assert.deepEqual(cache.validatable('/d/sub'), { names: [], id: 42, version: 0, expires: 0 }, 'a new directory is empty at its version');
  });

  it('forgets a removed entry, what was below it and its parent', () => {
    const cache = new MetadataCache({ attrTimeoutMs: 1000, entryTimeoutMs: 1000, now: () => 0 });
    for (const p of ['/d', '/d/e', '/d/e/f', '/d/e2', '/other']) cache.put(p, info(p), 0);
    cache.putListing('/d/e', ['f'], 6, 0, 0, [info('/d/e/f')]);
    cache.removed('/d/e', true);
    assert.equal(cache.info('/d/e'), undefined);
    assert.equal(cache.info('/d/e/f'), undefined);
    assert.equal(cache.listing('/d/e'), undefined);
    assert.equal(cache.info('/d'), undefined, 'the parent changed');
    assert.ok(cache.info('/d/e2'), 'a sibling whose name only shares a prefix stays');
    assert.ok(cache.info('/other'));
  });
});

describe('the mount read cache', () => {
  it('reads through blocks, ahead while in order, and serves only the version asked for', async () => {
    const data = randomBytes(3 * BLOCK_SIZE + 1234);
    const fetches: Array<[number, number]> = [];
    let content = data;
    const fetch = async (offset: number, length: number) => {
      fetches.push([offset, length]);
      return Buffer.from(content.subarray(offset, offset + length));
    };
    const cache = new ReadCache(64 * BLOCK_SIZE);
    const reader = new SequentialReader(cache, fetch);
    const v1 = info('/f', { size: data.length, fingerprint: 'v1' });
    const out = Buffer.alloc(data.length);
    for (let pos = 0; pos < data.length; pos += 128 * 1024) {
      const n = await reader.read(v1, out.subarray(pos), Math.min(128 * 1024, data.length - pos), pos);
      assert.equal(n, Math.min(128 * 1024, data.length - pos));
    }
    assert.ok(out.equals(data));
    // Each block fetched once (neighbours may come in one read), in fewer reads than blocks.
    const blocks = fetches.flatMap(([offset, length]) => Array.from({ length: length / BLOCK_SIZE }, (_, i) => offset / BLOCK_SIZE + i));
    assert.deepEqual(blocks.sort(), [0, 1, 2, 3]);
    assert.ok(fetches.length < 4, `${fetches.length} under store reads`);
    fetches.length = 0;
    // Another version of the file (committed elsewhere): its own blocks.
    content = Buffer.from(data).fill(1, 0, 10);
    const v2 = info('/f', { size: data.length, fingerprint: 'v2' });
    const head = Buffer.alloc(10);
    await new SequentialReader(cache, fetch).read(v2, head, 10, 0);
    assert.ok(head.equals(Buffer.alloc(10, 1)));
    await new SequentialReader(cache, fetch).read(v1, head, 10, 0);
    assert.ok(head.equals(data.subarray(0, 10)), 'the old version still reads as it was');
  });

  it('stops at the end the master gave and at a shorter under store file', async () => {
    const data = randomBytes(1000);
    const reader = new SequentialReader(new ReadCache(), async (offset, length) => data.subarray(offset, offset + length));
    const buf = Buffer.alloc(4096);
    assert.equal(await reader.read(info('/f', { size: 1000 }), buf, 4096, 0), 1000);
    assert.equal(await reader.read(info('/f', { size: 1000 }), buf, 4096, 1000), 0);
    assert.equal(await reader.read(info('/f', { size: 5000, fingerprint: 'x' }), buf, 4096, 500), 500);
  });

  it('holds no more than its capacity and does not keep failed reads', async () => {
    const cache = new ReadCache(4 * BLOCK_SIZE);
    for (let i = 0; i < 20; i++) await cache.get(`k${i}`, async () => Buffer.alloc(BLOCK_SIZE));
    assert.ok(cache.size <= 4 * BLOCK_SIZE, `holds ${cache.size}`);
    await assert.rejects(cache.get('bad', async () => Promise.reject(new Error('EIO'))));
    assert.equal(cache.has('bad'), false);
    assert.equal(await cache.get('bad', async () => Buffer.from('ok')).then(String), 'ok');
  });
});

describe('a staging file written behind', () => {
  it('reads back overlapping writes, appends and truncates in the order they were made', async () => {
    const area = await StagingArea.create();
    try {
      const file = await area.newFile();
      const model = Buffer.alloc(300_000);
      let size = 0;
      let seed = 1;
      const rnd = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      for (let step = 0; step < 400; step++) {
        const r = rnd(10);
        if (r < 7) {
          const pos = r < 4 ? size : rnd(250_000);
          const chunk = randomBytes(1 + rnd(40_000));
          const len = Math.min(chunk.length, model.length - pos);
          await file.write(chunk, len, pos);
          chunk.copy(model, pos, 0, len);
          size = Math.max(size, pos + len);
        } else if (r < 8) {
          const n = rnd(size + 1);
          await file.truncate(n);
          model.fill(0, n);
          size = n;
        } else {
          const pos = rnd(size + 1);
          const out = Buffer.alloc(20_000);
          const n = await file.read(out, out.length, pos);
          assert.equal(n, Math.min(out.length, size - pos), `step ${step}`);
          assert.ok(out.subarray(0, n).equals(model.subarray(pos, pos + n)), `step ${step}: content`);
        }
        assert.equal(file.size, size);
      }
      await file.settle();
      assert.ok((await readFile(file.path)).equals(model.subarray(0, size)), 'the staging file itself');
      await file.close();
    } finally {
      await area.close();
    }
  });

  it('fails the next write and settle with the error of a write that failed behind', async () => {
    const area = await StagingArea.create();
    try {
      const file = await area.newFile();
      await file.write(Buffer.from('x'), 1, 2 ** 50); // beyond the largest file: EFBIG, behind
      await assert.rejects(file.settle());
      await assert.rejects(file.write(Buffer.from('y'), 1, 0));
      await file.close();
    } finally {
      await area.close();
    }
  });
});
