// The sync interval per request: GetStatus and ListStatus take the mount's
// sync_interval_ms unless the call gives its own (-1 no sync, 0 now, N ms),
// and `strata fs ls/stat --sync-interval-ms` passes it. Stores are real
// directories changed behind strata's back.

import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';

import type { StrataFileSystem } from '../../src/client/file-system';
import type { Master } from '../../src/master/master';
import { STRATA_BIN, codeOf, makeTempDir, newClient, removeDir, startMaster } from '../master/harness';
import { sh } from '../fuse/harness';

const T = { timeout: 60_000 };

describe('sync interval per request', () => {
  let dataDir = '';
  let storesDir = '';
  let master: Master | null = null;
  let fs: StrataFileSystem | null = null;
  const client = (): StrataFileSystem => {
    assert.ok(fs !== null);
    return fs;
  };
  const names = async (path: string, syncIntervalMs?: number): Promise<string[]> => {
    const out: string[] = [];
    for await (const e of client().list(path, undefined, { syncIntervalMs })) out.push(e.name);
    return out;
  };
  const cli = (args: string[]) => {
    assert.ok(master !== null);
    const quoted = args.map((a) => `'${a}'`).join(' ');
    return sh(`'${process.execPath}' '${STRATA_BIN}' --masters ${master.address} ${quoted}`);
  };
  const store = async (name: string): Promise<string> => {
    const dir = nodePath.join(storesDir, name);
    await fsp.mkdir(dir);
    return dir;
  };

  before(async () => {
    dataDir = await makeTempDir('sync-interval-master');
    storesDir = await makeTempDir('sync-interval-stores');
    master = await startMaster(dataDir);
    fs = newClient(master.address);
  });

  after(async () => {
    await fs?.close();
    await master?.close();
    await removeDir(dataDir);
    await removeDir(storesDir);
  });

  test('without an interval a loaded directory is not looked at again, unless a call asks with 0', T, async () => {
    const dir = await store('never');
    await fsp.writeFile(nodePath.join(dir, 'a'), 'a');
    await client().mount('/never', pathToFileURL(dir).href);
    assert.deepEqual(await names('/never'), ['a']);
    await fsp.writeFile(nodePath.join(dir, 'b'), 'b');
    await fsp.writeFile(nodePath.join(dir, 'a'), 'longer');
    assert.deepEqual(await names('/never'), ['a']);
    assert.equal((await client().stat('/never/a')).size, 1);
    // GetStatus syncs the entry itself: its new size, and a file strata did not know.
    assert.equal((await client().stat('/never/a', { syncIntervalMs: 0 })).size, 6);
    assert.equal((await client().stat('/never/b', { syncIntervalMs: 0 })).size, 1);
    await fsp.writeFile(nodePath.join(dir, 'c'), 'c');
    assert.deepEqual(await names('/never', 0), ['a', 'b', 'c']);
    await fsp.rm(nodePath.join(dir, 'c'));
    assert.equal(codeOf(await client().stat('/never/c', { syncIntervalMs: 0 }).catch((e: unknown) => e)), 'NOT_FOUND');
    assert.deepEqual(await names('/never'), ['a', 'b']);
  });

  test("-1 overrides a mount that syncs on every call; N skips a sync newer than N ms", T, async () => {
    const dir = await store('always');
    await client().mount('/always', pathToFileURL(dir).href, { options: { sync_interval_ms: '0' } });
    assert.deepEqual(await names('/always'), []);
    await fsp.writeFile(nodePath.join(dir, 'x'), 'x');
    assert.deepEqual(await names('/always', -1), []);
    assert.equal(codeOf(await client().stat('/always/x', { syncIntervalMs: -1 }).catch((e: unknown) => e)), 'NOT_FOUND');
    assert.deepEqual(await names('/always'), ['x']); // the mount's interval: 0
    await fsp.writeFile(nodePath.join(dir, 'y'), 'y');
    assert.deepEqual(await names('/always', 60_000), ['x'], 'synced again although the last sync is newer than 60 s');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await names('/always', 20), ['x', 'y']);
  });

  test('a bad interval is refused and changes nothing', T, async () => {
    const dir = await store('bad');
    await client().mount('/bad', pathToFileURL(dir).href);
    assert.deepEqual(await names('/bad'), []);
    await fsp.writeFile(nodePath.join(dir, 'z'), 'z');
    assert.equal(codeOf(await names('/bad', -2).catch((e: unknown) => e)), 'INVALID_ARGUMENT');
    assert.equal(codeOf(await client().stat('/bad/z', { syncIntervalMs: -5 }).catch((e: unknown) => e)), 'INVALID_ARGUMENT');
    assert.deepEqual(await names('/bad'), []);
  });

  test('strata fs ls and stat take --sync-interval-ms', T, async () => {
    const dir = await store('cli');
    await client().mount('/cli', pathToFileURL(dir).href);
    assert.deepEqual(await names('/cli'), []);
    await fsp.writeFile(nodePath.join(dir, 'new.txt'), 'hello');
    const plain = await cli(['fs', 'ls', '/cli']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, '');
    const synced = await cli(['fs', 'ls', '--sync-interval-ms', '0', '/cli']);
    assert.equal(synced.code, 0, synced.stderr);
    assert.equal(synced.stdout, 'new.txt\n');
    await fsp.writeFile(nodePath.join(dir, 'new.txt'), 'hello again');
    const stat = await cli(['fs', 'stat', '--json', '--sync-interval-ms', '0', '/cli/new.txt']);
    assert.equal(stat.code, 0, stat.stderr);
    assert.equal(Number((JSON.parse(stat.stdout) as { size: number }).size), 11);
    const bad = await cli(['fs', 'ls', '--sync-interval-ms', 'soon', '/cli']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /sync-interval-ms/);
  });
});
