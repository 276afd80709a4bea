// The child process of the Raft log crash test: reopens the log in argv[2]
// and appends to it forever with a window of appends in flight (argv[3]), now
// and then cutting a suffix back (a new leader's conflicting entries) or
// compacting. The parent SIGKILLs it at a random moment and checks the log
// against what this process reported in the file argv[4], a line per event
// in the order things happened:
//
//   open <snapshotIndex> <lastIndex>
//   ack <first> <last> <term>     an append resolved: those entries are durable
//   cut <index>                   about to replace the log from <index> on
//   compact <upTo>                about to drop the entries up to <upTo>
//
// The report is a file written with writeSync, not stdout: a write to a full
// pipe is queued inside this process and dies with it, and a lost "cut" or
// "compact" line would make the parent expect entries that were rightly
// dropped. A writeSync has reached the kernel before anything after it is
// done, and a SIGKILL does not lose it. Stdout only says "ready" once, when a
// cut and a compaction were made and an append after them was acknowledged:
// the parent starts its clock then, so every run covers both.
// Data is derived from (index, term) (crashData) so the parent can check it.

import * as fs from 'node:fs';

import { RaftLog } from '../../src/raft/log';
import { EntryType } from '../../src/raft/types';
import type { Entry } from '../../src/raft/types';

export const CRASH_SEGMENT_BYTES = 16 * 1024;

export function crashData(index: number, term: number): Buffer {
  return Buffer.from(`entry ${index} of term ${term} `.repeat(1 + (index % 7)));
}

async function main(): Promise<void> {
  const [dir, window, reportFile] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
  const report = fs.openSync(reportFile, 'a');
  const say = (line: string): void => void fs.writeSync(report, `${line}\n`);
  const log = new RaftLog(dir, { segmentBytes: CRASH_SEGMENT_BYTES });
  const state = await log.open();
  say(`open ${state.snapshotIndex} ${log.lastIndex}`);
  /** terms[i] is the term of the entry at index i (what this process appended or found). */
  const terms: number[] = [];
  terms[state.snapshotIndex] = state.snapshotTerm;
  for (const e of state.entries) terms[e.index] = e.term;
  let term = terms[log.lastIndex] + 1; // a new leader's term
  let next = log.lastIndex + 1;
  let inFlight = 0;
  let pausing = false;
  let acks = 0;
  let specials = 0; // cuts and compactions so far: the first is a cut, the second a compaction
  let ready = false;

  const fail = (err: unknown): void => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  };

  const issue = (): void => {
    const entries: Entry[] = [];
    for (let n = 1 + Math.floor(Math.random() * 3); n > 0; n--, next++) {
      entries.push({ index: next, term, type: EntryType.NORMAL, data: crashData(next, term) });
      terms[next] = term;
    }
    const first = entries[0].index;
    const last = next - 1;
    const t = term;
    inFlight++;
    log.append(entries).then(() => {
      say(`ack ${first} ${last} ${t}`);
      acks++;
      if (!ready && specials >= 2) {
        ready = true;
        process.stdout.write('ready\n');
      }
      inFlight--;
      if (pausing) {
        if (inFlight === 0) special().catch(fail);
      } else if (Math.random() < 0.01 || (specials < 2 && acks >= 50 * (specials + 1))) {
        pausing = true; // let the window drain, then cut or compact
        if (inFlight === 0) special().catch(fail);
      } else {
        issue();
      }
    }, fail);
  };

  const special = async (): Promise<void> => {
    const cut = specials === 0 || (specials > 1 && Math.random() < 0.6);
    specials++;
    if (cut) {
      // A new leader replaces up to 40 entries (often across a segment boundary).
      next = Math.max(log.firstIndex, log.lastIndex + 1 - Math.floor(Math.random() * 40));
      term++;
      say(`cut ${next}`);
    } else {
      const upTo = Math.max(log.firstIndex - 1, log.lastIndex - Math.floor(Math.random() * 100));
      say(`compact ${upTo}`);
      await log.compact(upTo, terms[upTo]);
    }
    pausing = false;
    for (let i = 0; i < window; i++) issue();
  };

  for (let i = 0; i < window; i++) issue();
}

if (require.main === module) main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
