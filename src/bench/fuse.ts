// `strata bench fuse`: one workload (fuse-worker.ts: create, stat, readdir,
// unlink of many small files; sequential write and read of a large file) run
// from a separate process on three targets in one run: a native directory,
// a strata mount, and an in-memory file system on the same binding
// (memfs.ts, the ceiling). Prints each target's figures and strata / ceiling
// (STYLE.md: a ratio).
//
// Both FUSE targets get the same mount options, so that they do the same
// kernel work: default_permissions (strata needs the kernel's mode checks,
// issue 4) and big_writes; and the same kernel caches, once per setting:
//   off      attr_timeout=0,entry_timeout=0: every stat reaches the file system;
//   default  no timeout options: libfuse's 1 s, what `strata mount` gives a
//            user; the phases then start 1.5 s apart, so that none begins
//            with what the one before left in a cache.
// STRATA_BENCH_FUSE_CACHE=off|default picks one setting; both run otherwise.
// The two FUSE targets run in turn, three rounds (STRATA_BENCH_FUSE_ROUNDS),
// and each figure is the median of its rounds.

import { ChildProcess, execFile, fork, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startMountProcess, umount } from '../cli/mount';
import { unmountPath, isMounted } from '../fuse/mount';
import type { FuseFigures } from './fuse-worker';
import { machine } from './stats';

/** The kernel's attribute and entry caches on both FUSE targets. */
export type KernelCache = 'off' | 'default';

export interface FuseBenchOptions {
  /** Masters to mount; none: the bench starts a master of its own in a temp dir. */
  masters: string[] | null;
  files: number;
  sizeMb: number;
  /** Where the native target and the mount points go (default: a temp dir). */
  dir: string | null;
  /** Kernel cache settings to run, each a full round of the FUSE targets (default: off, then default). */
  kernelCache?: KernelCache[];
  /** Rounds of strata and the ceiling in turn per setting (default 3, or STRATA_BENCH_FUSE_ROUNDS). */
  rounds?: number;
  /** Extra -o options of the strata mount only (A/B runs, e.g. callbacks=0). */
  strataOptions?: string[];
}

export interface FuseTargets {
  native: FuseFigures;
  strata: FuseFigures;
  ceiling: FuseFigures;
}

export interface FuseBenchResult {
  date: string;
  machine: string;
  command: string;
  files: number;
  sizeMb: number;
  /** The first setting's figures (the native directory's are shared by all). */
  targets: FuseTargets;
  runs: Array<{ kernelCache: KernelCache; options: string; rounds: number; targets: FuseTargets }>;
}

const STRATA_BIN = path.join(__dirname, '..', '..', '..', 'bin', 'strata');
/** -o options of both FUSE targets per kernel cache setting (strata adds default_permissions and big_writes itself). */
const CACHE_OPTIONS: Record<KernelCache, string[]> = {
  off: ['attr_timeout=0', 'entry_timeout=0'],
  default: [],
};
/**
 * Between the workload's phases with caches on: longer than libfuse's 1 s,
 * so each phase starts with nothing cached from the one before (fuse-worker.ts).
 */
const PHASE_PAUSE_MS: Record<KernelCache, number> = { off: 0, default: 1500 };

function roundsFromEnv(): number {
  const n = Number(process.env.STRATA_BENCH_FUSE_ROUNDS ?? 3);
  return Number.isInteger(n) && n > 0 ? n : 3;
}

function kernelCacheSettings(given: KernelCache[] | undefined): KernelCache[] {
  const env = process.env.STRATA_BENCH_FUSE_CACHE;
  if (env === 'off' || env === 'default') return [env];
  return given ?? ['off', 'default'];
}

function runWorker(dir: string, files: number, sizeMb: number, pauseMs = 0): Promise<FuseFigures> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, 'fuse-worker.js'), dir, String(files), String(sizeMb), String(pauseMs)], { maxBuffer: 1 << 20, timeout: 30 * 60_000 }, (err, stdout, stderr) => {
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

function startCeiling(mountpoint: string, options: string[]): Promise<ChildProcess> {
  const child = fork(path.join(__dirname, 'memfs.js'), [mountpoint, options.join(',')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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

/** Each figure's median over the rounds (the middle one; the lower middle of an even count). */
function median(rounds: FuseFigures[]): FuseFigures {
  const out = { ...rounds[0] };
  for (const key of Object.keys(out) as Array<keyof FuseFigures>) {
    const sorted = rounds.map((r) => r[key]).sort((a, b) => a - b);
    out[key] = sorted[Math.floor((sorted.length - 1) / 2)];
  }
  return out;
}

/**
 * Runs the native target, then per kernel cache setting both FUSE targets,
 * mounted side by side and run in turn (strata, ceiling, strata, …) for
 * the given rounds, each figure the median of its rounds: on a shared
 * machine a burst of load then hits both alike. Everything started is
 * stopped, also on failure.
 */
export async function runFuseBench(options: FuseBenchOptions, progress: (line: string) => void): Promise<FuseBenchResult> {
  const rounds = options.rounds ?? roundsFromEnv();
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
    const runs: FuseBenchResult['runs'] = [];
    for (const kernelCache of kernelCacheSettings(options.kernelCache)) {
      const mountOptions = CACHE_OPTIONS[kernelCache];
      const shown = mountOptions.length === 0 ? '(libfuse defaults: 1 s)' : mountOptions.join(',');
      progress(`kernel caches ${kernelCache} ${shown}: strata mount ${strataMp} (masters ${masters.join(',')}), in-memory file system ${ceilingMp}`);
      const strataOptions = [...mountOptions, ...(options.strataOptions ?? [])];
      await startMountProcess(strataMp, masters, strataOptions.length === 0 ? [] : [strataOptions.join(',')], false);
      const strataRounds: FuseFigures[] = [];
      const ceilingRounds: FuseFigures[] = [];
      try {
        ceiling = await startCeiling(ceilingMp, mountOptions);
        for (let r = 0; r < rounds; r++) {
          progress(`  round ${r + 1} of ${rounds}`);
          strataRounds.push(await runWorker(strataMp, options.files, options.sizeMb, PHASE_PAUSE_MS[kernelCache]));
          ceilingRounds.push(await runWorker(ceilingMp, options.files, options.sizeMb, PHASE_PAUSE_MS[kernelCache]));
        }
      } finally {
        await umount(strataMp).catch(() => undefined);
        if (ceiling !== null) await stopChild(ceiling);
        ceiling = null;
      }
      runs.push({ kernelCache, options: shown, rounds, targets: { native: nativeFigures, strata: median(strataRounds), ceiling: median(ceilingRounds) } });
    }
    return {
      date: new Date().toISOString(),
      machine: machine(),
      command: `strata bench fuse --files ${options.files} --size ${options.sizeMb}${(options.strataOptions ?? []).map((o) => ` -o ${o}`).join('')}`,
      files: options.files,
      sizeMb: options.sizeMb,
      targets: runs[0].targets,
      runs,
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
  const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: x < 100 ? 1 : 0 });
  const lines = [`strata bench fuse — ${r.date} — ${r.machine}`, `${r.files} small files, a ${r.sizeMb} MB file`];
  for (const run of r.runs) {
    const { native, strata, ceiling } = run.targets;
    lines.push('', `kernel caches ${run.kernelCache}: ${run.options}; strata and ceiling in turn, median of ${run.rounds} rounds`, '', '| | native | strata | ceiling | strata / ceiling |', '| --- | ---: | ---: | ---: | ---: |');
    for (const [key, label] of FIELDS) {
      const ratio = ceiling[key] > 0 ? (strata[key] / ceiling[key]).toFixed(2) : '-';
      lines.push(`| ${label} | ${n(native[key])} | ${n(strata[key])} | ${n(ceiling[key])} | ${ratio} |`);
    }
  }
  return lines.join('\n') + '\n';
}
