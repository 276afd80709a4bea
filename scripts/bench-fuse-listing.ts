// Listing a directory of N entries (default 100,000) through a strata FUSE
// mount, against the same directory listed natively, in entries/s, with the
// memory (VmRSS, VmHWM) of the mount process and of the master.
//
// The directory is a local directory of N empty files mounted into strata
// (`strata fs mount /local file://…`), and, with --s3, an s3rver bucket of N
// objects (its own process) mounted at /s3. A master runs as its own process
// (`bin/strata master start`), the mount as its own (`bin/strata mount`,
// attr and entry timeouts at their default of 1 s), and each listing is
// `ls -f DIR | wc -l` in a child bash: readdir only, no stat, unsorted. The
// first listing through the mount is the master's first load of the
// directory from its store, timed apart; then native and strata listings
// alternate for --rounds rounds (the first native round warms the page
// cache) and the medians are compared. For S3 the reference is the store's
// own listing (UnderStore.list in this process).
//
// The workload is built before any clock starts. Needs FUSE (/dev/fuse).
//
//   npx tsc -p . && node dist/scripts/bench-fuse-listing.js [--entries N] [--rounds R] [--s3] [--s3-entries N]

import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';

import { mountFiles } from '../src/cli/mount';
import { StrataFileSystem } from '../src/client/file-system';
import { isMounted } from '../src/fuse/mount';
import { openUnderStore } from '../src/ufs/registry';
import { MasterProcess } from '../test/master/harness';
import { startS3Server } from '../test/ufs/s3-server';
import type { S3TestServer } from '../test/ufs/s3-server';

const REPO = path.join(__dirname, '..', '..');
const STRATA = path.join(REPO, 'bin', 'strata');
const BUCKET = 'listing';
/** A listing that takes longer is cut off (and reported as such). */
const LISTING_TIMEOUT_MS = 10 * 60_000;

interface Options {
  entries: number;
  rounds: number;
  s3: boolean;
  s3Entries: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { entries: 100_000, rounds: 5, s3: false, s3Entries: 0 };
  for (let i = 0; i < argv.length; i++) {
    const want = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${argv[i - 1]} wants a positive integer, not ${argv[i]}`);
      return n;
    };
    if (argv[i] === '--entries') o.entries = want();
    else if (argv[i] === '--rounds') o.rounds = want();
    else if (argv[i] === '--s3') o.s3 = true;
    else if (argv[i] === '--s3-entries') o.s3Entries = want();
    else throw new Error(`unknown argument ${argv[i]} (--entries N, --rounds R, --s3, --s3-entries N)`);
  }
  if (o.s3Entries === 0) o.s3Entries = o.entries;
  return o;
}

/** Resident and peak resident memory of a process, in MiB (Linux /proc). */
function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

function run(file: string, args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

interface Listing {
  seconds: number;
  /** Entries listed, '.' and '..' not counted; null when the listing failed. */
  entries: number | null;
  error?: string;
}

/** `ls -f DIR | wc -l` in a child bash (never in this process), timed. */
async function lsF(dir: string): Promise<Listing> {
  const start = process.hrtime.bigint();
  const res = await run('bash', ['-c', `set -o pipefail; ls -f '${dir}' | wc -l`], LISTING_TIMEOUT_MS);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (res.code !== 0 || res.stderr.trim() !== '') return { seconds, entries: null, error: res.stderr.trim() || `status ${res.code}` };
  return { seconds, entries: Number(res.stdout.trim()) - 2 };
}

async function storeListing(uri: string, options: Record<string, string>): Promise<Listing> {
  const store = await openUnderStore(uri, { options });
  try {
    const start = process.hrtime.bigint();
    let entries = 0;
    for await (const page of store.list('', 1000)) entries += page.length;
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9, entries };
  } finally {
    await store.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

async function stopProcess(child: ChildProcess | null): Promise<void> {
  if (child === null || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

interface Row {
  label: string;
  first: Listing;
  /** From the first attempt to the first complete listing (retries included). */
  firstListedSeconds: number;
  native: number[];
  strata: number[];
  reference: string;
  mountMem: { rssMiB: number; hwmMiB: number };
  masterMem: { rssMiB: number; hwmMiB: number };
}

/** First listing through the mount, then native and strata listings alternating. */
async function measure(label: string, count: number, rounds: number, mountDir: string, native: () => Promise<Listing>, reference: string, pids: { mount: number; master: number }): Promise<Row> {
  process.stderr.write(`${label}: first listing through the mount (the master loads the directory)…\n`);
  const started = process.hrtime.bigint();
  const first = await lsF(mountDir);
  let firstListedSeconds = first.seconds;
  if (first.entries === null) {
    // The mount's call timed out while the master went on loading: list again until it succeeds.
    process.stderr.write(`${label}: first listing failed after ${first.seconds.toFixed(1)} s (${first.error}); retrying until it lists\n`);
    let listed = false;
    for (let tries = 0; tries < 60 && !listed; tries++) listed = (await lsF(mountDir)).entries === count;
    if (!listed) throw new Error(`${mountDir}: never listed ${count} entries`);
    firstListedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  } else if (first.entries !== count) {
    throw new Error(`${mountDir}: ${first.entries} entries listed, expected ${count}`);
  }
  const nativeSec: number[] = [];
  const strataSec: number[] = [];
  await native(); // warm the page cache (or the store's own caches)
  for (let r = 0; r < rounds; r++) {
    process.stderr.write(`${label}: round ${r + 1}/${rounds}\n`);
    const n = await native();
    const s = await lsF(mountDir);
    if (n.entries !== count || s.entries !== count) throw new Error(`${label}: listed ${n.entries} natively and ${s.entries} through strata, expected ${count} (${s.error ?? ''})`);
    nativeSec.push(n.seconds);
    strataSec.push(s.seconds);
  }
  return { label, first, firstListedSeconds, native: nativeSec, strata: strataSec, reference, mountMem: memoryOf(pids.mount), masterMem: memoryOf(pids.master) };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'strata-bench-listing-'));
  const localDir = path.join(work, 'local');
  const mp = path.join(work, 'mnt');
  let server: S3TestServer | null = null;
  let master: ChildProcess | null = null;
  let fs: StrataFileSystem | null = null;
  let mounted = false;
  try {
    // The workload, before any clock.
    process.stderr.write(`building ${fmt(o.entries)} files${o.s3 ? ` and ${fmt(o.s3Entries)} objects` : ''}…\n`);
    await fsp.mkdir(localDir);
    await fsp.mkdir(mp);
    const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `f${String(i).padStart(7, '0')}`);
    const local = names(o.entries);
    for (let i = 0; i < local.length; i += 500) await Promise.all(local.slice(i, i + 500).map((n) => fsp.writeFile(path.join(localDir, n), '')));
    if (o.s3) {
      server = await startS3Server([BUCKET]);
      const s3 = server.client();
      const objects = names(o.s3Entries);
      for (let i = 0; i < objects.length; i += 64) {
        await Promise.all(objects.slice(i, i + 64).map((n) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `dir/${n}`, Body: Buffer.alloc(0), ContentLength: 0 }))));
      }
    }

    const started = await MasterProcess.start(path.join(work, 'master')); // its own process, as a user runs it
    master = started.child;
    fs = new StrataFileSystem([started.address], { callTimeoutMs: 30 * 60_000 });
    await fs.mount('/local', pathToFileURL(localDir).href);
    if (server !== null) await fs.mount('/s3', `s3://${BUCKET}/dir`, { options: server.options });
    // The client that reads S3 data uses the SDK's credentials; listing needs none, but keep the mount honest.
    const env = server === null ? {} : { AWS_ACCESS_KEY_ID: server.options.access_key, AWS_SECRET_ACCESS_KEY: server.options.secret_key };
    Object.assign(process.env, env);
    const res = await run(process.execPath, [STRATA, '--masters', started.address, 'mount', mp]);
    if (res.code !== 0) throw new Error(`strata mount failed: ${res.stderr}`);
    mounted = true;
    const mountPid = Number(readFileSync(mountFiles(mp).pidFile, 'utf8').trim());
    const pids = { mount: mountPid, master: master.pid ?? 0 };
    const idle = { mount: memoryOf(pids.mount), master: memoryOf(pids.master) };

    const rows: Row[] = [];
    rows.push(await measure('local', o.entries, o.rounds, path.join(mp, 'local'), () => lsF(localDir), '`ls -f` of the directory itself', pids));
    if (server !== null) {
      const options = server.options;
      rows.push(await measure('s3rver', o.s3Entries, o.rounds, path.join(mp, 's3'), () => storeListing(`s3://${BUCKET}/dir`, options), 'UnderStore.list of the bucket prefix', pids));
    }

    const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
    const lines = [
      `date: ${new Date().toISOString()}`,
      `machine: ${os.cpus().length} × ${cpu}, ${fmt(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, node ${process.version}`,
      `command: node dist/scripts/bench-fuse-listing.js ${process.argv.slice(2).join(' ')}`.trimEnd(),
      `idle after mounting: mount process RSS ${fmt(idle.mount.rssMiB)} MiB, master RSS ${fmt(idle.master.rssMiB)} MiB`,
      '',
      '| store | entries | first listing through strata (load), s | native, s (median) | strata, s (median) | native entries/s | strata entries/s | strata / native | mount RSS / peak MiB | master RSS / peak MiB |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const r of rows) {
      const count = r.label === 'local' ? o.entries : o.s3Entries;
      const n = median(r.native);
      const s = median(r.strata);
      const first =
        r.first.entries === null
          ? `${r.firstListedSeconds.toFixed(1)} (the first ls failed after ${r.first.seconds.toFixed(1)} s: ${r.first.error?.replace(/^.*: /, '')})`
          : r.first.seconds.toFixed(2);
      lines.push(
        `| ${r.label} | ${fmt(count)} | ${first} | ${n.toFixed(3)} | ${s.toFixed(3)} | ${fmt(count / n)} | ${fmt(count / s)} | ${(n / s).toFixed(2)} | ${fmt(r.mountMem.rssMiB)} / ${fmt(r.mountMem.hwmMiB)} | ${fmt(r.masterMem.rssMiB)} / ${fmt(r.masterMem.hwmMiB)} |`,
      );
    }
    lines.push('', ...rows.map((r) => `${r.label}: native = ${r.reference}; rounds native ${r.native.map((x) => x.toFixed(3)).join(' ')}, strata ${r.strata.map((x) => x.toFixed(3)).join(' ')}`));
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    // The mount first (it calls the master), then the client, the master, the store.
    if (mounted) {
      await run(process.execPath, [STRATA, 'umount', mp]);
      if (isMounted(mp)) await run('fusermount', ['-uz', mp]);
    }
    await fs?.close();
    await stopProcess(master);
    await server?.stop();
    await fsp.rm(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench-fuse-listing: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
