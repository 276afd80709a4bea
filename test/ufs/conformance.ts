// The UFS conformance suite: the behaviour every UnderStore implementation
// must show, registered as node:test cases. Each store kind's test file calls
// underStoreConformance() with a factory for fresh, empty stores (JuiceFS's
// testStorage does the same for its object stores).

import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { ErrorCode, StrataError } from '../../src/common/errors';
import type { UfsStatus, UnderStore, UnderStoreOptions } from '../../src/ufs/under-store';

export interface UnderStoreFixture {
  store: UnderStore;
  /** Removes whatever the store kept (temp dirs, buckets); runs after store.close(). */
  cleanup: () => Promise<void>;
}

/** A fresh, empty store; the read-only test passes { readOnly: true }. */
export type MakeUnderStore = (opts?: UnderStoreOptions) => Promise<UnderStoreFixture>;

export async function collect(pages: AsyncIterable<UfsStatus[]>): Promise<UfsStatus[]> {
  const all: UfsStatus[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

export async function expectCode(work: Promise<unknown>, code: ErrorCode): Promise<void> {
  let caught: unknown;
  try {
    await work;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof StrataError, `expected a StrataError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
}

export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<unknown>) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  }
  return Buffer.concat(chunks);
}

async function runInParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function underStoreConformance(name: string, makeStore: MakeUnderStore): void {
  async function withStore(fn: (store: UnderStore) => Promise<void>, opts?: UnderStoreOptions): Promise<void> {
    const { store, cleanup } = await makeStore(opts);
    try {
      await fn(store);
    } finally {
      await store.close();
      await cleanup();
    }
  }
  const text = (s: string): Buffer => Buffer.from(s, 'utf8');

  describe(`${name} under store conformance`, () => {
    it('stat of a missing path is null, even below a missing directory or a file', () =>
      withStore(async (store) => {
        assert.equal(await store.stat('nope'), null);
        assert.equal(await store.stat('nope/deeper'), null);
        await store.writeFile('f', text('x'), 0o644);
        assert.equal(await store.stat('f/child'), null);
      }));

    it('the root is a directory named by the empty path', () =>
      withStore(async (store) => {
        const root = await store.stat('');
        assert.equal(root?.type, 'dir');
        assert.equal(root?.name, '');
      }));

    it('paths with "..", ".", empty components, a leading slash or NUL are refused', () =>
      withStore(async (store) => {
        for (const bad of ['..', 'a/../b', '.', 'a/./b', 'a//b', 'a/', '/a', '/', 'a\0b']) {
          await expectCode(store.stat(bad), ErrorCode.INVALID_ARGUMENT);
          await expectCode(store.writeFile(bad, text('x'), 0o644), ErrorCode.INVALID_ARGUMENT);
          await expectCode(collect(store.list(bad)), ErrorCode.INVALID_ARGUMENT);
        }
      }));

    it('mkdir recursive creates missing parents and accepts an existing directory', () =>
      withStore(async (store) => {
        await store.mkdir('a/b/c', 0o755, true);
        assert.equal((await store.stat('a'))?.type, 'dir');
        assert.equal((await store.stat('a/b/c'))?.type, 'dir');
        await store.mkdir('a/b/c', 0o755, true);
        await store.mkdir('a/b', 0o755, true);
      }));

    it('mkdir without recursive needs the parent and refuses an existing entry', () =>
      withStore(async (store) => {
        await expectCode(store.mkdir('x/y', 0o755, false), ErrorCode.NOT_FOUND);
        await store.mkdir('x', 0o755, false);
        await expectCode(store.mkdir('x', 0o755, false), ErrorCode.EXISTS);
        await store.writeFile('f', text('x'), 0o644);
        await expectCode(store.mkdir('f', 0o755, true), ErrorCode.EXISTS);
      }));

    it('read returns the requested range, fewer bytes at the end, and nothing past it', () =>
      withStore(async (store) => {
        const status = await store.writeFile('dir-less.txt', text('hello, world'), 0o644);
        assert.equal(status.type, 'file');
        assert.equal(status.size, 12);
        assert.deepEqual(await store.read('dir-less.txt', 0, 5), text('hello'));
        assert.deepEqual(await store.read('dir-less.txt', 7, 100), text('world'));
        assert.deepEqual(await store.read('dir-less.txt', 0, 12), text('hello, world'));
        assert.equal((await store.read('dir-less.txt', 12, 10)).length, 0);
        assert.equal((await store.read('dir-less.txt', 1000, 10)).length, 0);
        assert.equal((await store.read('dir-less.txt', 3, 0)).length, 0);
      }));

    it('a reader (where the store has openReader) reads ranges into the caller\'s buffer, the file it opened even once replaced, and fails after close', () =>
      withStore(async (store) => {
        if (store.openReader === undefined) return; // read() only (S3)
        await store.writeFile('r.txt', text('hello, world'), 0o644);
        const reader = await store.openReader('r.txt');
        const buf = Buffer.alloc(16, 0x2e);
        assert.equal(await reader.read(buf, 5, 0), 5);
        assert.equal(buf.subarray(0, 6).toString(), 'hello.');
        assert.equal(await reader.read(buf, 100, 7), 5, 'fewer at the end (and never past the buffer)');
        assert.equal(buf.subarray(0, 5).toString(), 'world');
        assert.equal(await reader.read(buf, 4, 12), 0);
        assert.equal(await reader.read(buf, 4, 1000), 0);
        await store.writeFile('r.txt', text('HELLO, WORLD, AGAIN'), 0o644);
        assert.equal(await reader.read(buf, 5, 0), 5);
        assert.equal(buf.subarray(0, 5).toString(), 'hello', 'the file it opened');
        await expectCode(reader.read(buf, 1, -1), ErrorCode.INVALID_ARGUMENT);
        await reader.close();
        await reader.close();
        await expectCode(reader.read(buf, 1, 0), ErrorCode.CLOSED);
        await expectCode(store.openReader('nope'), ErrorCode.NOT_FOUND);
        await store.mkdir('rd', 0o755, false);
        await expectCode(store.openReader('rd'), ErrorCode.IS_DIRECTORY);
        await expectCode(store.openReader('../outside'), ErrorCode.INVALID_ARGUMENT);
      }));

    it('writeFile returns the status that a later stat reports', () =>
      withStore(async (store) => {
        await store.mkdir('d', 0o755, false);
        const written = await store.writeFile('d/f', text('abc'), 0o644);
        const stat = await store.stat('d/f');
        assert.deepEqual(stat, written);
        assert.equal(written.name, 'f');
        assert.ok(written.fingerprint.length > 0);
      }));

    it('writeFile accepts a stream and replaces the previous content whole', () =>
      withStore(async (store) => {
        await store.writeFile('s', text('a much longer first version'), 0o644);
        const status = await store.writeFile('s', Readable.from([text('one,'), text('two')]), 0o644);
        assert.equal(status.size, 7);
        assert.deepEqual(await readAll(await store.openReadStream('s')), text('one,two'));
      }));

    it('writeFile into a missing directory fails with NOT_FOUND and leaves nothing', () =>
      withStore(async (store) => {
        await expectCode(store.writeFile('missing/f', text('x'), 0o644), ErrorCode.NOT_FOUND);
        assert.equal(await store.stat('missing'), null);
      }));

    it('reading a missing file fails with NOT_FOUND, a directory with IS_DIRECTORY', () =>
      withStore(async (store) => {
        await expectCode(store.read('nope', 0, 1), ErrorCode.NOT_FOUND);
        await expectCode(store.openReadStream('nope'), ErrorCode.NOT_FOUND);
        await store.mkdir('d', 0o755, false);
        await expectCode(store.read('d', 0, 1), ErrorCode.IS_DIRECTORY);
      }));

    it('list pages are sorted and complete across page boundaries', () =>
      withStore(async (store) => {
        await store.mkdir('big', 0o755, false);
        const names = Array.from({ length: 2500 }, (_, i) => `f${(i * 7919) % 2500}`);
        await runInParallel(names, 32, (n) => store.writeFile(`big/${n}`, Buffer.alloc(0), 0o644));
        const pages: UfsStatus[][] = [];
        for await (const page of store.list('big', 1000)) pages.push(page);
        assert.ok(pages.length >= 3, `expected at least 3 pages, got ${pages.length}`);
        for (const page of pages) assert.ok(page.length > 0 && page.length <= 1000);
        const listed = pages.flat().map((s) => s.name);
        assert.deepEqual(listed, [...names].sort(byteOrder));
      }));

    it('list orders unicode names by their UTF-8 bytes', () =>
      withStore(async (store) => {
        // '😀' (U+1F600) sorts after 'ｚ' (U+FF5A) in UTF-8 but before it in UTF-16.
        const names = ['b', 'B', 'a b', 'é', 'e', '日本', 'ｚ', '😀', 'Z', '~', 'ß', '\u00a0'];
        for (const n of names) await store.writeFile(n, text(n), 0o644);
        await store.mkdir('日本語', 0o755, false);
        const listed = (await collect(store.list('', 5))).map((s) => s.name);
        assert.deepEqual(listed, [...names, '日本語'].sort(byteOrder));
      }));

    it('list reports each entry with its type and size', () =>
      withStore(async (store) => {
        await store.mkdir('d/sub', 0o755, true);
        await store.writeFile('d/file', text('12345'), 0o644);
        const entries = await collect(store.list('d'));
        assert.deepEqual(
          entries.map((s) => [s.name, s.type]),
          [
            ['file', 'file'],
            ['sub', 'dir'],
          ],
        );
        assert.equal(entries[0].size, 5);
        assert.deepEqual(await collect(store.list('d/sub')), []);
      }));

    it('list of a missing path fails with NOT_FOUND, of a file with NOT_DIRECTORY', () =>
      withStore(async (store) => {
        await expectCode(collect(store.list('nope')), ErrorCode.NOT_FOUND);
        await store.writeFile('f', text('x'), 0o644);
        await expectCode(collect(store.list('f')), ErrorCode.NOT_DIRECTORY);
      }));

    it('rename replaces an existing file', () =>
      withStore(async (store) => {
        await store.writeFile('src', text('new'), 0o644);
        await store.writeFile('dst', text('old content'), 0o644);
        await store.rename('src', 'dst');
        assert.equal(await store.stat('src'), null);
        assert.deepEqual(await store.read('dst', 0, 100), text('new'));
      }));

    it('rename moves a directory with its contents', () =>
      withStore(async (store) => {
        await store.mkdir('a/inner', 0o755, true);
        await store.writeFile('a/inner/f', text('deep'), 0o644);
        await store.writeFile('a/top', text('top'), 0o644);
        await store.mkdir('elsewhere', 0o755, false);
        await store.rename('a', 'elsewhere/b');
        assert.equal(await store.stat('a'), null);
        assert.deepEqual(await store.read('elsewhere/b/inner/f', 0, 100), text('deep'));
        assert.deepEqual((await collect(store.list('elsewhere/b'))).map((s) => s.name), ['inner', 'top']);
      }));

    it('rename of a missing source fails with NOT_FOUND', () =>
      withStore(async (store) => {
        await expectCode(store.rename('nope', 'other'), ErrorCode.NOT_FOUND);
      }));

    it('delete recursive removes a whole tree', () =>
      withStore(async (store) => {
        await store.mkdir('t/a/b', 0o755, true);
        await store.writeFile('t/a/b/f', text('x'), 0o644);
        await store.writeFile('t/g', text('y'), 0o644);
        await store.delete('t', true);
        assert.equal(await store.stat('t'), null);
        assert.deepEqual(await collect(store.list('')), []);
      }));

    it('delete of a non-empty directory without recursive fails with NOT_EMPTY', () =>
      withStore(async (store) => {
        await store.mkdir('d', 0o755, false);
        await store.writeFile('d/f', text('x'), 0o644);
        await expectCode(store.delete('d', false), ErrorCode.NOT_EMPTY);
        assert.equal((await store.stat('d/f'))?.type, 'file');
        await store.delete('d/f', false);
        await store.delete('d', false);
        assert.equal(await store.stat('d'), null);
      }));

    it('delete of a missing path is not an error', () =>
      withStore(async (store) => {
        await store.delete('nope', false);
        await store.delete('nope/deeper', true);
      }));

    it('putFile uploads a local file and leaves the local file in place', () =>
      withStore(async (store) => {
        const staging = await fsp.mkdtemp(nodePath.join(os.tmpdir(), 'strata-put-'));
        try {
          const local = nodePath.join(staging, 'staged');
          await fsp.writeFile(local, 'staged content');
          await store.mkdir('up', 0o755, false);
          const status = await store.putFile('up/file', local, 0o644);
          assert.equal(status.size, 14);
          assert.deepEqual(await store.stat('up/file'), status);
          assert.deepEqual(await store.read('up/file', 0, 100), text('staged content'));
          assert.equal(await fsp.readFile(local, 'utf8'), 'staged content');
          await expectCode(store.putFile('up/other', nodePath.join(staging, 'missing'), 0o644), ErrorCode.NOT_FOUND);
          assert.equal(await store.stat('up/other'), null);
        } finally {
          await fsp.rm(staging, { recursive: true, force: true });
        }
      }));

    it('truncate grows a file with zeros and shrinks it', () =>
      withStore(async (store) => {
        await store.writeFile('t', text('abcdef'), 0o644);
        const grown = await store.truncate('t', 10);
        assert.equal(grown.size, 10);
        assert.deepEqual(await store.read('t', 0, 100), Buffer.concat([text('abcdef'), Buffer.alloc(4)]));
        const shrunk = await store.truncate('t', 2);
        assert.equal(shrunk.size, 2);
        assert.deepEqual(await store.read('t', 0, 100), text('ab'));
        assert.deepEqual(await store.stat('t'), shrunk);
        await expectCode(store.truncate('nope', 1), ErrorCode.NOT_FOUND);
      }));

    it('the fingerprint changes when a file is rewritten', () =>
      withStore(async (store) => {
        const first = await store.writeFile('f', text('one'), 0o644);
        const longer = await store.writeFile('f', text('three'), 0o644);
        assert.notEqual(longer.fingerprint, first.fingerprint);
        await sleep(50); // coarse mtime clocks tick every few ms
        const sameSize = await store.writeFile('f', text('seven'), 0o644);
        assert.notEqual(sameSize.fingerprint, longer.fingerprint);
        assert.equal((await store.stat('f'))?.fingerprint, sameSize.fingerprint);
      }));

    it('setAttributes sets mode, owner and group where the store keeps them, and leaves the content and its fingerprint', () =>
      withStore(async (store) => {
        if (store.setAttributes === undefined) return;
        // Not root: a local store may only give the owner it has, so ask for that one.
        const root = process.getuid?.() === 0;
        const [uid, gid] = root ? [1234, 4321] : [process.getuid?.() ?? 0, process.getgid?.() ?? 0];
        const written = await store.writeFile('f', text('content'), 0o644);
        const change = await store.setAttributes('f', { mode: 0o600, uid, gid });
        const st = await store.stat('f');
        assert.deepEqual([st?.mode, st?.uid, st?.gid], [0o600, uid, gid]);
        assert.deepEqual(change, { fingerprintBefore: written.fingerprint, fingerprintAfter: st?.fingerprint });
        assert.deepEqual(await store.read('f', 0, 100), text('content'));
        await store.setAttributes('f', { mode: 0o640 });
        assert.deepEqual([(await store.stat('f'))?.mode, (await store.stat('f'))?.uid], [0o640, uid]);
        await store.mkdir('d', 0o700, false);
        assert.equal((await store.stat('d'))?.mode, 0o700);
        await store.setAttributes('d', { mode: 0o750 });
        assert.equal((await store.stat('d'))?.mode, 0o750);
        const mine = await store.writeFile('g', text('x'), 0o600);
        assert.equal(mine.mode, 0o600);
        assert.equal((await store.stat('g'))?.mode, 0o600);
        await expectCode(store.setAttributes('missing', { mode: 0o600 }), ErrorCode.NOT_FOUND);
      }));

    it('setAttributes carries a file\'s mtime where the store keeps attributes, and the fingerprint it reports is the store\'s', () =>
      withStore(async (store) => {
        if (store.setAttributes === undefined) return;
        await store.writeFile('t', text('timed'), 0o644);
        const mtimeMs = Date.UTC(2010, 0, 2, 3, 4, 5, 600); // a time whose float seconds fall just below it
        const change = await store.setAttributes('t', { mtimeMs });
        const st = await store.stat('t');
        assert.equal(st?.mtimeMs, mtimeMs);
        assert.equal(change.fingerprintAfter, st?.fingerprint);
        assert.deepEqual(await store.read('t', 0, 100), text('timed'));
        // Still there after a mode change that does not name it.
        await store.setAttributes('t', { mode: 0o600 });
        assert.equal((await store.stat('t'))?.mtimeMs, mtimeMs);
        await expectCode(store.setAttributes('t', { mtimeMs: -1 }), ErrorCode.INVALID_ARGUMENT);
      }));

    it('mkdir gives the directory it creates the owner asked for, where the store keeps owners', () =>
      withStore(async (store) => {
        const root = process.getuid?.() === 0;
        const [uid, gid] = root ? [2345, 5432] : [process.getuid?.() ?? 0, process.getgid?.() ?? 0];
        await store.mkdir('owned', 0o750, false, { uid, gid });
        await store.mkdir('deep/er/owned', 0o755, true, { uid, gid });
        for (const path of ['owned', 'deep/er/owned']) {
          const st = await store.stat(path);
          assert.equal(st?.type, 'dir');
          if (st?.uid !== undefined) assert.deepEqual([st.uid, st.gid], [uid, gid], path);
        }
      }));

    it('a read-only store refuses every mutation with READ_ONLY and still reads', () =>
      withStore(
        async (store) => {
          assert.equal((await store.stat(''))?.type, 'dir');
          assert.deepEqual(await collect(store.list('')), []);
          await expectCode(store.mkdir('d', 0o755, true), ErrorCode.READ_ONLY);
          await expectCode(store.writeFile('f', text('x'), 0o644), ErrorCode.READ_ONLY);
          await expectCode(store.putFile('f', '/nonexistent', 0o644), ErrorCode.READ_ONLY);
          await expectCode(store.delete('f', true), ErrorCode.READ_ONLY);
          await expectCode(store.rename('f', 'g'), ErrorCode.READ_ONLY);
          await expectCode(store.chmod('f', 0o600), ErrorCode.READ_ONLY);
          if (store.setAttributes !== undefined) await expectCode(store.setAttributes('f', { mode: 0o600 }), ErrorCode.READ_ONLY);
          await expectCode(store.truncate('f', 0), ErrorCode.READ_ONLY);
          await expectCode(store.symlink('l', 'f'), ErrorCode.READ_ONLY);
          assert.deepEqual(await collect(store.list('')), []);
        },
        { readOnly: true },
      ));

    it('close can be called twice and later calls fail with CLOSED', () =>
      withStore(async (store) => {
        await store.close();
        await store.close();
        await expectCode(store.stat(''), ErrorCode.CLOSED);
        await expectCode(store.read('f', 0, 1), ErrorCode.CLOSED);
        await expectCode(collect(store.list('')), ErrorCode.CLOSED);
        await expectCode(store.writeFile('f', text('x'), 0o644), ErrorCode.CLOSED);
      }));
  });
}
