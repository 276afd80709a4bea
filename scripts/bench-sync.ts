// Metadata sync throughput: `strata fs sync -R` of a local directory and of
// an S3 bucket (s3rver, its own process) with N entries each, in entries/s,
// and the master's memory (VmRSS after each sync, VmHWM at the end).
//
// Each store is synced twice: the first sync of a freshly mounted directory
// is its first load (every entry added to the namespace, journaled); the
// second finds every entry unchanged (a merge of the store's listing with the
// directory's edges, nothing written). The reference, measured in the same
// run on the same store: the store's listing alone (UnderStore.list in this
// process, no master), so the ratio sync/listing is what strata's metadata
// work costs on top of reading the store.
//
// The workload (files and objects) is built before any clock starts. The
// master runs as its own process (`bin/strata master start`), the syncs are
// the CLI command itself (`bin/strata fs sync -R PATH --json`).
//
//   npx tsc -p . && node dist/scripts/bench-sync.js [entries=100000]

import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';

import { StrataFileSystem } from '../src/client/file-system';
import { openUnderStore } from '../src/ufs/registry';
import { MasterProcess } from '../test/master/harness';
import { startS3Server } from '../test/ufs/s3-server';

const REPO = path.join(__dirname, '..', '..');
const STRATA = path.join(REPO, 'bin', 'strata');
const BUCKET = 'bench';
const run = promisify(execFile);

interface Timed {
  seconds: number;
  entries: number;
}

/** Resident and peak resident memory of a process, in MiB (Linux /proc). */
async function memoryOf(pid: number): Promise<{ rssMiB: number; hwmMiB: number }> {
  const status = await fsp.readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

async function timedSync(address: string, strataPath: string): Promise<Timed> {
  const start = process.hrtime.bigint();
  const { stdout } = await run(process.execPath, [STRATA, '--masters', address, 'fs', 'sync', '-R', strataPath, '--json'], { maxBuffer: 1 << 20 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const counts = JSON.parse(stdout) as { added: number; unchanged: number; updated: number; removed: number };
  return { seconds, entries: counts.added + counts.unchanged + counts.updated + counts.removed };
}

async function timedListing(uri: string, options: Record<string, string>): Promise<Timed> {
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

async function listedEntries(fs: StrataFileSystem, strataPath: string): Promise<number> {
  let n = 0;
  for await (const _entry of fs.list(strataPath)) n++;
  return n;
}

const rate = (t: Timed, n: number): number => n / t.seconds;
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? '100000');
  if (!Number.isInteger(count) || count <= 0) throw new Error(`entries must be a positive integer, not ${process.argv[2]}`);
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'strata-bench-sync-'));
  const localDir = path.join(work, 'local');
  const names = Array.from({ length: count }, (_, i) => `f${String(i).padStart(7, '0')}`);
  const server = await startS3Server([BUCKET]);
  let master: ChildProcess | null = null;
  let fs: StrataFileSystem | null = null;
  try {
    // The workload, before any clock.
    process.stderr.write(`building ${fmt(count)} files and ${fmt(count)} objects…\n`);
    await fsp.mkdir(localDir);
    for (let i = 0; i < count; i += 500) await Promise.all(names.slice(i, i + 500).map((n) => fsp.writeFile(path.join(localDir, n), n)));
    const s3 = server.client();
    for (let i = 0; i < count; i += 64) {
      await Promise.all(names.slice(i, i + 64).map((n) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `dir/${n}`, Body: n }))));
    }

    const localUri = pathToFileURL(localDir).href;
    const s3Uri = `s3://${BUCKET}/dir`;
    const started = await MasterProcess.start(path.join(work, 'master')); // its own process, as a user runs it
    master = started.child;
    const pid = master.pid ?? 0;
    fs = new StrataFileSystem([started.address], { callTimeoutMs: 30 * 60_000 });
    await fs.mount('/local', localUri);
    await fs.mount('/s3', s3Uri, { options: server.options });
    const idle = await memoryOf(pid);

    const rows: string[] = [];
    for (const [label, strataPath, uri, options] of [
      ['local', '/local', localUri, {}],
      ['s3rver', '/s3', s3Uri, server.options],
    ] as const) {
      const listing = await timedListing(uri, options); // warms the store's caches for both
      const first = await timedSync(started.address, strataPath);
      const afterFirst = await memoryOf(pid);
      const listed = await listedEntries(fs, strataPath);
      if (listed !== count) throw new Error(`${strataPath}: ${listed} entries after the first sync, expected ${count}`);
      const second = await timedSync(started.address, strataPath);
      if (second.entries !== count) throw new Error(`${strataPath}: the second sync saw ${second.entries} entries, expected ${count}`);
      const afterSecond = await memoryOf(pid);
      const ref = rate(listing, listing.entries);
      rows.push(
        `| ${label} | store listing (reference) | ${listing.seconds.toFixed(2)} | ${fmt(ref)} | 1.00 | |`,
        `| ${label} | first sync -R (load) | ${first.seconds.toFixed(2)} | ${fmt(rate(first, count))} | ${(rate(first, count) / ref).toFixed(2)} | ${fmt(afterFirst.rssMiB)} |`,
        `| ${label} | second sync -R (unchanged) | ${second.seconds.toFixed(2)} | ${fmt(rate(second, count))} | ${(rate(second, count) / ref).toFixed(2)} | ${fmt(afterSecond.rssMiB)} |`,
      );
    }
    const end = await memoryOf(pid);
    const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
    process.stdout.write(
      `date: ${new Date().toISOString()}\n` +
        `machine: ${os.cpus().length} × ${cpu}, ${fmt(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, node ${process.version}\n` +
        `command: node dist/scripts/bench-sync.js ${count}\n` +
        `entries per store: ${fmt(count)}; master RSS idle with both mounts: ${fmt(idle.rssMiB)} MiB, peak (VmHWM): ${fmt(end.hwmMiB)} MiB\n\n` +
        `| store | run | seconds | entries/s | × listing | master RSS MiB after |\n| --- | --- | ---: | ---: | ---: | ---: |\n` +
        rows.join('\n') +
        '\n',
    );
  } finally {
    // Client first (its calls go to the master), then the master, then the store it used.
    await fs?.close();
    if (master !== null && master.exitCode === null && master.signalCode === null) {
      const exited = new Promise((resolve) => master?.once('exit', resolve));
      master.kill('SIGTERM');
      await exited;
    }
    await server.stop();
    await fsp.rm(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench-sync: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
