// Federation with an S3 bucket (s3rver in its own process) next to real local
// directories, under an in-process master: a bucket and a local directory side
// by side, a local directory nested inside the bucket's mount; files written
// through strata land in the right store byte for byte; objects added,
// changed and deleted in the bucket with the SDK show up after a sync;
// renames across stores are CROSS_DEVICE; bad buckets and credentials are
// refused with the table unchanged.

import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';

import type { StrataFileSystem } from '../../src/client/file-system';
import type { Master } from '../../src/master/master';
import { makeTempDir, newClient, outcome, removeDir, startMaster } from '../master/harness';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY, startS3Server } from '../ufs/s3-server';
import type { S3TestServer } from '../ufs/s3-server';

const T = { timeout: 60_000 };
const BUCKET = 'fed';

async function readAll(fs: StrataFileSystem, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await fs.openRead(path)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function names(fs: StrataFileSystem, path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of fs.list(path)) out.push(e.name);
  return out;
}

describe('an S3 bucket mounted beside and around local directories', () => {
  let dataDir = '';
  let storesDir = '';
  let a = '';
  let nested = '';
  let server: S3TestServer | null = null;
  let s3: S3Client | null = null;
  let master: Master | null = null;
  let fs: StrataFileSystem | null = null;
  const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  const client = (): StrataFileSystem => {
    assert.ok(fs !== null);
    return fs;
  };
  const bucket = (): S3Client => {
    assert.ok(s3 !== null);
    return s3;
  };
  const object = async (key: string): Promise<Buffer> => {
    const res = await bucket().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  };
  const options = (): Record<string, string> => {
    assert.ok(server !== null);
    return server.options;
  };

  before(async () => {
    server = await startS3Server([BUCKET]);
    s3 = server.client();
    // A client reads and writes the bucket itself, with its own credentials:
    // the mount table it sees has them redacted.
    process.env.AWS_ACCESS_KEY_ID = S3RVER_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = S3RVER_SECRET_KEY;
    dataDir = await makeTempDir('s3fed-master');
    storesDir = await makeTempDir('s3fed-stores');
    a = nodePath.join(storesDir, 'a');
    nested = nodePath.join(storesDir, 'nested');
    await fsp.mkdir(a);
    await fsp.mkdir(nested);
    await bucket().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'data/before.txt', Body: 'in the bucket before the mount' }));
    master = await startMaster(dataDir);
    fs = newClient(master.address);
    await client().mkdir('/mnt');
  });

  after(async () => {
    await fs?.close();
    await master?.close();
    await server?.stop();
    await removeDir(dataDir);
    await removeDir(storesDir);
    if (savedEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    else process.env.AWS_ACCESS_KEY_ID = savedEnv.id;
    if (savedEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = savedEnv.secret;
  });

  test('files written through strata land in the bucket and the directories, byte for byte', T, async () => {
    const c = client();
    await c.mount('/mnt/a', pathToFileURL(a).href);
    await c.mount('/mnt/s3', `s3://${BUCKET}/data`, { options: options() });
    await c.mount('/mnt/s3/local', pathToFileURL(nested).href);
    assert.deepEqual((await c.mounts()).map((m) => m.path), ['/', '/mnt/a', '/mnt/s3', '/mnt/s3/local']);
    const shown = (await c.mounts()).find((m) => m.path === '/mnt/s3');
    assert.equal(shown?.options.secret_key, '******');
    assert.ok(!JSON.stringify(await c.mounts()).includes(S3RVER_SECRET_KEY));

    assert.equal((await readAll(c, '/mnt/s3/before.txt')).toString(), 'in the bucket before the mount');
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) & 0xff));
    await c.writeFile('/mnt/a/one.bin', bytes);
    await c.writeFile('/mnt/s3/two.bin', bytes);
    await c.mkdir('/mnt/s3/dir');
    await c.writeFile('/mnt/s3/dir/three.txt', Buffer.from('three'));
    await c.writeFile('/mnt/s3/local/four.bin', bytes);
    assert.deepEqual(await fsp.readFile(nodePath.join(a, 'one.bin')), bytes);
    assert.deepEqual(await object('data/two.bin'), bytes);
    assert.deepEqual(await object('data/dir/three.txt'), Buffer.from('three'));
    assert.deepEqual(await fsp.readFile(nodePath.join(nested, 'four.bin')), bytes);
    assert.deepEqual(await readAll(c, '/mnt/s3/two.bin'), bytes);
    // The nested mount's files live only in its directory, not in the bucket.
    const keys = await bucket().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'data/local' }));
    assert.deepEqual(keys.Contents ?? [], []);

    await c.rename('/mnt/s3/dir', '/mnt/s3/renamed');
    assert.deepEqual(await object('data/renamed/three.txt'), Buffer.from('three'));
    assert.equal((await readAll(c, '/mnt/s3/renamed/three.txt')).toString(), 'three');
    await c.delete('/mnt/s3/renamed', { recursive: true });
    await assert.rejects(object('data/renamed/three.txt'), { name: 'NoSuchKey' });
  });

  test('objects added, changed and deleted in the bucket show up after a sync', T, async () => {
    const c = client();
    assert.deepEqual(await names(c, '/mnt/s3'), ['before.txt', 'local', 'two.bin']);
    await bucket().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'data/added.txt', Body: 'added with the SDK' }));
    await bucket().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'data/newdir/deep.txt', Body: 'deep' }));
    await bucket().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'data/before.txt', Body: 'changed with the SDK, longer' }));
    await bucket().send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'data/two.bin' }));
    assert.deepEqual(await names(c, '/mnt/s3'), ['before.txt', 'local', 'two.bin']); // loaded: not seen until a sync

    const stats = await c.sync('/mnt/s3', { recursive: true });
    assert.deepEqual({ added: stats.added, removed: stats.removed, updated: stats.updated }, { added: 2, removed: 1, updated: 1 });
    assert.deepEqual(await names(c, '/mnt/s3'), ['added.txt', 'before.txt', 'local', 'newdir']);
    assert.equal((await readAll(c, '/mnt/s3/added.txt')).toString(), 'added with the SDK');
    assert.equal((await readAll(c, '/mnt/s3/newdir/deep.txt')).toString(), 'deep');
    assert.equal((await c.stat('/mnt/s3/before.txt')).size, Buffer.byteLength('changed with the SDK, longer'));
    assert.equal((await readAll(c, '/mnt/s3/before.txt')).toString(), 'changed with the SDK, longer');

    const again = await c.sync('/mnt/s3', { recursive: true });
    assert.equal(again.added + again.removed + again.updated, 0, JSON.stringify(again));
  });

  test('a rename between the bucket and a local store is CROSS_DEVICE and changes nothing', T, async () => {
    const c = client();
    assert.equal(await outcome(() => c.rename('/mnt/s3/added.txt', '/mnt/a/added.txt')), 'CROSS_DEVICE');
    assert.equal(await outcome(() => c.rename('/mnt/a/one.bin', '/mnt/s3/one.bin')), 'CROSS_DEVICE');
    assert.equal(await outcome(() => c.rename('/mnt/s3/added.txt', '/mnt/s3/local/added.txt')), 'CROSS_DEVICE');
    assert.equal((await readAll(c, '/mnt/s3/added.txt')).toString(), 'added with the SDK');
    await c.rename('/mnt/s3/added.txt', '/mnt/s3/moved.txt');
    assert.equal((await object('data/moved.txt')).toString(), 'added with the SDK');
  });

  test('a missing bucket, unknown credentials or an unreachable endpoint are refused and leave the table unchanged', T, async () => {
    const c = client();
    const before = JSON.stringify(await c.mounts());
    const cases: Array<[string, Record<string, string>, string]> = [
      [`s3://no-such-bucket`, options(), 'NOT_FOUND'],
      [`s3://${BUCKET}/other`, { ...options(), access_key: 'NOBODY', secret_key: 'nothing' }, 'PERMISSION_DENIED'],
      [`s3://${BUCKET}/other`, { ...options(), endpoint: 'http://127.0.0.1:1' }, 'UNAVAILABLE'],
      [`s3://${BUCKET}/other`, { ...options(), path_style: 'maybe' }, 'INVALID_ARGUMENT'],
      [`s3://${BUCKET}/data`, options(), 'EXISTS'], // mounted already
      [`s3://${BUCKET}/data/sub`, options(), 'EXISTS'], // inside a mounted location
    ];
    for (const [uri, opts, code] of cases) {
      assert.equal(await outcome(() => c.mount('/mnt/bad', uri, { options: opts })), code, uri);
    }
    assert.equal(JSON.stringify(await c.mounts()), before);
    assert.equal(await outcome(() => c.stat('/mnt/bad')), 'NOT_FOUND');
  });
});
