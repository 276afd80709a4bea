// The mount table through `strata fs mount/unmount/mounts/sync` against a
// master in its own process, and across restarts: the table is journaled, so
// mounts made before a SIGKILL are all there after the restart, and the files
// in their stores are read through them as before.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { MasterProcess, STRATA_BIN, makeTempDir, newClient, removeDir } from '../master/harness';

const T = { timeout: 60_000 };

interface Run {
  code: number;
  out: string;
  err: string;
}

function strata(address: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [STRATA_BIN, 'fs', '--masters', address, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, out: stdout, err: stderr });
    });
  });
}

async function readAll(address: string, path: string): Promise<string> {
  const fs = newClient(address);
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of await fs.openRead(path)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString();
  } finally {
    await fs.close();
  }
}

describe('strata fs mount, unmount, sync and restarts', () => {
  let dataDir = '';
  let storesDir = '';
  let master: MasterProcess | null = null;
  const address = (): string => {
    assert.ok(master !== null);
    return master.address;
  };

  before(async () => {
    dataDir = await makeTempDir('fed-cli');
    storesDir = await makeTempDir('fed-cli-stores');
    for (const d of ['one', 'two', 'inner']) await fsp.mkdir(nodePath.join(storesDir, d));
    master = await MasterProcess.start(dataDir);
  });

  after(async () => {
    await master?.kill('SIGKILL');
    await removeDir(dataDir);
    await removeDir(storesDir);
  });

  test('mount from the CLI, secrets never printed, bad input exit statuses', T, async () => {
    const one = pathToFileURL(nodePath.join(storesDir, 'one')).href;
    const two = pathToFileURL(nodePath.join(storesDir, 'two')).href;
    const inner = pathToFileURL(nodePath.join(storesDir, 'inner')).href;
    assert.deepEqual(await strata(address(), ['mount', '/one', one]), { code: 0, out: '', err: '' });
    const ro = await strata(address(), ['mount', '--readonly', '--option', 'secret_key=s3cr3t-value', '--option', 'region=eu', '/two', two]);
    assert.equal(ro.code, 0, ro.err);
    assert.equal((await strata(address(), ['mount', '/one/inner', inner])).code, 0);

    const text = await strata(address(), ['mounts']);
    assert.equal(text.code, 0);
    assert.ok(!text.out.includes('s3cr3t-value'), text.out);
    assert.match(text.out, /\/one\/inner/);
    const json = JSON.parse((await strata(address(), ['mounts', '--json'])).out) as { mounts: Array<{ path: string; readOnly: boolean; options: Record<string, string> }> };
    assert.deepEqual(json.mounts.map((m) => m.path), ['/', '/one', '/one/inner', '/two']);
    const roEntry = json.mounts.find((m) => m.path === '/two');
    assert.equal(roEntry?.readOnly, true);
    assert.notEqual(roEntry?.options.secret_key, 's3cr3t-value');
    assert.equal(roEntry?.options.region, 'eu');

    const missing = await strata(address(), ['mount', '/gone', pathToFileURL(nodePath.join(storesDir, 'nope')).href]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^strata: \/gone: /);
    assert.ok(!missing.err.includes('s3cr3t-value'));
    const usage = await strata(address(), ['mount', '--option', 'novalue', '/x', one]);
    assert.equal(usage.code, 2, usage.err);
    const twice = await strata(address(), ['mount', '/again', one]);
    assert.equal(twice.code, 1);
    assert.match(twice.err, /already mounted at \/one/);
    const nested = await strata(address(), ['unmount', '/one']);
    assert.equal(nested.code, 1);
    assert.match(nested.err, /\/one\/inner/);
  });

  test('the mount table and the files in the stores survive a SIGKILL restart; sync from the CLI', T, async () => {
    const fs = newClient(address());
    try {
      await fs.writeFile('/one/a.txt', Buffer.from('in one'));
      await fs.writeFile('/one/inner/b.txt', Buffer.from('in inner'));
    } finally {
      await fs.close();
    }
    assert.ok(master !== null);
    await master.kill('SIGKILL');
    master = await MasterProcess.start(dataDir);

    const json = JSON.parse((await strata(address(), ['mounts', '--json'])).out) as { mounts: Array<{ path: string; ufsUri: string; readOnly: boolean }> };
    assert.deepEqual(json.mounts.map((m) => [m.path, m.readOnly]), [['/', false], ['/one', false], ['/one/inner', false], ['/two', true]]);
    assert.equal(await readAll(address(), '/one/a.txt'), 'in one');
    assert.equal(await readAll(address(), '/one/inner/b.txt'), 'in inner');
    assert.equal(await fsp.readFile(nodePath.join(storesDir, 'inner', 'b.txt'), 'utf8'), 'in inner');

    await fsp.writeFile(nodePath.join(storesDir, 'inner', 'outside.txt'), 'made outside');
    const synced = await strata(address(), ['sync', '-R', '/one']);
    assert.equal(synced.code, 0, synced.err);
    assert.match(synced.out, /1 added/);
    const ls = await strata(address(), ['ls', '/one/inner']);
    assert.deepEqual(ls.out.trim().split('\n'), ['b.txt', 'outside.txt']);

    assert.equal((await strata(address(), ['unmount', '/one/inner'])).code, 0);
    await master.stop();
    master = await MasterProcess.start(dataDir);
    const after = JSON.parse((await strata(address(), ['mounts', '--json'])).out) as { mounts: Array<{ path: string }> };
    assert.deepEqual(after.mounts.map((m) => m.path), ['/', '/one', '/two']);
    assert.equal((await strata(address(), ['stat', '/one/inner'])).code, 1);
    assert.equal(await fsp.readFile(nodePath.join(storesDir, 'inner', 'outside.txt'), 'utf8'), 'made outside');
  });
});
