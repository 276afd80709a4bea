// Copies above S3's single-copy limit (5 GiB) go in parts: UploadPartCopy of
// byte ranges. s3rver does not implement UploadPartCopy, so these run against
// moto's server in its own process (skipped where it is not installed), with
// the copy threshold lowered to 5 MiB so that an 11 MiB object takes three
// parts; a proxy in front counts which copy requests the store sends.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ErrorCode, StrataError } from '../../src/common/errors';
import { openUnderStore } from '../../src/ufs/registry';
import { s3ConfigFrom } from '../../src/ufs/s3';
import { copyPartSize } from '../../src/ufs/s3-copy';
import type { UnderStore } from '../../src/ufs/under-store';
import { startMotoServer } from './moto-server';
import type { MotoServer } from './moto-server';
import { S3Proxy } from './s3-proxy';

const MIB = 1024 * 1024;
const BUCKET = 'copies';

function isUploadPartCopy(req: IncomingMessage): boolean {
  return req.method === 'PUT' && req.headers['x-amz-copy-source'] !== undefined && /[?&]uploadId=/.test(req.url ?? '');
}

function isCopyObject(req: IncomingMessage): boolean {
  return req.method === 'PUT' && req.headers['x-amz-copy-source'] !== undefined && !/[?&]uploadId=/.test(req.url ?? '');
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('the copy threshold and part sizes', () => {
  it('parts are 256 MiB, or larger where 10,000 would not hold the object, or the threshold where it is lower', () => {
    assert.equal(copyPartSize(6 * 1024 * MIB, 5 * 1024 * MIB), 256 * MIB);
    assert.equal(copyPartSize(5 * 1024 * 1024 * MIB, 5 * 1024 * MIB), Math.ceil((5 * 1024 * 1024 * MIB) / 10_000));
    assert.equal(copyPartSize(11 * MIB, 5 * MIB), 5 * MIB);
  });

  it('multipart_copy_threshold is checked at open: 5 MiB to 5 GiB', () => {
    for (const bad of ['1000', String(6 * 1024 * MIB), 'lots']) {
      assert.throws(() => s3ConfigFrom('bkt', '', { options: { multipart_copy_threshold: bad } }), (err) => err instanceof StrataError && err.code === ErrorCode.INVALID_ARGUMENT);
    }
    assert.equal(s3ConfigFrom('bkt', '', {}).copyThreshold, 5 * 1024 * MIB);
  });
});

describe('copies above the threshold, against moto', () => {
  let moto: MotoServer | null = null;
  let proxy: S3Proxy | null = null;
  let store: UnderStore | null = null;
  const seen = { partCopies: 0, copies: 0 };
  const data = Buffer.alloc(11 * MIB + 7);
  for (let i = 0; i + 4 <= data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);

  before(async () => {
    moto = await startMotoServer([BUCKET]);
    if (moto === null) return;
    proxy = new S3Proxy(new URL(moto.endpoint));
    await proxy.start();
    proxy.setRule({
      hold(req) {
        if (isUploadPartCopy(req)) seen.partCopies++;
        if (isCopyObject(req)) seen.copies++;
        return false;
      },
    });
    // Uploads in 6 MiB parts, copies in 5 MiB parts: a copy has another part layout, so another ETag.
    store = await openUnderStore(`s3://${BUCKET}/p`, {
      options: { ...moto.options, endpoint: proxy.endpoint, part_size: String(6 * MIB), multipart_copy_threshold: String(5 * MIB) },
    });
  });

  after(async () => {
    await store?.close();
    await proxy?.close();
    await moto?.stop();
  });

  const stored = async (key: string): Promise<Buffer> => {
    assert.ok(moto !== null);
    const res = await moto.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  };

  it('a rename above the threshold copies in parts and keeps the bytes and the attributes', async (t) => {
    if (store === null) return t.skip('moto_server (pip package moto[server]) is not installed');
    await store.writeFile('big', data, 0o640, { uid: 5, gid: 6 });
    seen.partCopies = seen.copies = 0;
    await store.rename('big', 'moved');
    assert.deepEqual(seen, { partCopies: 3, copies: 0 });
    assert.equal(sha(await stored('p/moved')), sha(data));
    const st = await store.stat('moved');
    assert.deepEqual([st?.size, st?.mode, st?.uid, st?.gid], [data.length, 0o640, 5, 6]);
    assert.equal(await store.stat('big'), null);
  });

  it('an attribute update above the threshold rewrites the object in parts and reports its new ETag', async (t) => {
    if (store === null) return t.skip('moto_server (pip package moto[server]) is not installed');
    const written = await store.writeFile('attrs', data, 0o644);
    seen.partCopies = seen.copies = 0;
    const change = await store.setAttributes?.('attrs', { mode: 0o600, uid: 42 });
    assert.deepEqual(seen, { partCopies: 3, copies: 0 });
    const st = await store.stat('attrs');
    assert.deepEqual([st?.mode, st?.uid, st?.mtimeMs], [0o600, 42, written.mtimeMs]);
    assert.deepEqual(change, { fingerprintBefore: written.fingerprint, fingerprintAfter: st?.fingerprint });
    assert.notEqual(change?.fingerprintAfter, change?.fingerprintBefore, 'three 5 MiB parts, not two 6 MiB ones');
    assert.equal(sha(await stored('p/attrs')), sha(data));
  });

  it('an object at or below the threshold is one CopyObject', async (t) => {
    if (store === null) return t.skip('moto_server (pip package moto[server]) is not installed');
    await store.writeFile('small', data.subarray(0, 5 * MIB), 0o644);
    seen.partCopies = seen.copies = 0;
    await store.rename('small', 'small2');
    assert.deepEqual(seen, { partCopies: 0, copies: 1 });
    assert.equal(sha(await stored('p/small2')), sha(data.subarray(0, 5 * MIB)));
  });
});
