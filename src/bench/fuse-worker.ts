// The workload of `strata bench fuse`, run in its own process (never in the
// one serving a mount) on one directory: create, stat, readdir and unlink of
// many small files, then a sequential write and read of one large file, all
// through plain synchronous syscalls. Prints one JSON line (FuseFigures).
// argv: DIR FILES SIZE_MB [PAUSE_MS]: with a pause, each phase starts that
// long after the last one ended, so that what the kernel (and the file
// system) cached during one phase has expired when the next starts: the
// stat phase then measures stat, not how fast the files were created.

import { closeSync, fsyncSync, mkdirSync, openSync, readSync, readdirSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface FuseFigures {
  create: number;
  stat: number;
  readdir: number;
  unlink: number;
  writeMBps: number;
  readMBps: number;
}

const CHUNK = 1024 * 1024;
/** Bytes written into each small file (so that create is a create plus a small write). */
const SMALL = 4096;

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function pause(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function run(dir: string, files: number, sizeMb: number, pauseMs: number): FuseFigures {
  const work = path.join(dir, `bench-${process.pid}`);
  mkdirSync(work);
  const small = Buffer.alloc(SMALL, 0x61);
  const names = Array.from({ length: files }, (_, i) => path.join(work, `f${i}`));

  let t = process.hrtime.bigint();
  for (const name of names) {
    const fd = openSync(name, 'wx');
    writeSync(fd, small);
    closeSync(fd);
  }
  const create = files / seconds(t);

  pause(pauseMs);
  t = process.hrtime.bigint();
  for (const name of names) statSync(name);
  const stat = files / seconds(t);

  const rounds = 5;
  pause(pauseMs);
  t = process.hrtime.bigint();
  let entries = 0;
  for (let r = 0; r < rounds; r++) entries += readdirSync(work).length;
  const readdir = entries / seconds(t);

  pause(pauseMs);
  t = process.hrtime.bigint();
  for (const name of names) unlinkSync(name);
  const unlink = files / seconds(t);

  const big = path.join(work, 'large');
  const chunk = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i++) chunk[i] = (i * 31) & 0xff;
  pause(pauseMs);
  t = process.hrtime.bigint();
  let fd = openSync(big, 'w');
  for (let i = 0; i < sizeMb; i++) writeSync(fd, chunk);
  fsyncSync(fd);
  closeSync(fd);
  const writeMBps = sizeMb / seconds(t);

  pause(pauseMs);
  t = process.hrtime.bigint();
  fd = openSync(big, 'r');
  let read = 0;
  for (;;) {
    const n = readSync(fd, chunk, 0, CHUNK, null);
    if (n === 0) break;
    read += n;
  }
  closeSync(fd);
  const readMBps = read / CHUNK / seconds(t);
  if (read !== sizeMb * CHUNK) throw new Error(`read ${read} bytes of ${sizeMb * CHUNK}`);
  rmSync(work, { recursive: true, force: true });
  const r = (x: number) => Math.round(x * 10) / 10;
  return { create: r(create), stat: r(stat), readdir: r(readdir), unlink: r(unlink), writeMBps: r(writeMBps), readMBps: r(readMBps) };
}

if (require.main === module) {
  const [dir, files, sizeMb, pauseMs] = process.argv.slice(2);
  process.stdout.write(JSON.stringify(run(dir, Number(files), Number(sizeMb), Number(pauseMs ?? 0))) + '\n');
}
