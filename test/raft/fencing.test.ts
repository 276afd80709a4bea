// A leader that loses its quorum stops changing the under stores before any
// other master can lead (src/master/store-fence.ts): otherwise its late
// delete or rename lands behind the new leader's back, after the new leader
// reconciled the intent and decided the namespace from what the store held.
//
// Three real master processes mount a real S3 server (s3rver, its own
// process) through an HTTP proxy in the test (test/ufs/s3-proxy.ts). The
// proxy holds the leader's DeleteObject; the leader is then cut off from the
// other two (the transport's fault injection), or asked to hand its lead
// over. The held request must be abandoned by the old leader (its connection
// closed: the request can never reach the store) before the new leader is
// seen, and in the end the namespace and the bucket agree.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';

import { MasterClient } from '../../src/client/master-client';
import type { StrataFileSystem } from '../../src/client/file-system';
import { ErrorCode, StrataError } from '../../src/common/errors';
import { S3Proxy, isDelete } from '../ufs/s3-proxy';
import type { HeldRequest } from '../ufs/s3-proxy';
import { startS3Server } from '../ufs/s3-server';
import type { S3TestServer } from '../ufs/s3-server';
import { Cluster } from './cluster-harness';

const T = { timeout: 120_000 };
const BUCKET = 'fencing';

describe('a deposed leader stops changing the under store', () => {
  let server: S3TestServer | null = null;
  let s3: S3Client | null = null;
  let proxy: S3Proxy | null = null;
  let cluster: Cluster | null = null;
  let fs: StrataFileSystem | null = null;

  const objectExists = async (key: string): Promise<boolean> => {
    assert.ok(s3 !== null);
    try {
      await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      return true;
    } catch {
      return false;
    }
  };
  const inNamespace = async (path: string): Promise<boolean> => {
    assert.ok(fs !== null);
    try {
      await fs.stat(path);
      return true;
    } catch (err) {
      if (err instanceof StrataError && err.code === ErrorCode.NOT_FOUND) return false;
      throw err;
    }
  };
  const waitFor = async (what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  /** Holds every delete from now on; resolves with the first one held. */
  const holdDeletes = async (): Promise<HeldRequest> => {
    assert.ok(proxy !== null);
    const before = proxy.heldLog.length;
    proxy.setRule({ hold: isDelete });
    const p = proxy;
    await waitFor('the delete to reach the proxy', () => p.heldLog.length > before);
    return proxy.heldLog[before];
  };
  /** Polls until a member other than `old` says it leads; returns when that was first seen. */
  const newLeaderSeen = async (old: string): Promise<{ id: string; at: number }> => {
    assert.ok(cluster !== null);
    const c = cluster;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const infos = await Promise.all(c.ids.filter((id) => id !== old).map(async (id) => ({ id, info: await c.info(id, 500) })));
      const leader = infos.find((x) => x.info?.role === 'leader');
      if (leader !== undefined) return { id: leader.id, at: Date.now() };
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no new leader');
  };

  before(async () => {
    server = await startS3Server([BUCKET]);
    s3 = server.client();
    proxy = new S3Proxy(new URL(server.endpoint));
    await proxy.start();
    for (const name of ['cut-off', 'handed-over']) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `data/${name}`, Body: `the file ${name}` }));
    }
    cluster = await Cluster.start(3);
    fs = cluster.client(30_000);
    await fs.mount('/s3', `s3://${BUCKET}/data`, { options: { ...server.options, endpoint: proxy.endpoint } });
  });

  after(async () => {
    await fs?.close().catch(() => undefined);
    await cluster?.close();
    await proxy?.close();
    await server?.stop();
  });

  test('cut off from its quorum, the leader abandons its store change before another master leads', T, async (t) => {
    assert.ok(cluster !== null && proxy !== null && fs !== null);
    assert.equal(await inNamespace('/s3/cut-off'), true);
    const old = await cluster.waitForLeader();
    const deleting = fs.delete('/s3/cut-off');
    const held = await holdDeletes();
    const cutAt = Date.now();
    await cluster.isolate(old);
    const successor = await newLeaderSeen(old);
    // Once the delete is cut off, everything flows again: the client's retry
    // reaches the new leader, which reconciles the old intent first.
    await waitFor('the old leader to abandon its delete', () => held.abandonedAt !== null);
    proxy.setRule(null);
    proxy.dropHeld();
    await cluster.heal();
    assert.ok(held.abandonedAt !== null);
    t.diagnostic(`after the cut: delete abandoned at ${held.abandonedAt - cutAt} ms, new leader seen at ${successor.at - cutAt} ms`);
    assert.ok(
      held.abandonedAt < successor.at,
      `the old leader's delete was abandoned ${held.abandonedAt - cutAt} ms after the cut, the new leader (${successor.id}) seen after ${successor.at - cutAt} ms`,
    );
    await deleting; // retried through the new leader
    assert.equal(await inNamespace('/s3/cut-off'), false);
    assert.equal(await objectExists('data/cut-off'), false);
  });

  test('a leader handing its lead over abandons its store change before the transfer', T, async () => {
    assert.ok(cluster !== null && proxy !== null && fs !== null);
    const old = await cluster.waitForLeader();
    const target = cluster.ids.find((id) => id !== old) ?? '';
    const deleting = fs.delete('/s3/handed-over');
    const held = await holdDeletes();
    const admin = new MasterClient(cluster.addresses, { callTimeoutMs: 15_000 });
    try {
      await admin.call('transferLeader', { id: target });
    } finally {
      admin.close();
    }
    const ledAt = Date.now();
    assert.ok(held.abandonedAt !== null && held.abandonedAt <= ledAt, 'the delete was abandoned before the new leader led');
    proxy.setRule(null);
    proxy.dropHeld();
    await deleting;
    assert.equal(await inNamespace('/s3/handed-over'), false);
    assert.equal(await objectExists('data/handed-over'), false);
  });
});
