// The master's side of sync progress: a sync started with a progress id
// reports, while it runs, the under store entries listed so far. The listing
// is stopped at an exact point by holding the bucket's second ListObjectsV2
// request in a proxy (test/ufs/s3-proxy.ts) in front of s3rver, so the
// master is caught mid-listing whatever the timing: some entries listed, not
// all of them.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';

import type { StrataFileSystem } from '../../src/client/file-system';
import type { Master } from '../../src/master/master';
import { makeTempDir, newClient, removeDir, startMaster } from '../master/harness';
import { S3Proxy, isListContinuation } from '../ufs/s3-proxy';
import { startS3Server } from '../ufs/s3-server';
import type { S3TestServer } from '../ufs/s3-server';

const T = { timeout: 120_000 };
const BUCKET = 'progress';
const OBJECTS = 1100;

describe('sync progress', () => {
  let dataDir = '';
  let server: S3TestServer | null = null;
  let proxy: S3Proxy | null = null;
  let master: Master | null = null;
  let fs: StrataFileSystem | null = null;

  before(async () => {
    server = await startS3Server([BUCKET]);
    const s3 = server.client();
    const keys = Array.from({ length: OBJECTS }, (_, i) => `big/f${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((Key) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: Key }))));
    }
    proxy = new S3Proxy(new URL(server.endpoint));
    await proxy.start();
    dataDir = await makeTempDir('sync-progress');
    master = await startMaster(dataDir);
    fs = newClient(master.address);
  });

  after(async () => {
    await fs?.close();
    await master?.close();
    await proxy?.close();
    await server?.stop();
    if (dataDir !== '') await removeDir(dataDir);
  });

  test('a running sync reports the entries listed so far, and nothing once it ended', T, async () => {
    assert.ok(fs !== null && server !== null && proxy !== null);
    const c = fs;
    await c.mount('/s3', `s3://${BUCKET}/big`, { options: { ...server.options, endpoint: proxy.endpoint } });
    const p = proxy;
    p.setRule({ hold: isListContinuation });

    const progressId = 'progress-test-1';
    assert.deepEqual(await c.syncProgress(progressId), { running: false, entries: 0, directories: 0 });
    const syncing = c.sync('/s3', { recursive: true, progressId });
    try {
      while (p.heldCount === 0) await c.syncProgress(progressId);
      // The rest of the listing is held: what is reported now stays put.
      const seen = await c.syncProgress(progressId);
      assert.equal(seen.running, true);
      assert.equal(seen.directories, 1);
      assert.ok(seen.entries > 0 && seen.entries < OBJECTS, `entries listed so far: ${seen.entries}`);
    } finally {
      p.setRule(null);
      p.releaseHeld();
      await syncing;
    }
    assert.deepEqual(await c.syncProgress(progressId), { running: false, entries: 0, directories: 0 });
    let listed = 0;
    for await (const entry of c.list('/s3')) listed += entry.name.startsWith('f') ? 1 : 0;
    assert.equal(listed, OBJECTS);
  });
});
