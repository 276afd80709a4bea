// Tests of the local under store: the conformance suite over real temp
// directories, then what only a local directory has: confinement to the root
// (symlinks are never followed), modes, temp files, and opening by file:// URI.

import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../src/common/errors';
import { compareUtf8, LocalUnderStore, TEMP_PREFIX } from '../../src/ufs/local';
import { joinUfsUri, openUnderStore, parseUfsUri } from '../../src/ufs/registry';
import type { UnderStoreOptions } from '../../src/ufs/under-store';
import { byteOrder, collect, expectCode, underStoreConformance } from './conformance';

async function tempDir(prefix: string): Promise<string> {
  return fsp.mkdtemp(nodePath.join(os.tmpdir(), prefix));
}

underStoreConformance('local', async (opts?: UnderStoreOptions) => {
  const dir = await tempDir('strata-ufs-');
  return { store: new LocalUnderStore(dir, opts), cleanup: () => fsp.rm(dir, { recursive: true, force: true }) };
});

describe('local under store', () => {
  let root = '';
  let outside = '';
  let store: LocalUnderStore;
  before(async () => {
    root = await tempDir('strata-local-');
    outside = await tempDir('strata-outside-');
    store = new LocalUnderStore(root);
  });
  after(async () => {
    await store.close();
    await fsp.rm(root, { recursive: true, force: true });
    await fsp.rm(outside, { recursive: true, force: true });
  });

  it('a symlink to a directory outside the root is reported but never followed', async () => {
    await fsp.mkdir(nodePath.join(outside, 'secrets'));
    await fsp.writeFile(nodePath.join(outside, 'secrets', 'key'), 'private');
    await store.mkdir('esc', 0o755, false);
    await store.symlink('esc/out', nodePath.join(outside, 'secrets'));

    const link = await store.stat('esc/out');
    assert.equal(link?.type, 'symlink');
    assert.equal(link?.symlinkTarget, nodePath.join(outside, 'secrets'));
    assert.equal(link?.fingerprint, `link:${nodePath.join(outside, 'secrets')}`);
    assert.deepEqual((await collect(store.list('esc'))).map((s) => [s.name, s.type]), [['out', 'symlink']]);

    assert.equal(await store.stat('esc/out/key'), null);
    await expectCode(store.read('esc/out/key', 0, 100), ErrorCode.NOT_DIRECTORY);
    await expectCode(store.openReadStream('esc/out/key'), ErrorCode.NOT_DIRECTORY);
    await expectCode(collect(store.list('esc/out')), ErrorCode.NOT_DIRECTORY);
    await expectCode(store.writeFile('esc/out/key', Buffer.from('pwned'), 0o644), ErrorCode.NOT_DIRECTORY);
    await expectCode(store.writeFile('esc/out/new', Buffer.from('pwned'), 0o644), ErrorCode.NOT_DIRECTORY);
    await expectCode(store.mkdir('esc/out/sub', 0o755, true), ErrorCode.NOT_DIRECTORY);
    await expectCode(store.truncate('esc/out/key', 0), ErrorCode.NOT_DIRECTORY);
    await expectCode(store.rename('esc/out/key', 'stolen'), ErrorCode.NOT_DIRECTORY);
    await expectCode(store.chmod('esc/out/key', 0o777), ErrorCode.NOT_DIRECTORY);
    await store.delete('esc/out/key', false); // nothing there, as far as the store is concerned

    await store.delete('esc', true); // removes the link, not what it points to
    assert.equal(await store.stat('esc'), null);
    assert.deepEqual(await fsp.readdir(nodePath.join(outside, 'secrets')), ['key']);
    assert.equal(await fsp.readFile(nodePath.join(outside, 'secrets', 'key'), 'utf8'), 'private');
  });

  it('a symlink to a file outside the root is never read, truncated or chmodded through', async () => {
    const target = nodePath.join(outside, 'file');
    await fsp.writeFile(target, 'outside', { mode: 0o600 });
    await fsp.symlink(target, nodePath.join(root, 'flink')); // made behind strata's back
    await expectCode(store.read('flink', 0, 100), ErrorCode.INVALID_ARGUMENT);
    await expectCode(store.openReadStream('flink'), ErrorCode.INVALID_ARGUMENT);
    await expectCode(store.truncate('flink', 0), ErrorCode.INVALID_ARGUMENT);
    await store.chmod('flink', 0o777);
    assert.equal((await fsp.stat(target)).mode & 0o777, 0o600);

    // Writing at the link's name replaces the link itself.
    await store.writeFile('flink', Buffer.from('inside'), 0o644);
    assert.equal((await store.stat('flink'))?.type, 'file');
    assert.equal(await fsp.readFile(target, 'utf8'), 'outside');
    await store.delete('flink', false);
  });

  it('a symlink inside the root is not followed either', async () => {
    await store.mkdir('real', 0o755, false);
    await store.writeFile('real/f', Buffer.from('x'), 0o644);
    await store.symlink('alias', 'real');
    assert.equal(await store.stat('alias/f'), null);
    await expectCode(collect(store.list('alias')), ErrorCode.NOT_DIRECTORY);
    await store.rename('alias', 'alias2'); // renames the link itself
    assert.equal((await store.stat('alias2'))?.symlinkTarget, 'real');
    await store.delete('alias2', false);
    await store.delete('real', true);
  });

  it('temp files of unfinished writes are hidden from list and do not block deleting the directory', async () => {
    await store.mkdir('tmps', 0o755, false);
    await fsp.writeFile(nodePath.join(root, 'tmps', `${TEMP_PREFIX}crashed`), 'partial');
    await store.writeFile('tmps/visible', Buffer.from('v'), 0o644);
    assert.deepEqual((await collect(store.list('tmps'))).map((s) => s.name), ['visible']);
    await expectCode(store.stat(`tmps/${TEMP_PREFIX}crashed`), ErrorCode.INVALID_ARGUMENT);
    await store.delete('tmps/visible', false);
    await store.delete('tmps', false);
    assert.equal(await store.stat('tmps'), null);
  });

  it('names that are not valid UTF-8 are left out of listings', async () => {
    await store.mkdir('raw', 0o755, false);
    await fsp.writeFile(Buffer.concat([Buffer.from(nodePath.join(root, 'raw') + '/'), Buffer.from([0xff, 0x41])]), '');
    await store.writeFile('raw/ok', Buffer.from(''), 0o644);
    assert.deepEqual((await collect(store.list('raw'))).map((s) => s.name), ['ok']);
    await store.delete('raw', true);
  });

  it('modes are set exactly, whatever the umask', async () => {
    const file = await store.writeFile('m', Buffer.from('x'), 0o664);
    assert.equal(file.mode, 0o664);
    await store.chmod('m', 0o600);
    assert.equal((await store.stat('m'))?.mode, 0o600);
    await store.mkdir('md', 0o775, false);
    assert.equal((await store.stat('md'))?.mode, 0o775);
    await store.delete('m', false);
    await store.delete('md', false);
  });

  it('a file fingerprint is its size and mtime in nanoseconds', async () => {
    const status = await store.writeFile('fp', Buffer.from('12345'), 0o644);
    const st = await fsp.stat(nodePath.join(root, 'fp'), { bigint: true });
    assert.equal(status.fingerprint, `5:${st.mtimeNs}`);
    assert.equal((await store.stat(''))?.fingerprint, 'dir');
    await store.delete('fp', false);
  });

  it('names with the reserved temp prefix, over-long names and bad arguments are refused', async () => {
    await expectCode(store.writeFile(`${TEMP_PREFIX}x`, Buffer.from(''), 0o644), ErrorCode.INVALID_ARGUMENT);
    await expectCode(store.stat('n'.repeat(256)), ErrorCode.NAME_TOO_LONG);
    await expectCode(store.read('x', -1, 1), ErrorCode.INVALID_ARGUMENT);
    await expectCode(store.writeFile('x', Buffer.from(''), 0o10000), ErrorCode.INVALID_ARGUMENT);
    await expectCode(collect(store.list('', 0)), ErrorCode.INVALID_ARGUMENT);
    await expectCode(store.delete('', true), ErrorCode.NOT_PERMITTED);
    await expectCode(store.writeFile('', Buffer.from(''), 0o644), ErrorCode.IS_DIRECTORY);
    await expectCode(store.truncate('', 0), ErrorCode.IS_DIRECTORY);
    await expectCode(store.rename('', 'x'), ErrorCode.NOT_PERMITTED);
    await store.mkdir('self', 0o755, false);
    await expectCode(store.rename('self', 'self/inner'), ErrorCode.INVALID_ARGUMENT);
    await store.delete('self', false);
  });

  it('compareUtf8 agrees with the byte order of UTF-8', () => {
    const names = ['a', 'ｚ', '😀', '\uffff', '\ud7ff', 'é', '', 'ab', '𝄞x', '𝄞'];
    assert.deepEqual([...names].sort(compareUtf8), [...names].sort(byteOrder));
  });
});

describe('under store registry', () => {
  it('opens an existing directory from a file URI', async () => {
    const dir = await tempDir('strata-reg-');
    try {
      const opened = await openUnderStore(`file://${dir}/`, { readOnly: true });
      assert.ok(opened instanceof LocalUnderStore);
      assert.equal(opened.uri, `file://${dir}`);
      await expectCode(opened.mkdir('x', 0o755, false), ErrorCode.READ_ONLY);
      await opened.close();
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses unknown schemes, relative or remote paths, and missing roots', async () => {
    await expectCode(openUnderStore('ftp://host/x'), ErrorCode.INVALID_ARGUMENT);
    await expectCode(openUnderStore('/data/plain/path'), ErrorCode.INVALID_ARGUMENT);
    await expectCode(openUnderStore('file://server/data'), ErrorCode.INVALID_ARGUMENT);
    await expectCode(openUnderStore('file:///data/../etc'), ErrorCode.INVALID_ARGUMENT);
    const dir = await tempDir('strata-reg-');
    try {
      await expectCode(openUnderStore(`file://${dir}/missing`), ErrorCode.NOT_FOUND);
      await fsp.writeFile(nodePath.join(dir, 'file'), '');
      await expectCode(openUnderStore(`file://${dir}/file`), ErrorCode.NOT_DIRECTORY);
      assert.deepEqual(await fsp.readdir(dir), ['file']); // created nothing
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('joins and parses UFS URIs, keeping file paths readable', () => {
    assert.equal(joinUfsUri('file:///data/root', 'a/b'), 'file:///data/root/a/b');
    assert.equal(joinUfsUri('file:///data/root/', 'my file'), 'file:///data/root/my file');
    assert.equal(joinUfsUri('file:///', 'a'), 'file:///a');
    assert.equal(joinUfsUri('s3://bucket', 'k/v'), 's3://bucket/k/v');
    assert.equal(joinUfsUri('file:///data', ''), 'file:///data');
    assert.throws(() => joinUfsUri('file:///data', '../etc'), { code: ErrorCode.INVALID_ARGUMENT });
    assert.deepEqual(parseUfsUri('FILE:///data/x'), { scheme: 'file:', authority: '', path: '/data/x' });
    assert.deepEqual(parseUfsUri('s3://bucket/pre/fix'), { scheme: 's3:', authority: 'bucket', path: '/pre/fix' });
  });
});
