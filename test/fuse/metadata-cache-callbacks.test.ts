// The mount's side of callbacks (src/fuse/metadata-cache.ts): held entries
// live without a timeout, go with any inode on their path, are served only
// under the lease, and a fill never resurrects what an invalidation killed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileInfo } from '../../src/common/api';
import { MetadataCache } from '../../src/fuse/metadata-cache';

function info(id: number, mode = 0o644): FileInfo {
  return { id, name: `n${id}`, path: `/n${id}`, type: 'FILE', mode, uid: 0, gid: 0, size: 0, mtimeMs: 1, atimeMs: 1, ctimeMs: 1, nlink: 1 } as unknown as FileInfo;
}

function cache(): MetadataCache {
  const c = new MetadataCache({ attrTimeoutMs: 0, entryTimeoutMs: 0 });
  c.leaseValid = () => true;
  return c;
}

describe('metadata cache on callbacks', () => {
  it('a held entry is served with the timeouts 0, and goes when any inode on its path is invalidated', () => {
    const c = cache();
    assert.equal(c.putHeld('/d/f', info(3), [1, 2, 3], c.fillStart()), true);
    c.fillDone();
    c.putHeld('/d/g', info(4), [1, 2, 4], c.fillStart());
    c.fillDone();
    assert.equal(c.info('/d/f')?.id, 3);
    c.invalidate(['i3']);
    assert.equal(c.info('/d/f'), undefined);
    assert.equal(c.info('/d/g')?.id, 4);
    c.invalidate(['i2']);
    assert.equal(c.info('/d/g')?.id, 4, "a change of the directory's attributes does not touch what is below it");
    c.invalidate(['e2/g']);
    assert.equal(c.info('/d/g'), undefined);
  });

  it('a fill from a request in flight when one of its inodes was invalidated is ignored', () => {
    const c = cache();
    const start = c.fillStart();
    c.invalidate(['e1/d']);
    assert.equal(c.putHeld('/d/f', info(3), [1, 2, 3], start), false);
    c.fillDone();
    assert.equal(c.info('/d/f'), undefined);
    const again = c.fillStart();
    assert.equal(c.putHeld('/d/f', info(3), [1, 2, 3], again), true);
    c.fillDone();
  });

  it('nothing held is served without the lease, and nothing survives the session', () => {
    const c = cache();
    let lease = true;
    c.leaseValid = () => lease;
    const inFlight = c.fillStart();
    c.putHeld('/f', info(3), [1, 3], c.fillStart());
    lease = false;
    assert.equal(c.info('/f'), undefined);
    lease = true;
    assert.equal(c.info('/f')?.id, 3);
    c.sessionLost();
    assert.equal(c.info('/f'), undefined);
    assert.equal(c.putHeld('/f', info(3), [1, 3], inFlight), false);
  });
});
