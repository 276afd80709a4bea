// Which credentials a client uses for the S3 stores it reads and writes
// itself. The mount table shows secrets redacted; a client that presents the
// cluster token (STRATA_CLUSTER_TOKEN, the masters' own) gets them from the
// master; any other client uses credentials of its own: the mount's profile
// option, else the SDK's default chain. s3rver (its own process) refuses an
// unknown access key, so a client that used the wrong credentials fails.
// Clients are `strata fs` processes with an environment of the test's making.

import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';

import { StrataFileSystem } from '../../src/client/file-system';
import { MasterProcess, STRATA_BIN, codeOf, makeTempDir, removeDir } from '../master/harness';
import { sh } from '../fuse/harness';
import type { ShellResult } from '../fuse/harness';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY, startS3Server } from '../ufs/s3-server';
import type { S3TestServer } from '../ufs/s3-server';

const T = { timeout: 90_000 };
const BUCKET = 'creds';
const TOKEN = 'cluster-token-3f9a1c';

/** An environment without any AWS or strata settings of the test process. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|STRATA_)/.test(k)) env[k] = v;
  // An unknown key in the default chain: a client that falls back to it is refused.
  return { ...env, AWS_ACCESS_KEY_ID: 'NOBODY', AWS_SECRET_ACCESS_KEY: 'nothing', AWS_EC2_METADATA_DISABLED: 'true', ...extra };
}

describe('S3 credentials of clients', () => {
  let dir = '';
  let server: S3TestServer | null = null;
  let s3: S3Client | null = null;
  let master: MasterProcess | null = null;
  let local = '';
  let credsFile = '';

  const cli = (args: string[], env: NodeJS.ProcessEnv): Promise<ShellResult> => {
    assert.ok(master !== null);
    const assignments = Object.entries(env)
      .map(([k, v]) => `${k}='${String(v).replace(/'/g, `'\\''`)}'`)
      .join(' ');
    const quoted = args.map((a) => `'${a}'`).join(' ');
    return sh(`env -i ${assignments} '${process.execPath}' '${STRATA_BIN}' --masters ${master.address} ${quoted}`);
  };
  const keys = async (prefix: string): Promise<string[]> => {
    assert.ok(s3 !== null);
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
  };
  const object = async (key: string): Promise<string> => {
    assert.ok(s3 !== null);
    const res = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()).toString('utf8');
  };

  before(async () => {
    dir = await makeTempDir('s3-creds');
    server = await startS3Server([BUCKET]);
    s3 = server.client();
    local = nodePath.join(dir, 'local.txt');
    await fsp.writeFile(local, 'bytes from a client');
    credsFile = nodePath.join(dir, 'aws-credentials');
    await fsp.writeFile(
      credsFile,
      `[strata-good]\naws_access_key_id = ${S3RVER_ACCESS_KEY}\naws_secret_access_key = ${S3RVER_SECRET_KEY}\n[strata-bad]\naws_access_key_id = NOBODY\naws_secret_access_key = nothing\n`,
    );
    // The master holds the keys of /s3 (mount options) and, for /p, resolves the profile on its own machine.
    master = await MasterProcess.start(nodePath.join(dir, 'data'), 0, 20_000, [], cleanEnv({ STRATA_CLUSTER_TOKEN: TOKEN, AWS_SHARED_CREDENTIALS_FILE: credsFile }));
    const { access_key: _a, secret_key: _s, ...noKeys } = server.options;
    const masterEnv = cleanEnv({});
    const m1 = await cli(['fs', 'mount', ...Object.entries(server.options).flatMap(([k, v]) => ['--option', `${k}=${v}`]), '/s3', `s3://${BUCKET}/keys`], masterEnv);
    assert.equal(m1.code, 0, m1.stderr);
    const m2 = await cli(['fs', 'mount', ...Object.entries({ ...noKeys, profile: 'strata-good' }).flatMap(([k, v]) => ['--option', `${k}=${v}`]), '/p', `s3://${BUCKET}/profile`], masterEnv);
    assert.equal(m2.code, 0, m2.stderr);
  });

  after(async () => {
    await master?.stop().catch(() => undefined);
    await server?.stop();
    await removeDir(dir);
  });

  test('a client with the cluster token writes and reads with the mount\'s keys', T, async () => {
    const env = cleanEnv({ STRATA_CLUSTER_TOKEN: TOKEN });
    const put = await cli(['fs', 'put', local, '/s3/a.txt'], env);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(await object('keys/a.txt'), 'bytes from a client');
    const cat = await cli(['fs', 'cat', '/s3/a.txt'], env);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'bytes from a client');
  });

  test('a wrong token is refused with a clear error and no credentials; the store is not written', T, async () => {
    const put = await cli(['fs', 'put', local, '/s3/wrong.txt'], cleanEnv({ STRATA_CLUSTER_TOKEN: 'not-the-token' }));
    assert.equal(put.code, 1);
    assert.match(put.stderr, /refused this client the store's credentials/);
    assert.deepEqual(await keys('keys/wrong'), []);
    // Refused before anything was created: the namespace has no such file either.
    const ls = await cli(['fs', 'ls', '/s3'], cleanEnv({ STRATA_CLUSTER_TOKEN: TOKEN }));
    assert.equal(ls.code, 0, ls.stderr);
    assert.ok(!ls.stdout.includes('wrong.txt'), ls.stdout);
    // The same through the client API (which has no clean-up after a failed upload, as put has): refused before creating.
    assert.ok(master !== null);
    const api = new StrataFileSystem([master.address], { callTimeoutMs: 20_000, clusterToken: 'not-the-token' });
    try {
      assert.equal(codeOf(await api.writeFile('/s3/api.txt', Buffer.from('x')).catch((e: unknown) => e)), 'PERMISSION_DENIED');
      assert.equal(codeOf(await api.stat('/s3/api.txt').catch((e: unknown) => e)), 'NOT_FOUND');
    } finally {
      await api.close();
    }
    assert.deepEqual(await keys('keys/api'), []);
  });

  test('without a token a client uses its own credentials: the default chain', T, async () => {
    const refused = await cli(['fs', 'cat', '/s3/a.txt'], cleanEnv({}));
    assert.equal(refused.code, 1, 'read with an unknown access key');
    const own = await cli(['fs', 'cat', '/s3/a.txt'], cleanEnv({ AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_KEY }));
    assert.equal(own.code, 0, own.stderr);
    assert.equal(own.stdout, 'bytes from a client');
  });

  test("a mount's profile option is resolved by each client on its own machine", T, async () => {
    const good = await cli(['fs', 'put', local, '/p/b.txt'], cleanEnv({ AWS_SHARED_CREDENTIALS_FILE: credsFile }));
    assert.equal(good.code, 0, good.stderr);
    assert.equal(await object('profile/b.txt'), 'bytes from a client');
    // The same profile name with another key on this client's machine: refused by the store.
    const otherFile = nodePath.join(dir, 'other-credentials');
    await fsp.writeFile(otherFile, `[strata-good]\naws_access_key_id = NOBODY\naws_secret_access_key = nothing\n`);
    const bad = await cli(['fs', 'cat', '/p/b.txt'], cleanEnv({ AWS_SHARED_CREDENTIALS_FILE: otherFile }));
    assert.equal(bad.code, 1);
  });

  test('mounts shows no secret, and neither token nor secret reaches the master\'s output', T, async () => {
    assert.ok(master !== null);
    const res = await cli(['fs', 'mounts', '--json'], cleanEnv({ STRATA_CLUSTER_TOKEN: TOKEN }));
    assert.equal(res.code, 0, res.stderr);
    const { mounts } = JSON.parse(res.stdout) as { mounts: Array<{ path: string; options: Record<string, string> }> };
    const s3mount = mounts.find((m) => m.path === '/s3');
    assert.ok(s3mount !== undefined);
    assert.equal(s3mount.options.secret_key, '******');
    assert.equal(s3mount.options.access_key, '******');
    assert.equal(mounts.find((m) => m.path === '/p')?.options.profile, 'strata-good');
    assert.ok(!res.stdout.includes(S3RVER_SECRET_KEY));
    assert.ok(!master.output.includes(TOKEN) && !master.output.includes(S3RVER_SECRET_KEY), master.output);
  });
});
