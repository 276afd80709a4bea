// Raft log throughput: appends/s of one 200-byte entry each with N appends
// kept in flight (a closed loop: each resolved append issues the next one),
// and how many entries share an fdatasync (group commit).
//
// The reference, measured in the same run, on the same disk: the same bytes
// written by raw FileHandle.write + datasync in batches of the size the log
// reached. The ratio log/raw is the cost of framing, checksums, promises and
// bookkeeping over bare group commit.
//
//   npx tsc -p . && node dist/scripts/raft-log-throughput.js [count] [inFlight,...]

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import { RECORD_HEADER_BYTES, RaftLog } from '../src/raft/log';
import { EntryType } from '../src/raft/types';

const DATA_BYTES = 200;

interface LogRun {
  perSecond: number;
  syncs: number;
  entriesPerSync: number;
}

async function runLog(dir: string, count: number, inFlight: number): Promise<LogRun> {
  const log = new RaftLog(dir);
  await log.open();
  const data = Buffer.alloc(DATA_BYTES, 0x61); // built before the clock starts
  try {
    const syncsBefore = log.stats.syncs;
    const start = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      let issued = 0;
      let done = 0;
      const onDurable = (): void => {
        if (++done === count) resolve();
        else issue();
      };
      const issue = (): void => {
        if (issued >= count) return;
        issued++;
        log.append([{ index: log.lastIndex + 1, term: 1, type: EntryType.NORMAL, data }]).then(onDurable, reject);
      };
      for (let i = 0; i < inFlight; i++) issue();
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const syncs = log.stats.syncs - syncsBefore;
    if (log.stats.records !== count) throw new Error(`${log.stats.records} of ${count} appends are durable`);
    return { perSecond: count / seconds, syncs, entriesPerSync: count / syncs };
  } finally {
    await log.close();
  }
}

/** Bare group commit: one write of `batch` records' bytes, one datasync, repeated. */
async function runRaw(file: string, count: number, batch: number): Promise<number> {
  const fh = await fs.open(file, 'w');
  const buf = Buffer.alloc((RECORD_HEADER_BYTES + DATA_BYTES) * batch, 0x61);
  try {
    const start = process.hrtime.bigint();
    let position = 0;
    for (let written = 0; written < count; written += batch) {
      await fh.write(buf, 0, buf.length, position);
      position += buf.length;
      await fh.datasync();
    }
    return count / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    await fh.close();
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? '100000');
  const inFlights = (process.argv[3] ?? '1,16,64,256').split(',').map(Number);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-raft-log-bench-'));
  try {
    console.log(`# ${new Date().toISOString()}  node ${process.version}  ${os.cpus().length}x ${os.cpus()[0]?.model ?? '?'}`);
    console.log(`# node dist/scripts/raft-log-throughput.js ${count} ${inFlights.join(',')}  (dir ${os.tmpdir()})`);
    // Warm up both paths.
    await runLog(path.join(root, 'warm'), 2000, 64);
    await runRaw(path.join(root, 'warm.raw'), 2000, 64);
    console.log('in-flight   appends/s  syncs  entries/sync   raw/s  log/raw');
    let run = 0;
    for (const inFlight of inFlights) {
      // Alternate: log, raw, log, raw; report the better of each.
      let best: LogRun | undefined;
      let raw = 0;
      for (let rep = 0; rep < 2; rep++) {
        const r = await runLog(path.join(root, `l${run++}`), inFlight === 1 ? Math.min(count, 5000) : count, inFlight);
        if (!best || r.perSecond > best.perSecond) best = r;
        const batch = Math.max(1, Math.round(r.entriesPerSync));
        raw = Math.max(raw, await runRaw(path.join(root, `r${run++}`), inFlight === 1 ? Math.min(count, 5000) : count, batch));
      }
      if (!best) continue;
      console.log(
        `${String(inFlight).padStart(9)}  ${best.perSecond.toFixed(0).padStart(10)}  ${String(best.syncs).padStart(5)}` +
          `  ${best.entriesPerSync.toFixed(1).padStart(12)}  ${raw.toFixed(0).padStart(6)}  ${(best.perSecond / raw).toFixed(2).padStart(7)}`,
      );
    }
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
