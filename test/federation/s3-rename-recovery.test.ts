// A rename on S3 that a crash stops half way is finished when the master
// restarts.
//
// How the crash is made: the master runs as its own process (`strata master
// start`) and reaches s3rver (also its own process) through an HTTP proxy in
// the test process (test/ufs/s3-proxy.ts). Once the master starts the
// rename, the proxy forwards the first COPIED CopyObject requests and holds
// every later copy and every delete; when those COPIED copies have been
// answered, the test SIGKILLs the master. So the state left behind is exactly
// what a crash in the middle of the copy phase leaves, made by the real code
// path with no test hook in strata: the rename's intent in the master's
// journal, the source whole, the destination holding COPIED of FILES objects,
// and the namespace still showing the source (for a file: the copy made, the
// delete held, so both objects exist). Then the proxy passes everything
// through, and a new master on the same data directory must show the entry at
// its new name only, with every object at the destination (same bytes) and
// none left at the source.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';

import type { StrataFileSystem } from '../../src/client/file-system';
import { ErrorCode, StrataError } from '../../src/common/errors';
import { MasterProcess, makeTempDir, newClient, removeDir } from '../master/harness';
import { S3Proxy, isCopyObject, isDelete } from '../ufs/s3-proxy';
import { startS3Server } from '../ufs/s3-server';
import type { S3TestServer } from '../ufs/s3-server';

const T = { timeout: 120_000 };
const BUCKET = 'renames';
const FILES = 40;
const COPIED = 10;

const fileName = (i: number): string => `f${String(i).padStart(3, '0')}`;
const content = (i: number): string => `object ${i} `.repeat(1 + (i % 7));

/**
 * Forwards the first `limit` CopyObject requests and holds later copies and
 * every delete; the promise resolves once the forwarded copies are answered.
 */
function cutAfterCopies(proxy: S3Proxy, limit: number): Promise<void> {
  return new Promise((resolve) => {
    let forwarded = 0;
    let answered = 0;
    proxy.setRule({
      hold: (req) => isDelete(req) || (isCopyObject(req) && forwarded++ >= limit),
      answered: (req) => {
        if (isCopyObject(req) && ++answered === limit) resolve();
      },
    });
  });
}

describe('a directory rename on S3 stopped half way by a crash', () => {
  const dataDirs: string[] = [];
  let server: S3TestServer | null = null;
  let s3: S3Client | null = null;
  let proxy: S3Proxy | null = null;
  const masters: MasterProcess[] = [];
  const clients: StrataFileSystem[] = [];

  const bucket = (): S3Client => {
    assert.ok(s3 !== null);
    return s3;
  };
  const keysUnder = async (prefix: string): Promise<string[]> => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await bucket().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined && token !== '');
    return keys.sort();
  };
  const object = async (key: string): Promise<string> => {
    const res = await bucket().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()).toString('utf8');
  };
  const names = async (fs: StrataFileSystem, path: string): Promise<string[]> => {
    const out: string[] = [];
    for await (const e of fs.list(path)) out.push(e.name);
    return out.sort();
  };
  const startMasterProcess = async (dataDir: string): Promise<{ master: MasterProcess; fs: StrataFileSystem }> => {
    const master = await MasterProcess.start(dataDir);
    masters.push(master);
    const fs = newClient(master.address, 10_000);
    clients.push(fs);
    return { master, fs };
  };

  before(async () => {
    server = await startS3Server([BUCKET]);
    s3 = server.client();
    proxy = new S3Proxy(new URL(server.endpoint));
    await proxy.start();
    await bucket().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'files/one.txt', Body: 'the only file' }));
    for (let i = 0; i < FILES; i++) {
      await bucket().send(new PutObjectCommand({ Bucket: BUCKET, Key: `tree/old/${fileName(i)}`, Body: content(i) }));
    }
  });

  after(async () => {
    for (const fs of clients) await fs.close().catch(() => undefined);
    for (const master of masters) await master.kill('SIGKILL');
    await proxy?.close();
    await server?.stop();
    for (const dir of dataDirs) await removeDir(dir);
  });

  test('after a restart the directory is at its new name only, in strata and in the bucket', T, async () => {
    assert.ok(server !== null && proxy !== null);
    const dataDir = await makeTempDir('s3-rename-recovery');
    dataDirs.push(dataDir);
    const first = await startMasterProcess(dataDir);
    await first.fs.mount('/s3', `s3://${BUCKET}/tree`, { options: { ...server.options, endpoint: proxy.endpoint } });
    assert.equal((await names(first.fs, '/s3/old')).length, FILES);

    const cut = cutAfterCopies(proxy, COPIED);
    const renaming = first.fs.rename('/s3/old', '/s3/new').then(
      () => 'ok',
      () => 'failed',
    );
    await cut;
    await first.master.kill('SIGKILL');
    await first.fs.close();
    assert.equal(await renaming, 'failed', 'the rename was never acknowledged');
    proxy.setRule(null);
    proxy.dropHeld();

    // The state a crash in the copy phase leaves: source whole, destination partial.
    assert.equal((await keysUnder('tree/old/')).length, FILES);
    assert.equal((await keysUnder('tree/new/')).length, COPIED);

    const second = await startMasterProcess(dataDir);
    assert.deepEqual(await names(second.fs, '/s3'), ['new']);
    assert.deepEqual(await names(second.fs, '/s3/new'), Array.from({ length: FILES }, (_, i) => fileName(i)));
    assert.deepEqual(await keysUnder('tree/old/'), []);
    const moved = await keysUnder('tree/new/');
    assert.deepEqual(moved, Array.from({ length: FILES }, (_, i) => `tree/new/${fileName(i)}`));
    for (let i = 0; i < FILES; i++) assert.equal(await object(`tree/new/${fileName(i)}`), content(i), fileName(i));

    // And the namespace keeps working on the recovered directory.
    await second.fs.rename('/s3/new', '/s3/again');
    assert.deepEqual(await names(second.fs, '/s3'), ['again']);
    assert.equal((await keysUnder('tree/again/')).length, FILES);
    await second.master.stop();
  });

  test('a file renamed up to its copy is at its new name only after a restart', T, async () => {
    assert.ok(server !== null && proxy !== null);
    const dataDir = await makeTempDir('s3-rename-recovery-file');
    dataDirs.push(dataDir);
    const first = await startMasterProcess(dataDir);
    await first.fs.mount('/s3', `s3://${BUCKET}/files`, { options: { ...server.options, endpoint: proxy.endpoint } });
    assert.deepEqual(await names(first.fs, '/s3'), ['one.txt']);

    const cut = cutAfterCopies(proxy, 1);
    const renaming = first.fs.rename('/s3/one.txt', '/s3/two.txt').then(
      () => 'ok',
      () => 'failed',
    );
    await cut;
    await first.master.kill('SIGKILL');
    await first.fs.close();
    assert.equal(await renaming, 'failed', 'the rename was never acknowledged');
    proxy.setRule(null);
    proxy.dropHeld();
    assert.deepEqual(await keysUnder('files/'), ['files/one.txt', 'files/two.txt']);

    const second = await startMasterProcess(dataDir);
    assert.deepEqual(await names(second.fs, '/s3'), ['two.txt']);
    assert.deepEqual(await keysUnder('files/'), ['files/two.txt']);
    assert.equal(await object('files/two.txt'), 'the only file');
    await second.master.stop();
  });

  test('a directory rename the store fails part way while the master runs is finished once the store answers', T, async () => {
    assert.ok(server !== null && proxy !== null);
    for (let i = 0; i < FILES; i++) {
      await bucket().send(new PutObjectCommand({ Bucket: BUCKET, Key: `live/old/${fileName(i)}`, Body: content(i) }));
    }
    const dataDir = await makeTempDir('s3-rename-live');
    dataDirs.push(dataDir);
    const { master, fs } = await startMasterProcess(dataDir);
    await fs.mount('/s3', `s3://${BUCKET}/live`, { options: { ...server.options, endpoint: proxy.endpoint } });
    assert.equal((await names(fs, '/s3/old')).length, FILES);

    // The first COPIED copies go through; every later one fails as a lost connection would.
    let copies = 0;
    proxy.setRule({ hold: () => false, fail: (req) => isCopyObject(req) && copies++ >= COPIED });
    const err = await fs.rename('/s3/old', '/s3/new').then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof StrataError, `the rename did not fail: ${String(err)}`);
    assert.match(err.message, /stopped part way/);
    // Nothing hidden meanwhile: the namespace still shows the source, and the bucket holds it whole next to a partial copy.
    assert.deepEqual(await names(fs, '/s3'), ['old']);
    assert.equal((await keysUnder('live/old/')).length, FILES);
    const partial = (await keysUnder('live/new/')).length;
    assert.ok(partial >= COPIED && partial < FILES, `${partial} objects copied`);
    // While it is being finished, changes of either end are refused (a retried mv, an rm of the source).
    const retried = await fs.rename('/s3/old', '/s3/new').then(() => null, (e: unknown) => e);
    assert.ok(retried instanceof StrataError && retried.code === ErrorCode.UNAVAILABLE && /still being finished/.test(retried.message), String(retried));
    const removed = await fs.delete('/s3/old', { recursive: true }).then(() => null, (e: unknown) => e);
    assert.ok(removed instanceof StrataError && removed.code === ErrorCode.UNAVAILABLE, String(removed));
    assert.equal((await keysUnder('live/old/')).length, FILES);

    proxy.setRule(null);
    const deadline = Date.now() + 30_000;
    while ((await names(fs, '/s3')).join() !== 'new' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await names(fs, '/s3'), ['new'], 'the rename was not finished once the store answered');
    assert.deepEqual(await names(fs, '/s3/new'), Array.from({ length: FILES }, (_, i) => fileName(i)));
    assert.deepEqual(await keysUnder('live/old/'), []);
    assert.deepEqual(await keysUnder('live/new/'), Array.from({ length: FILES }, (_, i) => `live/new/${fileName(i)}`));
    for (let i = 0; i < FILES; i++) assert.equal(await object(`live/new/${fileName(i)}`), content(i), fileName(i));
    await master.stop();
  });

  test('a rename the store refuses before copying anything changes nothing and leaves no intent open', T, async () => {
    assert.ok(server !== null && proxy !== null);
    await bucket().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'refused/a/x', Body: 'x' }));
    const dataDir = await makeTempDir('s3-rename-refused');
    dataDirs.push(dataDir);
    const { master, fs } = await startMasterProcess(dataDir);
    await fs.mount('/s3', `s3://${BUCKET}/refused`, { options: { ...server.options, endpoint: proxy.endpoint } });
    await fs.mkdir('/s3/b');
    // Behind strata's back: b is no longer empty in the store, so the store's rename refuses (NOT_EMPTY).
    await bucket().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'refused/b/y', Body: 'y' }));
    const err = await fs.rename('/s3/a', '/s3/b').then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof StrataError && err.code === ErrorCode.NOT_EMPTY, `not NOT_EMPTY: ${String(err)}`);
    await new Promise((r) => setTimeout(r, 1500)); // past the first background attempt, had there been one
    assert.deepEqual(await keysUnder('refused/a/'), ['refused/a/x']);
    assert.deepEqual((await keysUnder('refused/b/')).filter((k) => k !== 'refused/b/'), ['refused/b/y']);
    // A restart reconciles open intents: none is left, so the store stays as it is.
    await master.stop();
    const again = await startMasterProcess(dataDir);
    assert.deepEqual(await names(again.fs, '/s3'), ['a', 'b']);
    assert.deepEqual(await keysUnder('refused/a/'), ['refused/a/x']);
    await again.master.stop();
  });
});
