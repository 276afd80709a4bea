// Tests of the S3 under store against a real S3-protocol server (s3rver in
// its own process, see s3-server.ts): the conformance suite, each store in a
// fresh key prefix of one bucket, then what only S3 has: marker objects for
// empty directories, multipart uploads, objects written by other tools, the
// mapping of names to keys, and bad buckets or credentials refused at open.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { ErrorCode, StrataError } from '../../src/common/errors';
import { partsOf, S3UnderStore } from '../../src/ufs/s3';
import { openUnderStore } from '../../src/ufs/registry';
import type { UnderStoreOptions } from '../../src/ufs/under-store';
import { collect, expectCode, underStoreConformance } from './conformance';
import { startS3Server } from './s3-server';
import type { S3TestServer } from './s3-server';

const BUCKET = 'conformance';
let server: S3TestServer | null = null;
let prefixes = 0;

function running(): S3TestServer {
  assert.ok(server !== null, 's3rver is not running');
  return server;
}

before(async () => {
  server = await startS3Server([BUCKET, 'other']);
});
after(async () => {
  await server?.stop();
});

underStoreConformance('s3', async (opts?: UnderStoreOptions) => {
  const s = running();
  const store = await openUnderStore(`s3://${BUCKET}/store-${++prefixes}`, { readOnly: opts?.readOnly, options: s.options });
  return { store, cleanup: async () => undefined }; // the server's directory goes with it
});

async function keysOf(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const res = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key ?? '');
}

describe('s3 under store', () => {
  let store: S3UnderStore;
  let client: S3Client;
  before(async () => {
    const opened = await openUnderStore(`s3://other/data`, { options: { ...running().options, part_size: String(5 * 1024 * 1024) } });
    assert.ok(opened instanceof S3UnderStore);
    store = opened;
    client = running().client();
  });
  after(async () => {
    await store?.close();
  });

  it('an empty directory is a marker object, and a directory emptied by a delete keeps existing', async () => {
    await store.mkdir('empty', 0o755, false);
    assert.deepEqual(await keysOf(client, 'other', 'data/empty'), ['data/empty/']);
    assert.equal((await store.stat('empty'))?.type, 'dir');
    assert.deepEqual(await collect(store.list('empty')), []);
    await store.writeFile('empty/f', Buffer.from('x'), 0o644);
    await store.delete('empty/f', false);
    assert.equal((await store.stat('empty'))?.type, 'dir');
    await store.delete('empty', false);
    assert.deepEqual(await keysOf(client, 'other', 'data/empty'), []);
  });

  it('objects written by other tools show up as files and implied directories', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'other', Key: 'data/ext/deep/obj.bin', Body: 'external' }));
    await client.send(new PutObjectCommand({ Bucket: 'other', Key: 'data/ext/a.txt', Body: 'a' }));
    await client.send(new PutObjectCommand({ Bucket: 'other', Key: 'data/ext/a-b', Body: 'ab' }));
    await client.send(new PutObjectCommand({ Bucket: 'other', Key: 'data/ext/a/inner', Body: 'in' }));
    // Key order is a-b, a.txt, a/, deep/; name order puts the directory 'a' first.
    assert.deepEqual((await collect(store.list('ext', 1))).map((s) => [s.name, s.type]), [
      ['a', 'dir'],
      ['a-b', 'file'],
      ['a.txt', 'file'],
      ['deep', 'dir'],
    ]);
    const obj = await store.stat('ext/deep/obj.bin');
    assert.equal(obj?.size, 8);
    assert.equal((await store.read('ext/deep/obj.bin', 2, 3)).toString(), 'ter');
    await store.delete('ext', true);
    assert.deepEqual(await keysOf(client, 'other', 'data/ext'), []);
  });

  it('a large file is uploaded in parts and reads back byte for byte, whole and in ranges', async () => {
    const size = 11 * 1024 * 1024 + 124;
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
    const dir = await fsp.mkdtemp(nodePath.join(os.tmpdir(), 'strata-s3-big-'));
    try {
      const local = nodePath.join(dir, 'big');
      await fsp.writeFile(local, data);
      const status = await store.putFile('big', local, 0o644);
      assert.equal(status.size, size);
      // AWS names the parts in a multipart ETag ('…-3'); s3rver gives the MD5 of the whole.
      assert.ok(/-3$/.test(status.fingerprint) || status.fingerprint === createHash('md5').update(data).digest('hex'), status.fingerprint);
      const res = await client.send(new GetObjectCommand({ Bucket: 'other', Key: 'data/big' }));
      const stored = Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      assert.equal(createHash('sha256').update(stored).digest('hex'), createHash('sha256').update(data).digest('hex'));
      assert.deepEqual(await store.read('big', 5 * 1024 * 1024 - 2, 4), data.subarray(5 * 1024 * 1024 - 2, 5 * 1024 * 1024 + 2));
      const fromStream = await store.writeFile('big2', (await store.openReadStream('big')), 0o644);
      assert.equal(fromStream.size, size);
      await store.rename('big2', 'big3');
      assert.deepEqual(await store.read('big3', size - 10, 100), data.subarray(size - 10));
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
      await store.delete('big', false);
      await store.delete('big3', false);
    }
  });

  it('uploads are cut into parts of exactly the part size, the last one shorter', async () => {
    const chunks = async function* () {
      for (let i = 0; i < 7; i++) yield Buffer.alloc(3, i);
    };
    const sizes: number[] = [];
    for await (const part of partsOf(chunks(), 5)) sizes.push(part.length);
    assert.deepEqual(sizes, [5, 5, 5, 5, 1]);
  });

  it('a streamed write stores the bytes, not an aws-chunked framing of them', async () => {
    const { Readable } = await import('node:stream');
    await store.writeFile('streamed', Readable.from([Buffer.from('hello '), Buffer.from('world')]), 0o644);
    const res = await client.send(new GetObjectCommand({ Bucket: 'other', Key: 'data/streamed' }));
    assert.equal(await (res.Body as { transformToString(): Promise<string> }).transformToString(), 'hello world');
    await store.delete('streamed', false);
  });

  it('a directory rename copies every object, then deletes the sources', async () => {
    await store.mkdir('r/sub', 0o755, true);
    for (let i = 0; i < 30; i++) await store.writeFile(`r/sub/f${i}`, Buffer.from(String(i)), 0o644);
    await store.rename('r', 'moved');
    assert.equal(await store.stat('r'), null);
    assert.equal((await collect(store.list('moved/sub'))).length, 30);
    assert.equal((await store.read('moved/sub/f7', 0, 10)).toString(), '7');
    await store.delete('moved', true);
  });

  it('symlinks are refused; mode, owner and group live in object metadata as s3fs keeps them, and a listing says it has not read them', async () => {
    await expectCode(store.symlink('l', 'target'), ErrorCode.NOT_PERMITTED);
    const written = await store.writeFile('m', Buffer.from('x'), 0o600, { uid: 1000, gid: 100 });
    assert.deepEqual([written.mode, written.uid, written.gid], [0o600, 1000, 100]);
    const meta = async () => (await client.send(new HeadObjectCommand({ Bucket: 'other', Key: 'data/m' }))).Metadata ?? {};
    assert.deepEqual([(await meta()).mode, (await meta()).uid, (await meta()).gid], [String(0o100600), '1000', '100']);
    const change = await store.setAttributes('m', { mode: 0o640, uid: 0 });
    const st = await store.stat('m');
    assert.deepEqual([st?.mode, st?.uid, st?.gid], [0o640, 0, 100]);
    assert.equal(st?.mtimeMs, written.mtimeMs, 'the copy keeps the time of the content');
    assert.deepEqual(change, { fingerprintBefore: written.fingerprint, fingerprintAfter: st?.fingerprint });
    assert.equal((await store.read('m', 0, 10)).toString(), 'x');
    await store.chmod('m', 0o604);
    assert.equal((await store.stat('m'))?.mode, 0o604);
    const listed = (await collect(store.list(''))).find((e) => e.name === 'm');
    assert.deepEqual([listed?.mode, listed?.uid, listed?.attributesUnread], [0o644, undefined, true]);
    await store.delete('m', false);
  });

  it('a directory keeps its attributes on its marker, also when an entry inside is deleted', async () => {
    await store.mkdir('md', 0o700, false);
    assert.equal((await store.stat('md'))?.mode, 0o700);
    await store.writeFile('md/f', Buffer.from('x'), 0o644);
    await store.setAttributes('md', { mode: 0o750, gid: 50 });
    await store.delete('md/f', false);
    const st = await store.stat('md');
    assert.deepEqual([st?.type, st?.mode, st?.gid], ['dir', 0o750, 50]);
    await client.send(new PutObjectCommand({ Bucket: 'other', Key: 'data/implied/obj', Body: 'x' })); // a directory with no marker
    await store.setAttributes('implied', { mode: 0o711 });
    assert.equal((await store.stat('implied'))?.mode, 0o711);
    await expectCode(store.setAttributes('nothing-here', { mode: 0o600 }), ErrorCode.NOT_FOUND);
    await store.delete('md', true);
    await store.delete('implied', true);
  });

  it('renames and truncates keep attributes; with list_attributes a listing reports them', async () => {
    await store.mkdir('la', 0o755, false);
    await store.writeFile('la/f', Buffer.from('abcdef'), 0o600, { uid: 7, gid: 8 });
    await store.rename('la/f', 'la/g');
    await store.truncate('la/g', 3);
    await store.mkdir('la/sub', 0o700, false);
    const st = await store.stat('la/g');
    assert.deepEqual([st?.size, st?.mode, st?.uid, st?.gid], [3, 0o600, 7, 8]);
    const reading = await openUnderStore('s3://other/data', { options: { ...running().options, list_attributes: 'true' } });
    try {
      const listed = await collect(reading.list('la'));
      assert.deepEqual(listed, [await store.stat('la/g'), await store.stat('la/sub')]);
    } finally {
      await reading.close();
      await store.delete('la', true);
    }
  });

  it('a missing bucket, wrong credentials and an unreachable endpoint are refused at open with clear codes', async () => {
    const opts = running().options;
    await expectCode(openUnderStore('s3://no-such-bucket', { options: opts }), ErrorCode.NOT_FOUND);
    // s3rver checks the access key of a V4 signature but not the signature itself, so a wrong secret passes there.
    await expectCode(openUnderStore('s3://other', { options: { ...opts, access_key: 'NOBODY' } }), ErrorCode.PERMISSION_DENIED);
    await expectCode(openUnderStore('s3://other', { options: { ...opts, endpoint: 'http://127.0.0.1:1' } }), ErrorCode.UNAVAILABLE);
    await expectCode(openUnderStore('s3://other', { options: { ...opts, access_key: 'only-one', secret_key: '' } }), ErrorCode.INVALID_ARGUMENT);
    await expectCode(openUnderStore('s3://other/a/../b', { options: opts }), ErrorCode.INVALID_ARGUMENT);
    await expectCode(openUnderStore('s3:///nobucket', { options: opts }), ErrorCode.INVALID_ARGUMENT);
  });

  it('no error message carries the credentials', async () => {
    const [key, secret] = ['UNKNOWNKEY4711', 'very-secret-value-123'];
    try {
      await openUnderStore('s3://other', { options: { ...running().options, access_key: key, secret_key: secret } });
      assert.fail('opened with unknown credentials');
    } catch (err) {
      assert.ok(err instanceof StrataError);
      assert.equal(err.code, ErrorCode.PERMISSION_DENIED);
      for (const text of [err.message, String(err.stack)]) {
        assert.ok(!text.includes(secret) && !text.includes(key), text);
      }
    }
  });
});
