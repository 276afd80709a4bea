// Federation with real local directories: two extra under stores mounted side
// by side and one nested, under the root mount of an in-process master. Data
// written through strata lands in the right directory; the mount rules refuse
// what they must and leave the table unchanged; read-only mounts refuse every
// change; a rename between stores is CROSS_DEVICE.

import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';

import type { StrataFileSystem } from '../../src/client/file-system';
import type { Master } from '../../src/master/master';
import { makeTempDir, newClient, outcome, removeDir, startMaster, walkApiFull } from '../master/harness';

const T = { timeout: 60_000 };

async function readAll(fs: StrataFileSystem, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await fs.openRead(path)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('mounting local directories', () => {
  let dataDir = '';
  let storesDir = '';
  let a = '';
  let b = '';
  let nested = '';
  let ro = '';
  let master: Master | null = null;
  let fs: StrataFileSystem | null = null;

  const url = (dir: string) => pathToFileURL(dir).href;
  const client = (): StrataFileSystem => {
    assert.ok(fs !== null);
    return fs;
  };
  const table = async () => JSON.stringify(await client().mounts());

  before(async () => {
    dataDir = await makeTempDir('fed-master');
    storesDir = await makeTempDir('fed-stores');
    a = nodePath.join(storesDir, 'a');
    b = nodePath.join(storesDir, 'b');
    nested = nodePath.join(storesDir, 'nested');
    ro = nodePath.join(storesDir, 'ro');
    for (const d of [a, b, nested, ro]) await fsp.mkdir(d);
    await fsp.writeFile(nodePath.join(a, 'already-there.txt'), 'from before the mount');
    await fsp.mkdir(nodePath.join(ro, 'docs'));
    await fsp.writeFile(nodePath.join(ro, 'docs', 'readme'), 'read only');
    master = await startMaster(dataDir);
    fs = newClient(master.address);
    await client().mkdir('/mnt');
  });

  after(async () => {
    await fs?.close();
    await master?.close();
    await removeDir(dataDir);
    await removeDir(storesDir);
  });

  test('stores mounted side by side and nested receive the files written to their paths, byte for byte', T, async () => {
    const c = client();
    const mounted = await c.mount('/mnt/a', url(a));
    assert.equal(mounted.path, '/mnt/a');
    await c.mount('/mnt/b', url(b));
    await c.mount('/mnt/a/inner', url(nested));
    const paths = (await c.mounts()).map((m) => m.path);
    assert.deepEqual(paths, ['/', '/mnt/a', '/mnt/a/inner', '/mnt/b']);

    // What the store held before the mount shows up, loaded lazily.
    assert.equal((await readAll(c, '/mnt/a/already-there.txt')).toString(), 'from before the mount');
    const mp = await c.stat('/mnt/a/inner');
    assert.equal(mp.type, 'DIRECTORY');
    assert.equal(mp.mountPoint, true);

    const files: Array<[string, string, Buffer]> = [
      ['/mnt/a/one.bin', nodePath.join(a, 'one.bin'), Buffer.from('alpha '.repeat(1000))],
      ['/mnt/b/two.bin', nodePath.join(b, 'two.bin'), Buffer.from([0, 1, 2, 255, 254])],
      ['/mnt/a/inner/three.bin', nodePath.join(nested, 'three.bin'), Buffer.alloc(70_000, 7)],
      ['/top.bin', nodePath.join(dataDir, 'underfs', 'top.bin'), Buffer.from('root store')],
    ];
    for (const [path, , data] of files) await c.writeFile(path, data);
    await c.mkdir('/mnt/a/inner/sub');
    await c.writeFile('/mnt/a/inner/sub/four.txt', Buffer.from('deep'));
    for (const [path, host, data] of files) {
      assert.deepEqual(await fsp.readFile(host), data, `${path} in ${host}`);
      assert.deepEqual(await readAll(c, path), data);
    }
    assert.equal(await fsp.readFile(nodePath.join(nested, 'sub', 'four.txt'), 'utf8'), 'deep');
    // Nothing leaks into the outer store: the nested mount's files live only in its own directory.
    await assert.rejects(fsp.stat(nodePath.join(a, 'inner')), { code: 'ENOENT' });
    await assert.rejects(fsp.stat(nodePath.join(a, 'three.bin')), { code: 'ENOENT' });
  });

  test('a rename between two stores is CROSS_DEVICE and changes nothing; inside one store it works', T, async () => {
    const c = client();
    await c.writeFile('/mnt/a/move-me', Buffer.from('x'));
    const before = JSON.stringify([...(await walkApiFull(c, '/mnt'))]);
    assert.equal(await outcome(() => c.rename('/mnt/a/move-me', '/mnt/b/move-me')), 'CROSS_DEVICE');
    assert.equal(await outcome(() => c.rename('/mnt/a/move-me', '/mnt/a/inner/move-me')), 'CROSS_DEVICE');
    assert.equal(await outcome(() => c.rename('/mnt/b/two.bin', '/top2.bin')), 'CROSS_DEVICE');
    assert.equal(JSON.stringify([...(await walkApiFull(c, '/mnt'))]), before);
    await c.rename('/mnt/a/move-me', '/mnt/a/moved');
    assert.equal(await fsp.readFile(nodePath.join(a, 'moved'), 'utf8'), 'x');
  });

  test('a mount point cannot be removed or renamed away while mounted', T, async () => {
    const c = client();
    assert.equal(await outcome(() => c.delete('/mnt/a/inner', { recursive: true })), 'NOT_PERMITTED');
    assert.equal(await outcome(() => c.rename('/mnt/b', '/mnt/b2')), 'NOT_PERMITTED');
    assert.equal(await outcome(() => c.delete('/mnt', { recursive: true })), 'NOT_PERMITTED');
  });

  test('bad mounts are refused with a clear code and leave the table unchanged', T, async () => {
    const c = client();
    await c.mkdir('/mnt/taken');
    const before = await table();
    const cases: Array<[string, string, string]> = [
      ['/mnt/missing', url(nodePath.join(storesDir, 'no-such-dir')), 'NOT_FOUND'],
      ['/mnt/weird', 'nosuch://bucket/x', 'INVALID_ARGUMENT'],
      ['/mnt/notauri', 'just/a/path', 'INVALID_ARGUMENT'],
      ['/mnt/file', url(nodePath.join(a, 'one.bin')), 'NOT_DIRECTORY'],
      ['/mnt/again', url(a), 'EXISTS'], // the same directory twice
      ['/mnt/inside', url(nodePath.join(nested, 'sub')), 'EXISTS'], // inside another mount's directory
      ['/mnt/around', url(storesDir), 'EXISTS'], // containing mounted directories
      ['/mnt/rootstore', url(nodePath.join(dataDir, 'underfs')), 'EXISTS'], // the root mount's store
      ['/mnt/taken', url(ro), 'EXISTS'], // the mount point exists
      ['/mnt/a', url(ro), 'EXISTS'], // a mount point already
      ['/no/parent', url(ro), 'NOT_FOUND'],
      ['/top.bin/x', url(ro), 'NOT_DIRECTORY'],
      ['/', url(ro), 'EXISTS'],
    ];
    for (const [path, uri, code] of cases) {
      assert.equal(await outcome(() => c.mount(path, uri)), code, `mount ${path} ${uri}`);
    }
    assert.equal(await outcome(() => c.mount('/mnt/opt', url(ro), { options: { sync_interval_ms: 'soon' } })), 'INVALID_ARGUMENT');
    assert.equal(await table(), before);
    assert.equal(await outcome(() => c.stat('/mnt/missing')), 'NOT_FOUND');
    assert.equal(await outcome(() => c.stat('/mnt/again')), 'NOT_FOUND');
  });

  test('a read-only mount serves reads and refuses every change with READ_ONLY, changing nothing', T, async () => {
    const c = client();
    await c.mount('/mnt/ro', url(ro), { readOnly: true, options: { secret_key: 'hunter2', region: 'x' } });
    const entry = (await c.mounts()).find((m) => m.path === '/mnt/ro');
    assert.ok(entry !== undefined);
    assert.equal(entry.readOnly, true);
    assert.notEqual(entry.options.secret_key, 'hunter2'); // never printed back
    assert.equal(entry.options.region, 'x');
    assert.equal((await readAll(c, '/mnt/ro/docs/readme')).toString(), 'read only');
    const before = JSON.stringify([...(await walkApiFull(c, '/mnt/ro'))]);
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['write', () => c.writeFile('/mnt/ro/new', Buffer.from('no'))],
      ['overwrite', () => c.writeFile('/mnt/ro/docs/readme', Buffer.from('no'), { overwrite: true })],
      ['mkdir', () => c.mkdir('/mnt/ro/newdir')],
      ['rm', () => c.delete('/mnt/ro/docs/readme')],
      ['rm -r', () => c.delete('/mnt/ro/docs', { recursive: true })],
      ['mv', () => c.rename('/mnt/ro/docs/readme', '/mnt/ro/docs/renamed')],
      ['chmod', () => c.setAttribute('/mnt/ro/docs/readme', { mode: 0o600 })],
      ['truncate', () => c.setAttribute('/mnt/ro/docs/readme', { size: 0 })],
      ['symlink', () => c.symlink('/mnt/ro/link', '/x')],
      ['mount inside', () => c.mount('/mnt/ro/docs/sub', url(b + '-other'))],
    ];
    await fsp.mkdir(b + '-other');
    for (const [what, attempt] of attempts) assert.equal(await outcome(attempt), 'READ_ONLY', what);
    assert.equal(JSON.stringify([...(await walkApiFull(c, '/mnt/ro'))]), before);
    assert.deepEqual((await fsp.readdir(ro)).sort(), ['docs']);
    assert.deepEqual(await fsp.readdir(nodePath.join(ro, 'docs')), ['readme']);
    assert.equal(await fsp.readFile(nodePath.join(ro, 'docs', 'readme'), 'utf8'), 'read only');
  });

  test('unmount refuses the root, non-mount points and mounts with mounts below; then forgets only strata metadata', T, async () => {
    const c = client();
    let other: StrataFileSystem | null = newClient(master?.address ?? '');
    await other.writeFile('/mnt/b/cached-table', Buffer.from('b')); // caches the mount table
    const before = await table();
    assert.equal(await outcome(() => c.unmount('/')), 'NOT_PERMITTED');
    assert.equal(await outcome(() => c.unmount('/mnt/a')), 'NOT_PERMITTED'); // /mnt/a/inner is below
    assert.equal(await outcome(() => c.unmount('/mnt')), 'INVALID_ARGUMENT');
    assert.equal(await outcome(() => c.unmount('/mnt/nothing')), 'NOT_FOUND');
    assert.equal(await table(), before);

    await c.unmount('/mnt/a/inner');
    assert.equal(await outcome(() => c.stat('/mnt/a/inner')), 'NOT_FOUND');
    assert.equal(await outcome(() => c.stat('/mnt/a/inner/sub/four.txt')), 'NOT_FOUND');
    // The under store keeps its data.
    assert.equal(await fsp.readFile(nodePath.join(nested, 'sub', 'four.txt'), 'utf8'), 'deep');
    await c.unmount('/mnt/a');
    assert.deepEqual(
      (await c.mounts()).map((m) => m.path),
      ['/', '/mnt/b', '/mnt/ro'],
    );
    assert.ok((await fsp.readdir(a)).includes('one.bin'));
    // Mounted again (elsewhere, nested the other way round), everything is there again.
    await c.mount('/mnt/again', url(nested));
    await c.mount('/mnt/again/sub/a', url(a));
    assert.equal((await readAll(c, '/mnt/again/sub/four.txt')).toString(), 'deep');
    assert.deepEqual(await readAll(c, '/mnt/again/sub/a/one.bin'), Buffer.from('alpha '.repeat(1000)));
    // A client whose cached mount table predates these mounts fetches it again.
    assert.ok(other !== null);
    await other.writeFile('/mnt/again/sub/a/from-other', Buffer.from('other'));
    assert.equal(await fsp.readFile(nodePath.join(a, 'from-other'), 'utf8'), 'other');
    await other.close();
  });
});
