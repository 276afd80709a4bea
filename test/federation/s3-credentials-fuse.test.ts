// The FUSE mount reads and writes S3 objects itself: with the cluster token
// in its environment it uses the mount's keys from the masters, without it
// its own credentials (here an access key s3rver does not know, so it
// fails). Real master, mount and s3rver processes; shell commands in child
// processes.

import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';

import { STRATA_BIN } from '../master/harness';
import { FuseFixture, sh, strata } from '../fuse/harness';
import { startS3Server } from '../ufs/s3-server';
import type { S3TestServer } from '../ufs/s3-server';

const BUCKET = 'fusecreds';
const TOKEN = 'fuse-cluster-token-77d1';

describe('S3 credentials of a FUSE mount', () => {
  let fx: FuseFixture | null = null;
  let server: S3TestServer | null = null;
  let withToken = '';
  let without = '';
  let fromFile = '';

  before(async () => {
    // Inherited by the master and the mount processes started below; the
    // default chain gets a key s3rver refuses.
    process.env.STRATA_CLUSTER_TOKEN = TOKEN;
    process.env.AWS_ACCESS_KEY_ID = 'NOBODY';
    process.env.AWS_SECRET_ACCESS_KEY = 'nothing';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    delete process.env.AWS_PROFILE;
    server = await startS3Server([BUCKET]);
    fx = await FuseFixture.start();
    const mounted = await strata(['fs', 'mount', ...Object.entries(server.options).flatMap(([k, v]) => ['--option', `${k}=${v}`]), '/s3', `s3://${BUCKET}/data`], fx.master);
    assert.equal(mounted.code, 0, mounted.stderr);
    withToken = await fx.mount('with-token');
    without = path.join(fx.dir, 'without-token');
    await mkdir(without);
    fx.mounts.push(without); // unmounted by fx.close()
    const res = await sh(`env -u STRATA_CLUSTER_TOKEN '${process.execPath}' '${STRATA_BIN}' --masters ${fx.master.address} mount '${without}'`);
    assert.equal(res.code, 0, res.stderr);
    // As mount(8) starts it from fstab: no environment, the token in a file of root's alone.
    const tokenFile = path.join(fx.dir, 'cluster-token');
    await writeFile(tokenFile, TOKEN + '\n', { mode: 0o644 });
    fromFile = path.join(fx.dir, 'token-file');
    await mkdir(fromFile);
    const mountCmd = `env -u STRATA_CLUSTER_TOKEN '${process.execPath}' '${STRATA_BIN}' mount '${fromFile}' -o master=${fx.master.address},cluster_token_file=${tokenFile}`;
    const refused = await sh(mountCmd);
    assert.notEqual(refused.code, 0, 'a token file others can read was taken');
    assert.match(refused.stderr, /readable by others/);
    await chmod(tokenFile, 0o600);
    fx.mounts.push(fromFile);
    const mountedFromFile = await sh(mountCmd);
    assert.equal(mountedFromFile.code, 0, mountedFromFile.stderr);
  });

  after(async () => {
    await fx?.close();
    await server?.stop();
  });

  test('a mount with the cluster token writes and reads objects with the mount\'s keys', { timeout: 60_000 }, async () => {
    assert.ok(server !== null);
    const res = await sh(`printf 'through fuse' > '${withToken}/s3/a.txt' && cat '${withToken}/s3/a.txt'`);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'through fuse');
    const object = await server.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'data/a.txt' }));
    assert.equal(await object.Body?.transformToString(), 'through fuse');
  });

  test('a mount given the token in a file (cluster_token_file) reads with the mount\'s keys', { timeout: 60_000 }, async () => {
    const res = await sh(`printf 'via the token file' > '${fromFile}/s3/c.txt' && cat '${withToken}/s3/c.txt'`);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'via the token file');
  });

  test('a mount without it uses its own credentials, which the store refuses here', { timeout: 60_000 }, async () => {
    const read = await sh(`cat '${without}/s3/a.txt'`);
    assert.notEqual(read.code, 0, 'read with an access key the store does not know');
    // The upload happens at fsync or close; dd reports fsync's error (a shell redirect ignores close's).
    const write = await sh(`printf x | dd of='${without}/s3/b.txt' conv=fsync status=none`);
    assert.notEqual(write.code, 0, 'wrote with an access key the store does not know');
    assert.ok(server !== null);
    const listed = await server.client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'data/b' }));
    assert.equal(listed.KeyCount ?? 0, 0);
  });
});
