import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { ErrorCode, StrataError } from '../../src/common/errors';
import { HARD_STATE_FILE, RECORD_HEADER_BYTES, RaftLog } from '../../src/raft/log';
import type { RaftLogState } from '../../src/raft/log';
import { EntryType } from '../../src/raft/types';
import type { Entry } from '../../src/raft/types';
import { CRASH_SEGMENT_BYTES, crashData } from './log-crash-child';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-raft-log-'));
  try {
    await fn(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Opens a log, runs fn with it and what open returned, and closes it even if fn throws. */
async function withLog(
  dir: string,
  options: { segmentBytes?: number },
  fn: (log: RaftLog, state: RaftLogState) => Promise<void>,
): Promise<void> {
  const log = new RaftLog(dir, options);
  const state = await log.open();
  try {
    await fn(log, state);
  } finally {
    await log.close();
  }
}

async function reopen(dir: string, options: { segmentBytes?: number } = {}): Promise<RaftLogState & { lastIndex: number }> {
  let result: (RaftLogState & { lastIndex: number }) | undefined;
  await withLog(dir, options, async (log, state) => {
    result = { ...state, lastIndex: log.lastIndex };
  });
  if (!result) throw new Error('unreachable');
  return result;
}

/** Data of one size for indexes below 10000, so that segment rolls are easy to predict. */
function entryData(index: number, term: number): string {
  return `entry-${String(index).padStart(4, '0')}-t${term}`;
}

function entry(index: number, term: number): Entry {
  return { index, term, type: EntryType.NORMAL, data: Buffer.from(entryData(index, term)) };
}

function entries(from: number, to: number, term: number): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term));
}

/** [index, term] pairs, to compare logs without the data's buffer identity. */
function shape(list: Entry[]): Array<[number, number]> {
  for (const e of list) assert.equal(e.data.toString(), entryData(e.index, e.term), `data of ${e.index}`);
  return list.map((e) => [e.index, e.term]);
}

/** Bytes one entry(index, term) takes on disk. */
function recordSize(index: number, term: number): number {
  return RECORD_HEADER_BYTES + entry(index, term).data.length;
}

async function segmentNames(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((n) => n.endsWith('.log')).sort();
}

/** The first index in a segment's name (<seq>-<firstIndex>.log). */
function firstIndexOf(name: string): number {
  return Number(name.slice(21, 41));
}

function isCode(code: string): (err: unknown) => boolean {
  return (err: unknown) => err instanceof StrataError && err.code === code;
}

/** FileHandle.prototype, reached through a handle: node:fs does not export the class. */
async function fileHandleProto(dir: string): Promise<Record<string, unknown>> {
  const probe = await fs.open(path.join(dir, 'probe'), 'w');
  const proto: unknown = Object.getPrototypeOf(probe);
  await probe.close();
  await fs.unlink(path.join(dir, 'probe'));
  return proto as Record<string, unknown>;
}

/**
 * Runs fn with the k-th mutating file-system call (open, unlink, rename,
 * write, datasync, sync, truncate) throwing EIO instead of happening: the
 * disk is left as a crash right before that step would leave it, everything
 * done before it being durable. Returns how many such calls fn made and what
 * it threw.
 */
async function withFaultAt(dir: string, k: number, fn: () => Promise<void>): Promise<{ calls: number; error: unknown }> {
  // The real module object: the log's `import * as fs` reads its properties at each call.
  const fsModule = require('node:fs/promises') as Record<string, unknown>;
  const proto = await fileHandleProto(dir);
  const patched: Array<[Record<string, unknown>, string, unknown]> = [];
  let calls = 0;
  for (const [target, names] of [[fsModule, ['open', 'unlink', 'rename']], [proto, ['write', 'datasync', 'sync', 'truncate']]] as const) {
    for (const name of names) {
      const real = target[name] as (...args: unknown[]) => Promise<unknown>;
      patched.push([target, name, real]);
      target[name] = function faulty(this: unknown, ...args: unknown[]): Promise<unknown> {
        if (calls++ === k) return Promise.reject(Object.assign(new Error(`EIO: injected at ${name}`), { code: 'EIO' }));
        return real.apply(this, args);
      };
    }
  }
  let error: unknown;
  try {
    await fn();
  } catch (err) {
    error = err;
  } finally {
    for (const [target, name, real] of patched) target[name] = real;
  }
  return { calls, error };
}

describe('RaftLog', () => {
  test('a fresh directory holds an empty log and a zero hard state', async () => {
    await withDir(async (root) => {
      const dir = path.join(root, 'a', 'raft');
      await withLog(dir, {}, async (log, state) => {
        assert.deepEqual(state, { hardState: { term: 0, vote: '', commit: 0 }, snapshotIndex: 0, snapshotTerm: 0, entries: [] });
        assert.equal(log.firstIndex, 1);
        assert.equal(log.lastIndex, 0);
      });
      assert.equal((await segmentNames(dir)).length, 1);
    });
  });

  test('appended entries come back in order after a reopen, and appends continue', async () => {
    await withDir(async (dir) => {
      const conf: Entry = { index: 3, term: 2, type: EntryType.CONF_CHANGE, data: Buffer.from('{"type":"add"}') };
      const noop: Entry = { index: 4, term: 2, type: EntryType.NORMAL, data: Buffer.alloc(0) };
      const binary: Entry = { index: 5, term: 2, type: EntryType.NORMAL, data: Buffer.from([0, 255, 1, 254]) };
      await withLog(dir, {}, async (log) => {
        await log.append(entries(1, 2, 1));
        await log.append([conf, noop, binary]);
        assert.equal(log.lastIndex, 5);
      });
      await withLog(dir, {}, async (log, state) => {
        assert.deepEqual(state.entries, [...entries(1, 2, 1), conf, noop, binary]);
        assert.equal(log.lastIndex, 5);
        await log.append(entries(6, 8, 3));
      });
      assert.deepEqual(shape((await reopen(dir)).entries.slice(5)), [[6, 3], [7, 3], [8, 3]]);
    });
  });

  test('concurrent appends share writes and fdatasyncs (group commit) and resolve in call order', async () => {
    await withDir(async (dir) => {
      await withLog(dir, {}, async (log) => {
        let before = log.stats.syncs;
        const resolved: number[] = [];
        await Promise.all(Array.from({ length: 200 }, (_, i) => log.append([entry(i + 1, 1)]).then(() => resolved.push(i + 1))));
        assert.equal(log.stats.syncs - before, 1, '200 appends in one turn share one round');
        assert.deepEqual(resolved, Array.from({ length: 200 }, (_, i) => i + 1));

        // 64 appenders, each appending as soon as its last append resolved.
        before = log.stats.syncs;
        let next = 201;
        const appender = async (): Promise<void> => {
          for (let n = 0; n < 20; n++) {
            const index = next++;
            await log.append([entry(index, 1)]);
          }
        };
        await Promise.all(Array.from({ length: 64 }, appender));
        const syncs = log.stats.syncs - before;
        assert.ok(syncs <= 64 * 20 / 16, `1280 appends took ${syncs} fdatasyncs`);
        assert.equal(log.stats.records, 1480);

        // One at a time, each append needs its own round.
        before = log.stats.syncs;
        for (let i = 0; i < 5; i++) await log.append([entry(next++, 1)]);
        assert.equal(log.stats.syncs - before, 5);
      });
      assert.equal((await reopen(dir)).entries.length, 1485);
    });
  });

  test('segments roll at segmentBytes, and an entry larger than a segment gets its own', async () => {
    await withDir(async (dir) => {
      const size = recordSize(1, 1);
      const options = { segmentBytes: 4 * size };
      await withLog(dir, options, async (log) => {
        await log.append(entries(1, 9, 1));
        assert.equal(log.stats.syncs, 3, 'one fdatasync per segment a round spans');
        assert.deepEqual((await segmentNames(dir)).map(firstIndexOf), [1, 5, 9]);
        assert.equal((await fs.stat(path.join(dir, (await segmentNames(dir))[0]))).size, 4 * size);
        await log.append([{ index: 10, term: 1, type: EntryType.NORMAL, data: Buffer.alloc(500, 7) }]);
        await log.append([entry(11, 1)]);
      });
      assert.deepEqual((await segmentNames(dir)).map(firstIndexOf), [1, 5, 9, 10, 11]);
      const state = await reopen(dir, options);
      assert.deepEqual(state.entries.map((e) => e.index), Array.from({ length: 11 }, (_, i) => i + 1));
      assert.deepEqual(state.entries[9].data, Buffer.alloc(500, 7));
    });
  });

  test('an append at an index already in the log replaces the suffix within a segment', async () => {
    await withDir(async (dir) => {
      await withLog(dir, {}, async (log) => {
        await log.append(entries(1, 10, 1));
        await log.append(entries(6, 7, 2)); // a new leader's entries conflict from 6
        assert.equal(log.lastIndex, 7);
        assert.equal(log.stats.truncations, 1);
        await log.append(entries(8, 9, 2));
      });
      const state = await reopen(dir);
      assert.deepEqual(shape(state.entries), [...shape(entries(1, 5, 1)), ...shape(entries(6, 9, 2))]);
      assert.equal(state.lastIndex, 9);
    });
  });

  test('an append cutting back across segments deletes the later segments and truncates the one holding the cut', async () => {
    await withDir(async (dir) => {
      const options = { segmentBytes: 4 * recordSize(1, 1) };
      await withLog(dir, options, async (log) => {
        await log.append(entries(1, 14, 1)); // segments from 1, 5, 9, 13
        assert.deepEqual((await segmentNames(dir)).map(firstIndexOf), [1, 5, 9, 13]);
        await log.append(entries(7, 8, 2));
        assert.deepEqual((await segmentNames(dir)).map(firstIndexOf), [1, 5]);
        // Cutting exactly at a segment's first index leaves that segment empty.
        await log.append(entries(5, 5, 3));
        await log.append(entries(6, 7, 3));
      });
      let state = await reopen(dir, options);
      assert.deepEqual(shape(state.entries), [...shape(entries(1, 4, 1)), ...shape(entries(5, 7, 3))]);
      // Back to the very first index.
      await withLog(dir, options, async (log) => {
        await log.append(entries(1, 2, 4));
      });
      state = await reopen(dir, options);
      assert.deepEqual(shape(state.entries), shape(entries(1, 2, 4)));
    });
  });

  test('a cutting append waits for the appends queued before it', async () => {
    await withDir(async (dir) => {
      await withLog(dir, {}, async (log) => {
        const order: string[] = [];
        const first = log.append(entries(1, 10, 1)).then(() => order.push('first'));
        const cut = log.append(entries(4, 5, 2)).then(() => order.push('cut'));
        const after = log.append(entries(6, 6, 2)).then(() => order.push('after'));
        assert.equal(log.lastIndex, 6);
        await Promise.all([first, cut, after]);
        assert.deepEqual(order, ['first', 'cut', 'after']);
        assert.equal(log.stats.truncations, 1);
      });
      assert.deepEqual(shape((await reopen(dir)).entries), [...shape(entries(1, 3, 1)), ...shape(entries(4, 6, 2))]);
    });
  });

  test('an append leaving a gap, or at a compacted index, is refused and the log goes on', async () => {
    await withDir(async (dir) => {
      await withLog(dir, {}, async (log) => {
        await log.append(entries(1, 5, 1));
        await assert.rejects(log.append(entries(7, 8, 1)), isCode(ErrorCode.INVALID_ARGUMENT));
        await assert.rejects(log.append([entry(6, 1), entry(8, 1)]), isCode(ErrorCode.INVALID_ARGUMENT));
        await log.compact(3, 1);
        await assert.rejects(log.append(entries(3, 4, 2)), isCode(ErrorCode.INVALID_ARGUMENT));
        assert.equal(log.lastIndex, 5);
        await log.append(entries(6, 6, 1));
      });
      assert.equal((await reopen(dir)).lastIndex, 6);
    });
  });

  test('a torn last record is cut at every byte offset and the earlier records survive', async () => {
    await withDir(async (dir) => {
      await withLog(dir, {}, async (log) => {
        for (let i = 1; i <= 5; i++) await log.append([entry(i, 1)]);
      });
      const [name] = await segmentNames(dir);
      const file = path.join(dir, name);
      const whole = await fs.readFile(file);
      const lastStart = whole.length - recordSize(5, 1);
      for (let length = lastStart; length < whole.length; length++) {
        await fs.writeFile(file, whole.subarray(0, length));
        const state = await reopen(dir);
        assert.deepEqual(shape(state.entries), shape(entries(1, 4, 1)), `file cut to ${length} bytes`);
        assert.equal((await fs.stat(file)).size, lastStart, `file cut to ${length} bytes`);
      }
      // Appends continue where the cut left off.
      await withLog(dir, {}, async (log) => {
        assert.equal(log.lastIndex, 4);
        await log.append(entries(5, 6, 2));
      });
      assert.deepEqual(shape((await reopen(dir)).entries).slice(3), [[4, 1], [5, 2], [6, 2]]);
    });
  });

  test('a corrupt last record or garbage after it is cut off', async () => {
    await withDir(async (dir) => {
      await withLog(dir, {}, async (log) => {
        await log.append(entries(1, 5, 1));
      });
      const file = path.join(dir, (await segmentNames(dir))[0]);
      const bytes = await fs.readFile(file);
      const size = bytes.length;
      bytes[size - 2] ^= 0x01; // a data byte of record 5
      await fs.writeFile(file, Buffer.concat([bytes, Buffer.from([0, 0, 0, 9, 1, 2, 3])]));
      assert.deepEqual(shape((await reopen(dir)).entries), shape(entries(1, 4, 1)));
      assert.equal((await fs.stat(file)).size, size - recordSize(5, 1));
    });
  });

  test('a corrupt record before the last one, or a missing segment, fails open with IO', async () => {
    await withDir(async (dir) => {
      const options = { segmentBytes: 4 * recordSize(1, 1) };
      await withLog(dir, options, async (log) => {
        await log.append(entries(1, 11, 1)); // segments from 1, 5, 9
      });
      const names = await segmentNames(dir);
      const flip = async (name: string, offset: number): Promise<Buffer> => {
        const file = path.join(dir, name);
        const original = await fs.readFile(file);
        const bytes = Buffer.from(original);
        bytes[offset] ^= 0x01;
        await fs.writeFile(file, bytes);
        return original;
      };
      // Record 10 of the last segment (9-11): intact records follow it.
      let original = await flip(names[2], recordSize(9, 1) + RECORD_HEADER_BYTES + 2);
      await assert.rejects(new RaftLog(dir, options).open(), isCode(ErrorCode.IO));
      await fs.writeFile(path.join(dir, names[2]), original);
      // Its length field: the record seems to run past the end of the file.
      original = await flip(names[2], recordSize(9, 1) + 1);
      await assert.rejects(new RaftLog(dir, options).open(), isCode(ErrorCode.IO));
      await fs.writeFile(path.join(dir, names[2]), original);
      // The last record of an older segment.
      original = await flip(names[0], 4 * recordSize(1, 1) - 1);
      await assert.rejects(new RaftLog(dir, options).open(), isCode(ErrorCode.IO));
      await fs.writeFile(path.join(dir, names[0]), original);
      // A segment missing from the middle of the chain.
      await fs.rename(path.join(dir, names[1]), path.join(dir, 'aside'));
      await assert.rejects(new RaftLog(dir, options).open(), isCode(ErrorCode.IO));
      await fs.rename(path.join(dir, 'aside'), path.join(dir, names[1]));
      assert.equal((await reopen(dir, options)).entries.length, 11, 'the repaired log opens whole');
    });
  });

  test('a page of the last round that never reached the disk cuts that round, not the acknowledged ones', async () => {
    await withDir(async (dir) => {
      const big = (index: number): Entry => ({ index, term: 1, type: EntryType.NORMAL, data: Buffer.alloc(1000, 0x40 + index) });
      await withLog(dir, {}, async (log) => {
        await log.append([big(1), big(2)]);
        await log.append(Array.from({ length: 20 }, (_, i) => big(3 + i))); // the last round, ~20 KB
      });
      const file = path.join(dir, (await segmentNames(dir))[0]);
      const bytes = await fs.readFile(file);
      bytes.fill(0, 3 * 4096, 4 * 4096); // a page in the middle of the round reads as zeros
      await fs.writeFile(file, bytes);
      const state = await reopen(dir);
      const damaged = Math.floor(3 * 4096 / (RECORD_HEADER_BYTES + 1000)) + 1; // the record the page starts in
      assert.deepEqual(state.entries.map((e) => e.index), Array.from({ length: damaged - 1 }, (_, i) => i + 1));
      for (const e of state.entries) assert.deepEqual(e.data, big(e.index).data);
    });
  });

  test('compact drops whole segments, and open skips the compacted entries of the first one', async () => {
    await withDir(async (dir) => {
      const options = { segmentBytes: 4 * recordSize(1, 1) };
      await withLog(dir, options, async (log) => {
        await log.append(entries(1, 10, 1)); // segments from 1, 5, 9
        await assert.rejects(log.compact(11, 1), isCode(ErrorCode.INVALID_ARGUMENT));
        await log.compact(6, 1);
        assert.equal(log.firstIndex, 7);
        assert.deepEqual((await segmentNames(dir)).map(firstIndexOf), [5, 9]);
        await log.compact(4, 1); // behind the compaction point: nothing to do
        assert.equal(log.firstIndex, 7);
      });
      let state = await reopen(dir, options);
      assert.deepEqual([state.snapshotIndex, state.snapshotTerm], [6, 1]);
      assert.deepEqual(shape(state.entries), shape(entries(7, 10, 1)));
      // Up to the last entry: the segment being written stays, and appends continue.
      await withLog(dir, options, async (log) => {
        await log.compact(10, 1);
        assert.deepEqual((await segmentNames(dir)).map(firstIndexOf), [9]);
        await log.append(entries(11, 11, 2));
      });
      state = await reopen(dir, options);
      assert.deepEqual([state.snapshotIndex, state.snapshotTerm, state.lastIndex], [10, 1, 11]);
      assert.deepEqual(shape(state.entries), [[11, 2]]);
    });
  });

  test('reset drops the whole log, and appends continue after the snapshot', async () => {
    await withDir(async (dir) => {
      const options = { segmentBytes: 4 * recordSize(1, 1) };
      await withLog(dir, options, async (log) => {
        await log.append(entries(1, 10, 1));
        await log.reset(6, 3); // below lastIndex: 7-10 (term 1) must not come back
        assert.deepEqual([log.firstIndex, log.lastIndex], [7, 6]);
        await log.append(entries(7, 8, 3));
      });
      let state = await reopen(dir, options);
      assert.deepEqual([state.snapshotIndex, state.snapshotTerm], [6, 3]);
      assert.deepEqual(shape(state.entries), shape(entries(7, 8, 3)));
      await withLog(dir, options, async (log) => {
        await log.reset(100, 5); // past lastIndex
        await assert.rejects(log.reset(50, 5), isCode(ErrorCode.INVALID_ARGUMENT));
        await log.append(entries(101, 101, 5));
      });
      state = await reopen(dir, options);
      assert.deepEqual([state.snapshotIndex, state.snapshotTerm, state.lastIndex], [100, 5, 101]);
      assert.deepEqual(shape(state.entries), [[101, 5]]);
      assert.equal((await segmentNames(dir)).length, 1);
    });
  });

  test('the hard state round-trips, concurrent saves coalesce, and it never goes back', async () => {
    await withDir(async (dir) => {
      await withLog(dir, {}, async (log) => {
        await log.saveHardState({ term: 1, vote: 'm1', commit: 0 });
        await Promise.all([
          log.saveHardState({ term: 2, vote: '', commit: 3 }),
          log.saveHardState({ term: 2, vote: 'm2', commit: 4 }),
          log.saveHardState({ term: 2, vote: 'm2', commit: 5 }),
        ]);
        assert.equal(log.stats.hardStateSaves, 2, 'three saves in one turn share one write');
        await assert.rejects(log.saveHardState({ term: 1, vote: 'm2', commit: 5 }), isCode(ErrorCode.INVALID_ARGUMENT));
        await assert.rejects(log.saveHardState({ term: 2, vote: 'm3', commit: 5 }), isCode(ErrorCode.INVALID_ARGUMENT));
      });
      assert.deepEqual((await reopen(dir)).hardState, { term: 2, vote: 'm2', commit: 5 });
      await withLog(dir, {}, async (log) => {
        await log.saveHardState({ term: 3, vote: 'maître-ü', commit: 9 });
      });
      assert.deepEqual((await reopen(dir)).hardState, { term: 3, vote: 'maître-ü', commit: 9 });
    });
  });

  test('a torn hard-state write keeps the previous state, and a leftover temp file is ignored', async () => {
    await withDir(async (dir) => {
      await withLog(dir, {}, async (log) => {
        await log.saveHardState({ term: 4, vote: 'm1', commit: 2 }); // slot 1
        await log.saveHardState({ term: 5, vote: 'm3', commit: 2 }); // slot 0, the newest
      });
      const file = path.join(dir, HARD_STATE_FILE);
      const bytes = await fs.readFile(file);
      bytes[20] ^= 0xff; // the newest slot's body, as a write torn by a crash would leave it
      await fs.writeFile(file, bytes);
      await fs.writeFile(path.join(dir, `${HARD_STATE_FILE}.tmp`), Buffer.from([1, 2, 3]));
      assert.deepEqual((await reopen(dir)).hardState, { term: 4, vote: 'm1', commit: 2 });
      assert.ok(!(await fs.readdir(dir)).includes(`${HARD_STATE_FILE}.tmp`));
    });
    // A crash while the file was first created leaves only the temp file.
    await withDir(async (dir) => {
      await fs.writeFile(path.join(dir, `${HARD_STATE_FILE}.tmp`), Buffer.alloc(100, 9));
      assert.deepEqual((await reopen(dir)).hardState, { term: 0, vote: '', commit: 0 });
    });
  });

  test('a crash at any step of a reset, a cut or a compaction leaves the old log or the new one, never a mix', async () => {
    const options = { segmentBytes: 4 * recordSize(1, 1) };
    const old = entries(1, 14, 1); // segments from 1, 5, 9, 13
    const steps: Array<{ name: string; run: (log: RaftLog) => Promise<void>; check: (state: RaftLogState) => void }> = [
      {
        name: 'reset to 6 (below lastIndex)',
        run: (log) => log.reset(6, 3),
        check: (s) => {
          if (s.snapshotIndex === 0) assert.deepEqual(shape(s.entries), shape(old));
          else assert.deepEqual([s.snapshotIndex, s.snapshotTerm, s.entries.length], [6, 3, 0]);
        },
      },
      {
        name: 'cut from 3 across segments',
        run: (log) => log.append(entries(3, 5, 2)),
        check: (s) => {
          const got = shape(s.entries);
          assert.deepEqual(got.slice(0, 2), [[1, 1], [2, 1]]);
          const rest = got.slice(2);
          // What follows 2 is a prefix of the old suffix or of the new one.
          const prefixOf = (list: Entry[]): boolean => JSON.stringify(shape(list).slice(0, rest.length)) === JSON.stringify(rest);
          assert.ok(prefixOf(old.slice(2)) || prefixOf(entries(3, 5, 2)), `a mix: ${JSON.stringify(got)}`);
        },
      },
      {
        name: 'compact up to 9',
        run: (log) => log.compact(9, 1),
        check: (s) => {
          assert.ok(s.snapshotIndex === 0 || s.snapshotIndex === 9, `snapshot at ${s.snapshotIndex}`);
          assert.deepEqual(shape(s.entries), shape(old.filter((e) => e.index > s.snapshotIndex)));
        },
      },
    ];
    for (const step of steps) {
      let completed = false;
      for (let k = 0; !completed; k++) {
        assert.ok(k < 40, `${step.name} never completed`);
        await withDir(async (dir) => {
          await withLog(dir, options, (log) => log.append(old));
          const log = new RaftLog(dir, options);
          await log.open();
          const { calls, error } = await withFaultAt(dir, k, () => step.run(log));
          await log.close();
          completed = calls <= k;
          assert.equal(error === undefined, completed, `${step.name}, fault at step ${k}: ${String(error)}`);
          const state = await reopen(dir, options);
          step.check(state);
          // Whatever survived, the log takes appends after it.
          await withLog(dir, options, (l) => l.append([entry(l.lastIndex + 1, 7)]));
          assert.equal((await reopen(dir, options)).lastIndex, state.lastIndex + 1, `${step.name}, fault at step ${k}`);
        });
      }
    }
  });

  test('a failed fdatasync fails the log: pending and later calls reject with IO', async () => {
    await withDir(async (dir) => {
      const proto = await fileHandleProto(dir);
      const realDatasync = proto.datasync;
      await withLog(dir, {}, async (log) => {
        await log.append(entries(1, 3, 1));
        let syncs = 0;
        proto.datasync = async function failingDatasync(this: FileHandle): Promise<void> {
          syncs++;
          throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
        };
        try {
          const inFlight = log.append([entry(4, 1)]);
          await new Promise((r) => setImmediate(r)); // its round is now syncing
          const queued = log.append([entry(5, 1)]);
          await assert.rejects(inFlight, isCode(ErrorCode.IO));
          await assert.rejects(queued, isCode(ErrorCode.IO));
          await assert.rejects(log.append([entry(6, 1)]), isCode(ErrorCode.IO));
          await assert.rejects(log.saveHardState({ term: 1, vote: '', commit: 0 }), isCode(ErrorCode.IO));
          await assert.rejects(log.compact(2, 1), isCode(ErrorCode.IO));
          assert.equal(syncs, 1, 'a lost fsync is never retried');
        } finally {
          proto.datasync = realDatasync;
        }
      });
      // Recovery keeps whatever reached the disk; the acknowledged entries are there.
      assert.deepEqual(shape((await reopen(dir)).entries).slice(0, 3), shape(entries(1, 3, 1)));
    });
  });

  test('calls before open or after close fail with CLOSED; close waits for pending appends and is safe twice', async () => {
    await withDir(async (dir) => {
      const log = new RaftLog(dir);
      await assert.rejects(log.append([entry(1, 1)]), isCode(ErrorCode.CLOSED));
      await log.open();
      const pending = log.append(entries(1, 10, 1));
      const saved = log.saveHardState({ term: 1, vote: 'm1', commit: 0 });
      await Promise.all([log.close(), log.close()]);
      await Promise.all([pending, saved]);
      await assert.rejects(log.append([entry(11, 1)]), isCode(ErrorCode.CLOSED));
      await assert.rejects(log.compact(5, 1), isCode(ErrorCode.CLOSED));
      await assert.rejects(log.reset(20, 1), isCode(ErrorCode.CLOSED));
      await assert.rejects(log.saveHardState({ term: 2, vote: '', commit: 0 }), isCode(ErrorCode.CLOSED));
      await assert.rejects(log.open(), isCode(ErrorCode.CLOSED));
      const state = await reopen(dir);
      assert.equal(state.entries.length, 10);
      assert.deepEqual(state.hardState, { term: 1, vote: 'm1', commit: 0 });
    });
  });

  test('every append acknowledged before a SIGKILL is there after reopen, with its term', async () => {
    await withDir(async (root) => {
      const child = path.join(__dirname, 'log-crash-child.js');
      const dir = path.join(root, 'log');
      /** index -> term of the last acknowledged append there, not cut or compacted since. */
      const expected = new Map<number, number>();
      let cuts = 0;
      let compactions = 0;
      for (let run = 0; run < 4; run++) {
        const reportFile = path.join(root, `report-${run}`);
        const proc = spawn(process.execPath, [child, dir, '32', reportFile], { stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '';
        proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
        const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
        await new Promise<void>((resolve, reject) => {
          proc.stdout.once('data', () => setTimeout(resolve, Math.random() * 300)); // a random moment once it is ready
          proc.on('exit', () => reject(new Error(`child exited early: ${err}`)));
        });
        proc.kill('SIGKILL');
        assert.equal(await exited, 'SIGKILL', err);
        const lines = (await fs.readFile(reportFile, 'utf8')).split('\n');
        lines.pop(); // '' after the last newline (a line is one write, whole or not at all)
        assert.ok(lines.some((line) => line.startsWith('ack ')), `run ${run}: nothing was acknowledged`);
        for (const line of lines) {
          const [what, a, b, c] = line.split(' ');
          if (what === 'ack') for (let i = Number(a); i <= Number(b); i++) expected.set(i, Number(c));
          else if (what === 'cut') {
            cuts++;
            for (const i of [...expected.keys()]) if (i >= Number(a)) expected.delete(i);
          } else if (what === 'compact') {
            compactions++;
            for (const i of [...expected.keys()]) if (i <= Number(a)) expected.delete(i);
          }
        }

        // A kill rarely tears a write (only a multi-page one, between pages),
        // so on every other run add what a power cut could leave: a partial
        // next round, which recovery must cut without touching acked records.
        const segments = await segmentNames(dir);
        if (run % 2 === 1) {
          const garbage = Buffer.alloc(1 + Math.floor(Math.random() * 40));
          for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(Math.random() * 256);
          await fs.appendFile(path.join(dir, segments[segments.length - 1]), garbage);
        }

        const state = await reopen(dir, { segmentBytes: CRASH_SEGMENT_BYTES });
        let prevTerm = state.snapshotTerm;
        state.entries.forEach((e, i) => {
          assert.equal(e.index, state.snapshotIndex + 1 + i, 'the log is gapless after the compaction point');
          assert.ok(e.term >= prevTerm, `term goes back at ${e.index}`);
          assert.ok(e.data.equals(crashData(e.index, e.term)), `data of ${e.index}`);
          prevTerm = e.term;
        });
        for (const [index, term] of expected) {
          const got = state.entries[index - state.snapshotIndex - 1];
          assert.ok(got && got.index === index, `acknowledged index ${index} is missing (log ${state.snapshotIndex}..${state.lastIndex})`);
          assert.equal(got.term, term, `term of ${index}`);
        }
      }
      assert.ok(cuts >= 4 && compactions >= 4, `cuts ${cuts}, compactions ${compactions}`);
    });
  });
});
