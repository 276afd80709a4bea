// Journal throughput: appends/s of 200-byte payloads with N appends kept in
// flight (a closed loop: each durable append issues the next one), and how
// many records share an fdatasync.
//
// The reference, measured in the same run, on the same disk: the same
// payload bytes written by raw FileHandle.write + datasync in batches of the
// size the journal reached. The ratio journal/raw is the cost of framing,
// checksums, promises and bookkeeping over bare group commit.
//
//   npx tsc -p . && node dist/scripts/journal-throughput.js [count] [inFlight,...]

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import { LocalJournal } from '../src/master/journal/local-journal';

const PAYLOAD_BYTES = 200;

interface JournalRun {
  perSecond: number;
  syncs: number;
  recordsPerSync: number;
}

async function runJournal(dir: string, count: number, inFlight: number): Promise<JournalRun> {
  const journal = new LocalJournal(dir);
  await journal.open();
  const payload = Buffer.alloc(PAYLOAD_BYTES, 0x61); // built before the clock starts
  try {
    const syncsBefore = journal.stats.syncs;
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
        journal.append(payload).durable.then(onDurable, reject);
      };
      for (let i = 0; i < inFlight; i++) issue();
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const syncs = journal.stats.syncs - syncsBefore;
    if (journal.durableIndex !== journal.lastIndex) throw new Error('not all appends are durable');
    return { perSecond: count / seconds, syncs, recordsPerSync: count / syncs };
  } finally {
    await journal.close();
  }
}

/** Bare group commit: one write of `batch` payloads, one datasync, repeated. */
async function runRaw(file: string, count: number, batch: number): Promise<number> {
  const fh = await fs.open(file, 'w');
  const buf = Buffer.alloc(PAYLOAD_BYTES * batch, 0x61);
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
  const count = Number(process.argv[2] ?? '50000');
  const inFlights = (process.argv[3] ?? '1,16,64,256').split(',').map(Number);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-journal-bench-'));
  try {
    console.log(`# ${new Date().toISOString()}  node ${process.version}  ${os.cpus().length}x ${os.cpus()[0]?.model ?? '?'}`);
    console.log(`# node dist/scripts/journal-throughput.js ${count} ${inFlights.join(',')}  (dir ${os.tmpdir()})`);
    // Warm up both paths.
    await runJournal(path.join(root, 'warm'), 2000, 64);
    await runRaw(path.join(root, 'warm.raw'), 2000, 64);
    console.log('in-flight  journal/s  syncs  records/sync  raw/s  journal/raw');
    let run = 0;
    for (const inFlight of inFlights) {
      // Alternate: journal, raw, journal, raw; report the better of each.
      let best: JournalRun | undefined;
      let raw = 0;
      for (let rep = 0; rep < 2; rep++) {
        const j = await runJournal(path.join(root, `j${run++}`), count, inFlight);
        if (!best || j.perSecond > best.perSecond) best = j;
        const batch = Math.max(1, Math.round(j.recordsPerSync));
        raw = Math.max(raw, await runRaw(path.join(root, `r${run++}`), count, batch));
      }
      if (!best) continue;
      console.log(
        `${String(inFlight).padStart(9)}  ${best.perSecond.toFixed(0).padStart(9)}  ${String(best.syncs).padStart(5)}` +
          `  ${best.recordsPerSync.toFixed(1).padStart(12)}  ${raw.toFixed(0).padStart(6)}  ${(best.perSecond / raw).toFixed(2).padStart(11)}`,
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
