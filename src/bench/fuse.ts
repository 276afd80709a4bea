// `strata bench fuse`: one workload (fuse-worker.ts: create, stat, readdir,
// unlink of many small files; sequential write and read of a large file) run
// from a separate process on three targets in one run: a native directory,
// a strata mount, and an in-memory file system on the same binding
// (memfs.ts, the ceiling). Both FUSE targets are mounted with the kernel's
// attribute and entry caches off, so stat measures the file system. Prints
// each target's figures and strata / ceiling (STYLE.md: a ratio).

import { ChildProcess, execFile, fork, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startMountProcess, umount } from '../cli/mount';
import { unmountPath, isMounted } from '../fuse/mount';
import type { FuseFigures } from './fuse-worker';
import { machine } from './stats';

export interface FuseBenchOptions {
  /** Masters to mount; none: the bench starts a master of its own in a temp dir. */
  masters: string[] | null;
  files: number;
  sizeMb: number;
  /** Where the native target and the mount points go (default: a temp dir). */
  dir: string | null;
}

export interface FuseBenchResult {
  date: string;
  machine: string;
  command: string;
  files: number;
  sizeMb: number;
  targets: { native: FuseFigures; strata: FuseFigures; ceiling: FuseFigures };
}

const STRATA_BIN = path.join(__dirname, '..', '..', '..', 'bin', 'strata');
const NO_CACHE = ['attr_timeout=0', 'entry_timeout=0'];

function runWorker(dir: string, files: number, sizeMb: number): Promise<FuseFigures> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, 'fuse-worker.js'), dir, String(files), String(sizeMb)], { maxBuffer: 1 << 20, timeout: 30 * 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`workload on ${dir} failed: ${stderr.trim() || err.message}`));
      resolve(JSON.parse(stdout) as FuseFigures);
    });
  });
}

function startMaster(dataDir: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [STRATA_BIN, 'master', 'start', '--data', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /serving [^\s]*:(\d+)/.exec(out);
      if (m !== null) resolve({ child, address: `127.0.0.1:${m[1]}` });
    });
    child.once('exit', (code) => reject(new Error(`the bench's master exited (${code}) before serving`)));
  });
}

function startCeiling(mountpoint: string): Promise<ChildProcess> {
  const child = fork(path.join(__dirname, 'memfs.js'), [mountpoint, '0'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`the in-memory file system exited (${code}) before mounting`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Runs the three targets one after another; everything started is stopped, also on failure. */
export async function runFuseBench(options: FuseBenchOptions, progress: (line: string) => void): Promise<FuseBenchResult> {
  const base = options.dir ?? os.tmpdir();
  await mkdir(base, { recursive: true });
  const root = await mkdtemp(path.join(base, 'strata-bench-fuse-'));
  const native = path.join(root, 'native');
  const strataMp = path.join(root, 'strata');
  const ceilingMp = path.join(root, 'ceiling');
  await Promise.all([native, strataMp, ceilingMp].map((d) => mkdir(d)));
  let master: { child: ChildProcess; address: string } | null = null;
  let ceiling: ChildProcess | null = null;
  try {
    progress(`native directory ${native}`);
    const nativeFigures = await runWorker(native, options.files, options.sizeMb);

    let masters = options.masters;
    if (masters === null) {
      master = await startMaster(path.join(root, 'master'));
      masters = [master.address];
    }
    progress(`strata mount ${strataMp} (masters ${masters.join(',')})`);
    await startMountProcess(strataMp, masters, NO_CACHE, false);
    let strataFigures: FuseFigures;
    try {
      strataFigures = await runWorker(strataMp, options.files, options.sizeMb);
    } finally {
      await umount(strataMp).catch(() => undefined);
    }

    progress(`in-memory file system ${ceilingMp}`);
    ceiling = await startCeiling(ceilingMp);
    const ceilingFigures = await runWorker(ceilingMp, options.files, options.sizeMb);
    return {
      date: new Date().toISOString(),
      machine: machine(),
      command: `strata bench fuse --files ${options.files} --size ${options.sizeMb}`,
      files: options.files,
      sizeMb: options.sizeMb,
      targets: { native: nativeFigures, strata: strataFigures, ceiling: ceilingFigures },
    };
  } finally {
    if (ceiling !== null) await stopChild(ceiling);
    for (const mp of [strataMp, ceilingMp]) if (isMounted(mp)) await unmountPath(mp).catch(() => undefined);
    if (master !== null) await stopChild(master.child);
    await rm(root, { recursive: true, force: true });
  }
}

const FIELDS: Array<[keyof FuseFigures, string]> = [
  ['create', 'create (4 KiB files), ops/s'],
  ['stat', 'stat, ops/s'],
  ['readdir', 'readdir, entries/s'],
  ['unlink', 'unlink, ops/s'],
  ['writeMBps', 'sequential write, MB/s'],
  ['readMBps', 'sequential read, MB/s'],
];

export function formatFuseBench(r: FuseBenchResult): string {
  const { native, strata, ceiling } = r.targets;
  const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: x < 100 ? 1 : 0 });
  const lines = [`strata bench fuse — ${r.date} — ${r.machine}`, `${r.files} small files, a ${r.sizeMb} MB file`, '', '| | native | strata | ceiling | strata / ceiling |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const [key, label] of FIELDS) {
    const ratio = ceiling[key] > 0 ? (strata[key] / ceiling[key]).toFixed(2) : '-';
    lines.push(`| ${label} | ${n(native[key])} | ${n(strata[key])} | ${n(ceiling[key])} | ${ratio} |`);
  }
  return lines.join('\n') + '\n';
}
