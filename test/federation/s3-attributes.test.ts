// chmod and chown stick on S3 mounts (and local ones): strata keeps mode,
// owner and group in the store (S3 object metadata, a local file's own), so
// a sync does not undo them and a fresh load of the store finds them. An
// in-process master, s3rver in its own process, `strata fs chmod` and
// `strata fs chown` from the command line.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';

import type { StrataFileSystem } from '../../src/client/file-system';
import type { Master } from '../../src/master/master';
import { STRATA_BIN, makeTempDir, newClient, removeDir, startMaster } from '../master/harness';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY, startS3Server } from '../ufs/s3-server';
import type { S3TestServer } from '../ufs/s3-server';

const T = { timeout: 60_000 };
const BUCKET = 'attrs';

function cli(master: Master, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [STRATA_BIN, '--masters', master.address, ...args], (err, _stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stderr });
    });
  });
}

describe('attributes set through strata are kept by the store', () => {
  let dataDir = '';
  let localDir = '';
  let server: S3TestServer | null = null;
  let master: Master | null = null;
  let fs: StrataFileSystem | null = null;
  const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  const c = (): StrataFileSystem => {
    assert.ok(fs !== null);
    return fs;
  };
  const m = (): Master => {
    assert.ok(master !== null);
    return master;
  };
  const s3Options = (extra: Record<string, string> = {}): Record<string, string> => {
    assert.ok(server !== null);
    return { ...server.options, ...extra };
  };
  const attrs = async (path: string): Promise<[number, number, number]> => {
    const st = await c().stat(path);
    return [st.mode, st.uid, st.gid];
  };

  before(async () => {
    server = await startS3Server([BUCKET]);
    process.env.AWS_ACCESS_KEY_ID = S3RVER_ACCESS_KEY; // the client's own credentials (the mount table redacts them)
    process.env.AWS_SECRET_ACCESS_KEY = S3RVER_SECRET_KEY;
    dataDir = await makeTempDir('attrs-master');
    localDir = await makeTempDir('attrs-local');
    master = await startMaster(dataDir);
    fs = newClient(master.address);
  });

  after(async () => {
    await fs?.close();
    await master?.close();
    await server?.stop();
    await removeDir(dataDir);
    await removeDir(localDir);
    if (savedEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    else process.env.AWS_ACCESS_KEY_ID = savedEnv.id;
    if (savedEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = savedEnv.secret;
  });

  test('chmod and chown on an S3 mount survive a sync, and a fresh load of the store finds them', T, async () => {
    await c().mount('/lake', `s3://${BUCKET}/p`, { options: s3Options() });
    await c().writeFile('/lake/f.txt', Buffer.from('hello'));
    await c().mkdir('/lake/private', { mode: 0o700 });
    await c().writeFile('/lake/private/g.txt', Buffer.from('g'), { mode: 0o640 });
    for (const args of [['chmod', '600', '/lake/f.txt'], ['chown', '1234:99', '/lake/f.txt'], ['chmod', '750', '/lake/private']]) {
      const res = await cli(m(), ['fs', ...args]);
      assert.equal(res.code, 0, res.stderr);
    }
    const head = await server?.client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'p/f.txt' }));
    assert.deepEqual(head?.Metadata, { mode: String(0o100600), uid: '1234', gid: '99', mtime: head?.Metadata?.mtime });
    const fingerprint = (await c().stat('/lake/f.txt')).fingerprint;

    const stats = await c().sync('/lake', { recursive: true });
    assert.equal(stats.updated, 0, 'a sync finds nothing changed');
    assert.deepEqual(await attrs('/lake/f.txt'), [0o600, 1234, 99]);
    assert.deepEqual(await attrs('/lake/private'), [0o750, 0, 0]);
    assert.equal((await attrs('/lake/private/g.txt'))[0], 0o640);
    assert.equal((await c().stat('/lake/f.txt')).fingerprint, fingerprint);

    // Mounted again, with list_attributes: the first listing reads them back.
    await c().unmount('/lake');
    await c().mount('/again', `s3://${BUCKET}/p`, { options: s3Options({ list_attributes: 'true' }) });
    assert.deepEqual(await attrs('/again/f.txt'), [0o600, 1234, 99]);
    assert.equal((await attrs('/again/private'))[0], 0o750);
    assert.equal((await attrs('/again/private/g.txt'))[0], 0o640);
    await c().unmount('/again');
  });

  test('chmod and chown on a local mount change the file itself (chown only as root)', T, async () => {
    await c().mount('/disk', pathToFileURL(localDir).href);
    await c().writeFile('/disk/f', Buffer.from('x'));
    const root = process.getuid?.() === 0;
    const owner = root ? 4321 : (process.getuid?.() ?? 0);
    await c().setAttribute('/disk/f', { mode: 0o604, uid: owner, gid: owner });
    const st = await fsp.stat(nodePath.join(localDir, 'f'));
    assert.equal(st.mode & 0o7777, 0o604);
    if (root) assert.deepEqual([st.uid, st.gid], [4321, 4321]);
    assert.equal((await c().sync('/disk', { recursive: true })).updated, 0);
    assert.deepEqual(await attrs('/disk/f'), [0o604, owner, owner]);
    await c().unmount('/disk');
  });
});
