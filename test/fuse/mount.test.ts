// The FUSE mount end to end: a real master process, `strata mount` on a temp
// directory, and ordinary programs (cp, diff, mv, rm, cat, stat, a Node
// script) run against it in child processes.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isMounted } from '../../src/fuse/mount';
import { FuseFixture, sh, strata } from './harness';

/** A local tree of 10 directories x 20 files (sizes 0 .. ~300 KB), plus one nested deeper. */
async function makeTree(root: string): Promise<number> {
  let files = 0;
  for (let d = 0; d < 10; d++) {
    const dir = path.join(root, `dir${d}`, d % 3 === 0 ? 'nested' : '');
    await mkdir(dir, { recursive: true });
    for (let f = 0; f < 20; f++) {
      const size = (d * 20 + f) % 7 === 0 ? 0 : ((d * 7919 + f * 104729) % 300_000) + 1;
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i++) data[i] = (i * 31 + d * 7 + f) & 0xff;
      await writeFile(path.join(dir, `file${f}.bin`), data);
      files++;
    }
  }
  return files;
}

const RANDOM_WRITER = `
const fs = require('fs');
const file = process.argv[2];
let seed = Number(process.argv[3]);
const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
let ref = Buffer.alloc(0);
const check = (what) => {
  const back = fs.readFileSync(file);
  if (!back.equals(ref)) { console.error('seed ' + process.argv[3] + ': mismatch ' + what + ': ' + back.length + ' vs ' + ref.length); process.exit(1); }
};
let fd = fs.openSync(file, 'w+');
for (let i = 0; i < 400; i++) {
  const pos = rnd(300000), len = 1 + rnd(20000);
  const data = Buffer.alloc(len, i % 251);
  fs.writeSync(fd, data, 0, len, pos);
  if (pos + len > ref.length) { const n = Buffer.alloc(pos + len); ref.copy(n); ref = n; }
  data.copy(ref, pos);
  if (i % 40 === 39) { const t = rnd(ref.length + 1000); fs.ftruncateSync(fd, t); const n = Buffer.alloc(t); ref.copy(n, 0, 0, Math.min(t, ref.length)); ref = n; }
  if (i % 100 === 99) {
    const back = Buffer.alloc(ref.length); const n = fs.readSync(fd, back, 0, ref.length, 0);
    if (n !== ref.length || !back.equals(ref)) { console.error('seed ' + process.argv[3] + ': mismatch through the open handle'); process.exit(1); }
  }
}
fs.closeSync(fd);
check('after close');
fd = fs.openSync(file, 'r+');
for (let i = 0; i < 50; i++) {
  const pos = rnd(ref.length), data = Buffer.from('strata' + i);
  fs.writeSync(fd, data, 0, data.length, pos);
  if (pos + data.length > ref.length) { const n = Buffer.alloc(pos + data.length); ref.copy(n); ref = n; }
  data.copy(ref, pos);
}
fs.closeSync(fd);
check('after rewriting in place');
console.log(ref.length);
`;

describe('the FUSE mount', () => {
  let fx: FuseFixture;
  let mnt: string;

  before(async () => {
    fx = await FuseFixture.start();
    // Before anything lists the root: strata loads it from the under store on first access.
    await writeFile(path.join(fx.underfs, 'before.txt'), 'from the under store\n');
    mnt = await fx.mount('mnt');
  });

  after(async () => {
    await fx?.close();
  });

  it('cp -r of a tree of 200 files reads back identical with diff -r', async () => {
    const src = path.join(fx.dir, 'src');
    assert.equal(await makeTree(src), 200);
    const res = await sh(`cp -r '${src}' tree && diff -r '${src}' tree && find tree -type f | wc -l`, mnt);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), '200');
  });

  it('mv of a directory with contents moves everything, and rm -rf removes it', async () => {
    const src = path.join(fx.dir, 'src');
    let res = await sh(`mv tree moved && test ! -e tree && diff -r '${src}' moved`, mnt);
    assert.equal(res.code, 0, res.stderr);
    res = await sh('rm -rf moved && ls -A', mnt);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.includes('moved'), false);
    const listed = await strata(['fs', 'ls', '/'], fx.master);
    assert.equal(listed.stdout.includes('moved'), false);
  });

  it('echo >> appends and cat shows every line', async () => {
    const res = await sh('echo one > log.txt && echo two >> log.txt && echo three >> log.txt && cat log.txt && stat -c %s log.txt', mnt);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'one\ntwo\nthree\n14\n');
  });

  it('a Node script doing random writes, truncates and in-place rewrites reads back its bytes', async () => {
    const script = path.join(fx.dir, 'random-writer.js');
    await writeFile(script, RANDOM_WRITER);
    const seed = Math.floor(Math.random() * 1e9);
    const res = await sh(`'${process.execPath}' '${script}' random.bin ${seed}`, mnt);
    assert.equal(res.code, 0, `seed ${seed}: ${res.stderr}`);
    const size = await sh('stat -c %s random.bin', mnt);
    assert.equal(size.stdout.trim(), res.stdout.trim(), `seed ${seed}`);
  });

  it('a file written through the mount is read whole by strata fs cat after close (close-to-open)', async () => {
    let res = await sh(`seq 1 20000 > numbers.txt && echo done`, mnt);
    assert.equal(res.code, 0, res.stderr);
    res = await strata(['fs', 'cat', '/numbers.txt'], fx.master);
    assert.equal(res.code, 0, res.stderr);
    const want = await sh('seq 1 20000');
    assert.equal(res.stdout, want.stdout);
  });

  it('files that were in the under store before are read, overwritten and appended to', async () => {
    let res = await sh('cat before.txt && echo appended >> before.txt && cat before.txt', mnt);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'from the under store\nfrom the under store\nappended\n');
    res = await sh('echo replaced > before.txt && cat before.txt && stat -c %s before.txt', mnt);
    assert.equal(res.stdout, 'replaced\n9\n');
  });

  it('truncate shrinks and grows a file, and sizes show in stat', async () => {
    const res = await sh('printf 0123456789 > t.txt && truncate -s 4 t.txt && cat t.txt && echo && truncate -s 8 t.txt && stat -c %s t.txt && od -An -c t.txt', mnt);
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.split('\n');
    assert.equal(lines[0], '0123');
    assert.equal(lines[1], '8');
    assert.match(lines[2], /0 +1 +2 +3 +\\0 +\\0 +\\0 +\\0/);
  });

  it('symlinks, chmod and rename over an existing file work as on a local disk', async () => {
    const res = await sh(
      'echo a > ra && echo b > rb && mv ra rb && cat rb && test ! -e ra && ln -s rb link && readlink link && cat link && chmod 640 rb && stat -c %a rb',
      mnt,
    );
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'a\nrb\na\n640\n');
  });

  it('errors reach the shell tools as ENOENT, EEXIST, ENOTEMPTY and EPERM (hard links)', async () => {
    let res = await sh('cat missing.txt', mnt);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /No such file or directory/);
    res = await sh('mkdir d1 && mkdir d1', mnt);
    assert.match(res.stderr, /File exists/);
    res = await sh('touch d1/f && rmdir d1', mnt);
    assert.match(res.stderr, /Directory not empty/);
    res = await sh('ln d1/f hard', mnt);
    assert.match(res.stderr, /Operation not permitted/);
  });

  it('a read-only mount refuses writes with EROFS and still reads', async () => {
    const ro = await fx.mount('ro', ['ro']);
    let res = await sh('cat log.txt', ro);
    assert.equal(res.stdout, 'one\ntwo\nthree\n');
    res = await sh('touch new.txt', ro);
    assert.match(res.stderr, /Read-only file system/);
    res = await strata(['umount', ro], fx.master);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(isMounted(ro), false);
  });

  it('strata umount clears the mount point of a killed mount process', async () => {
    const mp = await fx.mount('killed');
    process.kill(fx.mountPid(mp), 'SIGKILL');
    await sh('sleep 0.3');
    assert.equal(isMounted(mp), true);
    const res = await strata(['umount', mp], fx.master);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(isMounted(mp), false);
  });
});
