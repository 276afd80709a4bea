// Ordinary programs through a FUSE mount: tar, find, git, and mmap (python),
// each run in a child process against a real mount of a real master.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FuseFixture, python, sh } from './harness';
import { MMAP_SCRIPT } from './scripts';

/** A small local tree: 3 directories x 15 files of assorted sizes, an empty dir, a symlink. */
async function makeTree(root: string): Promise<void> {
  for (let d = 0; d < 3; d++) {
    const dir = path.join(root, `d${d}`, d === 2 ? 'deeper' : '');
    await mkdir(dir, { recursive: true });
    for (let f = 0; f < 15; f++) {
      const size = f === 0 ? 0 : (f * 7919 + d * 104729) % 90_000;
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i++) data[i] = (i * 13 + f + d) & 0xff;
      await writeFile(path.join(dir, f % 4 === 0 ? `notes${f}.txt` : `data${f}.bin`), data);
    }
  }
  await mkdir(path.join(root, 'empty'));
  await sh(`ln -s d0/data1.bin '${path.join(root, 'link')}'`);
}

describe('programs through the FUSE mount', () => {
  let fx: FuseFixture;
  let mnt: string;
  let src: string;

  before(async () => {
    fx = await FuseFixture.start();
    mnt = await fx.mount('mnt');
    src = path.join(fx.dir, 'src');
    await makeTree(src);
  });

  after(async () => {
    await fx?.close();
  });

  it('tar creates an archive into the mount, extracts it there, and archives the result back out', async () => {
    const out = path.join(fx.dir, 'out');
    const res = await sh(
      [
        `tar -C '${src}' -cf archive.tar .`,
        'mkdir extracted',
        'tar -C extracted -xf archive.tar',
        `diff -r '${src}' extracted`,
        `tar -cf '${fx.dir}/back.tar' extracted`,
        `mkdir '${out}'`,
        `tar -C '${out}' -xf '${fx.dir}/back.tar'`,
        `diff -r '${src}' '${out}/extracted'`,
        'tar -tf archive.tar | wc -l',
      ].join(' && '),
      mnt,
    );
    assert.equal(res.code, 0, res.stderr);
    const local = await sh(`tar -C '${src}' -cf - . | tar -tf - | wc -l`);
    assert.equal(res.stdout.trim(), local.stdout.trim());
  });

  it('find lists, filters by name, type and size as it does on a local copy', async () => {
    const queries = ['find . | sort', 'find . -type f -name "*.txt" | sort', 'find . -type d | sort', 'find . -type l', 'find . -type f -size +40k | sort', 'find . -empty | sort'];
    for (const q of queries) {
      const there = await sh(q, path.join(mnt, 'extracted'));
      const here = await sh(q, src);
      assert.equal(there.code, 0, `${q}: ${there.stderr}`);
      assert.equal(there.stdout, here.stdout, q);
    }
  });

  it('mmap reads and shared mmap writes (python) are seen by read(2) and after reopening', async () => {
    const res = await python(fx.dir, 'mmap-check.py', MMAP_SCRIPT, ['mapped.bin'], mnt);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), 'ok');
  });

  it('git init, add, commit and log work inside the mount, and fsck finds the repository sound', async () => {
    const env = 'GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com';
    const res = await sh(
      [
        'mkdir repo && cd repo',
        'git init -q .',
        `cp -r '${src}/d0' '${src}/d1' .`,
        'echo hello > README',
        'git add -A',
        `${env} git commit -q -m first`,
        'echo more >> README',
        'git rm -q -r d1',
        `${env} git commit -q -am second`,
        'git log --format=%s',
        'git status --porcelain',
        'git fsck --no-progress 2>&1',
        'git show HEAD~1:README',
      ].join(' && '),
      mnt,
    );
    assert.equal(res.code, 0, res.stderr + res.stdout);
    assert.equal(res.stdout, 'second\nfirst\nhello\n');
  });
});
