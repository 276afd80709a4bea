import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { ErrorCode, StrataError } from '../../src/common/errors';
import type { JournalRecord } from '../../src/master/journal/journal';
import { LocalJournal, RECORD_HEADER_BYTES, segmentFileName } from '../../src/master/journal/local-journal';
import { crashPayload } from './journal-crash-child';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-journal-'));
  try {
    await fn(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Opens a journal, runs fn, and closes it even if fn throws. */
async function withJournal(
  dir: string,
  options: { segmentBytes?: number },
  fn: (journal: LocalJournal) => Promise<void>,
): Promise<void> {
  const journal = new LocalJournal(dir, options);
  await journal.open();
  try {
    await fn(journal);
  } finally {
    await journal.close();
  }
}

async function readAll(journal: LocalJournal, afterIndex = 0): Promise<JournalRecord[]> {
  const out: JournalRecord[] = [];
  for await (const rec of journal.read(afterIndex)) out.push(rec);
  return out;
}

function payload(i: number): Buffer {
  return Buffer.from(`entry-${i}`);
}

/** Appends payload(1..n) (continuing from lastIndex) and waits until durable. */
async function appendMany(journal: LocalJournal, n: number, make = payload): Promise<void> {
  const handles = [];
  for (let i = 0; i < n; i++) handles.push(journal.append(make(journal.lastIndex + 1)));
  await Promise.all(handles.map((h) => h.durable));
}

async function segmentNames(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((n) => n.endsWith('.log')).sort();
}

function isCode(code: string): (err: unknown) => boolean {
  return (err: unknown) => err instanceof StrataError && err.code === code;
}

describe('LocalJournal', () => {
  test('a fresh directory is created and holds an empty log starting at 1', async () => {
    await withDir(async (root) => {
      const dir = path.join(root, 'a', 'journal');
      await withJournal(dir, {}, async (journal) => {
        assert.equal(journal.firstIndex, 1);
        assert.equal(journal.lastIndex, 0);
        assert.deepEqual(await readAll(journal), []);
      });
      assert.deepEqual(await segmentNames(dir), ['00000000000000000001.log']);
    });
  });

  test('appends survive a reopen in order', async () => {
    await withDir(async (dir) => {
      await withJournal(dir, {}, async (journal) => {
        await appendMany(journal, 50);
        assert.equal(journal.lastIndex, 50);
      });
      await withJournal(dir, {}, async (journal) => {
        assert.equal(journal.firstIndex, 1);
        assert.equal(journal.lastIndex, 50);
        const recs = await readAll(journal);
        assert.deepEqual(recs.map((r) => r.index), Array.from({ length: 50 }, (_, i) => i + 1));
        for (const r of recs) assert.deepEqual(r.payload, payload(r.index));
        await appendMany(journal, 5);
        assert.equal(journal.lastIndex, 55);
      });
      await withJournal(dir, {}, async (journal) => {
        assert.equal((await readAll(journal, 50)).length, 5);
      });
    });
  });

  test('indexes are assigned at once in call order and durable resolves in index order', async () => {
    await withDir(async (dir) => {
      await withJournal(dir, {}, async (journal) => {
        const resolved: number[] = [];
        const waits: Promise<void>[] = [];
        for (let i = 1; i <= 200; i++) {
          const h = journal.append(payload(i));
          assert.equal(h.index, i);
          assert.equal(journal.lastIndex, i);
          waits.push(h.durable.then(() => void resolved.push(h.index)));
          // Let some rounds start mid-stream.
          if (i % 37 === 0) await new Promise((r) => setImmediate(r));
        }
        await Promise.all(waits);
        assert.deepEqual(resolved, Array.from({ length: 200 }, (_, i) => i + 1));
        assert.equal(journal.durableIndex, 200);
      });
    });
  });

  test('concurrent appends share fsyncs (group commit)', async () => {
    await withDir(async (dir) => {
      await withJournal(dir, {}, async (journal) => {
        const before = journal.stats.syncs;
        await appendMany(journal, 100);
        assert.equal(journal.stats.syncs - before, 1, '100 appends in one turn share one round');

        // Appends made while a round is syncing go together in the next one.
        const first = journal.append(payload(101));
        await new Promise((r) => setImmediate(r)); // round 1 is now in flight
        const rest = Array.from({ length: 50 }, (_, i) => journal.append(payload(102 + i)));
        await Promise.all([first.durable, ...rest.map((h) => h.durable)]);
        assert.ok(journal.stats.syncs - before <= 3, `syncs: ${journal.stats.syncs - before}`);
        assert.equal(journal.stats.records, 151);

        // One at a time, each append needs its own round.
        const syncsBefore = journal.stats.syncs;
        for (let i = 0; i < 5; i++) await journal.append(payload(journal.lastIndex + 1)).durable;
        assert.equal(journal.stats.syncs - syncsBefore, 5);
      });
    });
  });

  test('the payload is copied, so the caller may reuse its buffer at once', async () => {
    await withDir(async (dir) => {
      await withJournal(dir, {}, async (journal) => {
        const buf = Buffer.from('original');
        const h = journal.append(buf);
        buf.write('clobbers');
        await h.durable;
        const [rec] = await readAll(journal);
        assert.equal(rec.payload.toString(), 'original');
      });
    });
  });

  test('read returns only durable records', async () => {
    await withDir(async (dir) => {
      await withJournal(dir, {}, async (journal) => {
        await appendMany(journal, 3);
        const h = journal.append(payload(4));
        const recs = await readAll(journal); // 4 is not synced yet when the read starts
        assert.deepEqual(recs.map((r) => r.index), [1, 2, 3]);
        await h.durable;
        assert.deepEqual((await readAll(journal)).map((r) => r.index), [1, 2, 3, 4]);
      });
    });
  });

  test('segments roll at segmentBytes and are named by their first index', async () => {
    await withDir(async (dir) => {
      // payload(i) for i < 10 is 7 bytes: 23-byte records, 4 per 100-byte segment.
      await withJournal(dir, { segmentBytes: 100 }, async (journal) => {
        await appendMany(journal, 9);
        assert.equal(journal.stats.segmentsCreated, 3); // 1 at open, then 5 and 9
      });
      assert.deepEqual(await segmentNames(dir), [segmentFileName(1), segmentFileName(5), segmentFileName(9)]);
      assert.equal((await fs.stat(path.join(dir, segmentFileName(1)))).size, 4 * (RECORD_HEADER_BYTES + 7));
      // A record bigger than a segment gets one of its own.
      await withJournal(dir, { segmentBytes: 100 }, async (journal) => {
        await appendMany(journal, 1, () => Buffer.alloc(500, 7));
        await appendMany(journal, 1);
        assert.deepEqual((await readAll(journal, 8)).map((r) => r.payload.length), [7, 500, 8]);
      });
      assert.deepEqual((await segmentNames(dir)).slice(-2), [segmentFileName(10), segmentFileName(11)]);
    });
  });

  test('read after a given index starts exactly there across segment boundaries', async () => {
    await withDir(async (dir) => {
      await withJournal(dir, { segmentBytes: 120 }, async (journal) => {
        await appendMany(journal, 40);
        assert.ok((await segmentNames(dir)).length > 5);
        for (let after = 0; after <= 41; after++) {
          const recs = await readAll(journal, after);
          const expected = Array.from({ length: Math.max(0, 40 - after) }, (_, i) => after + 1 + i);
          assert.deepEqual(recs.map((r) => r.index), expected, `after ${after}`);
          for (const r of recs) assert.deepEqual(r.payload, payload(r.index));
        }
      });
    });
  });

  test('records larger than the read chunk are read back whole', async () => {
    await withDir(async (dir) => {
      const big = (i: number): Buffer => Buffer.alloc(1_500_000 + i, i);
      await withJournal(dir, {}, async (journal) => {
        await appendMany(journal, 3, big);
      });
      await withJournal(dir, {}, async (journal) => {
        const recs = await readAll(journal);
        assert.equal(recs.length, 3);
        for (const r of recs) assert.ok(r.payload.equals(big(r.index)), `record ${r.index}`);
      });
    });
  });

  test('compact drops only segments that are wholly covered', async () => {
    await withDir(async (dir) => {
      await withJournal(dir, { segmentBytes: 100 }, async (journal) => {
        await appendMany(journal, 10); // segments 1-4, 5-8, 9-10
        await journal.compact(6);
        assert.equal(journal.firstIndex, 5);
        assert.deepEqual(await segmentNames(dir), [segmentFileName(5), segmentFileName(9)]);
        assert.deepEqual((await readAll(journal, 4)).map((r) => r.index), [5, 6, 7, 8, 9, 10]);
        await assert.rejects(readAll(journal, 3), isCode(ErrorCode.NOT_FOUND));

        // The segment being written is never deleted, even when covered.
        await journal.compact(100);
        assert.deepEqual(await segmentNames(dir), [segmentFileName(9)]);
        assert.equal(journal.firstIndex, 9);
        assert.equal(journal.lastIndex, 10);
        await appendMany(journal, 1);
      });
      await withJournal(dir, { segmentBytes: 100 }, async (journal) => {
        assert.equal(journal.firstIndex, 9);
        assert.equal(journal.lastIndex, 11);
        assert.deepEqual((await readAll(journal, 8)).map((r) => r.index), [9, 10, 11]);
      });
    });
  });

  test('a torn last record is cut off on recovery and appends continue after it', async () => {
    await withDir(async (dir) => {
      await withJournal(dir, {}, async (journal) => {
        await appendMany(journal, 5);
      });
      const file = path.join(dir, segmentFileName(1));
      const size = (await fs.stat(file)).size;
      await fs.truncate(file, size - 3); // record 5 lost its last bytes
      await withJournal(dir, {}, async (journal) => {
        assert.equal(journal.lastIndex, 4);
        assert.equal((await fs.stat(file)).size, size - (RECORD_HEADER_BYTES + 7));
        const h = journal.append(Buffer.from('after the tear'));
        assert.equal(h.index, 5);
        await h.durable;
      });
      await withJournal(dir, {}, async (journal) => {
        const recs = await readAll(journal);
        assert.deepEqual(recs.map((r) => r.index), [1, 2, 3, 4, 5]);
        assert.equal(recs[4].payload.toString(), 'after the tear');
      });
    });
  });

  test('a partial header after the last record is cut off', async () => {
    await withDir(async (dir) => {
      await withJournal(dir, {}, async (journal) => {
        await appendMany(journal, 2);
      });
      const file = path.join(dir, segmentFileName(1));
      await fs.appendFile(file, Buffer.from([0, 0, 0, 9, 1, 2]));
      await withJournal(dir, {}, async (journal) => {
        assert.equal(journal.lastIndex, 2);
        assert.equal((await fs.stat(file)).size, 2 * (RECORD_HEADER_BYTES + 7));
      });
    });
  });

  test('a corrupted checksum in the tail is cut off with everything after it', async () => {
    await withDir(async (dir) => {
      await withJournal(dir, {}, async (journal) => {
        await appendMany(journal, 5);
      });
      const file = path.join(dir, segmentFileName(1));
      const bytes = await fs.readFile(file);
      const record = RECORD_HEADER_BYTES + 7;
      bytes[3 * record + RECORD_HEADER_BYTES + 2] ^= 0xff; // a payload byte of record 4
      await fs.writeFile(file, bytes);
      await withJournal(dir, {}, async (journal) => {
        assert.equal(journal.lastIndex, 3);
        assert.deepEqual((await readAll(journal)).map((r) => r.index), [1, 2, 3]);
        assert.equal((await fs.stat(file)).size, 3 * record);
      });
    });
  });

  test('a well-formed record with the wrong index fails open instead of being cut', async () => {
    await withDir(async (dir) => {
      await withJournal(dir, {}, async (journal) => {
        await appendMany(journal, 2);
      });
      // A valid record claiming index 7 where 3 belongs: not a torn write, so
      // recovery must not silently drop it.
      const body = Buffer.alloc(8 + 3);
      body.writeBigUInt64BE(7n, 0);
      body.write('odd', 8);
      const header = Buffer.alloc(8);
      header.writeUInt32BE(3, 0);
      header.writeUInt32BE(zlib.crc32(body), 4);
      await fs.appendFile(path.join(dir, segmentFileName(1)), Buffer.concat([header, body]));
      const journal = new LocalJournal(dir);
      await assert.rejects(journal.open(), isCode(ErrorCode.IO));
    });
  });

  test('an empty last segment (a crash right after a roll) is kept and appended to', async () => {
    await withDir(async (dir) => {
      await withJournal(dir, { segmentBytes: 100 }, async (journal) => {
        await appendMany(journal, 4);
      });
      await fs.writeFile(path.join(dir, segmentFileName(5)), Buffer.alloc(0));
      await withJournal(dir, { segmentBytes: 100 }, async (journal) => {
        assert.equal(journal.lastIndex, 4);
        await appendMany(journal, 1);
      });
      assert.deepEqual(await segmentNames(dir), [segmentFileName(1), segmentFileName(5)]);
      assert.ok((await fs.stat(path.join(dir, segmentFileName(5)))).size > 0);
    });
  });

  test('a corrupt record in the middle of an older segment fails open with IO', async () => {
    await withDir(async (dir) => {
      await withJournal(dir, { segmentBytes: 100 }, async (journal) => {
        await appendMany(journal, 9);
      });
      const file = path.join(dir, segmentFileName(1));
      const bytes = await fs.readFile(file);
      bytes[RECORD_HEADER_BYTES + 1] ^= 0x01; // a payload byte of record 1, with records after it
      await fs.writeFile(file, bytes);
      const journal = new LocalJournal(dir, { segmentBytes: 100 });
      await assert.rejects(journal.open(), isCode(ErrorCode.IO));
      await journal.close();
    });
  });

  test('a missing segment in the middle of the chain fails open with IO', async () => {
    await withDir(async (dir) => {
      await withJournal(dir, { segmentBytes: 100 }, async (journal) => {
        await appendMany(journal, 12);
      });
      await fs.unlink(path.join(dir, segmentFileName(5)));
      const journal = new LocalJournal(dir, { segmentBytes: 100 });
      await assert.rejects(journal.open(), isCode(ErrorCode.IO));
    });
  });

  test('append after close fails with CLOSED, and close is safe to call twice', async () => {
    await withDir(async (dir) => {
      const journal = new LocalJournal(dir);
      assert.throws(() => journal.append(payload(1)), isCode(ErrorCode.CLOSED)); // not open yet
      await journal.open();
      const pending = Array.from({ length: 10 }, (_, i) => journal.append(payload(i + 1)));
      const closing = journal.close();
      assert.throws(() => journal.append(payload(11)), isCode(ErrorCode.CLOSED));
      await Promise.all([closing, journal.close()]);
      // close waited for the appends made before it.
      await Promise.all(pending.map((h) => h.durable));
      assert.equal(journal.durableIndex, 10);
      assert.throws(() => journal.append(payload(11)), isCode(ErrorCode.CLOSED));
      await assert.rejects(readAll(journal), isCode(ErrorCode.CLOSED));
      await assert.rejects(journal.compact(5), isCode(ErrorCode.CLOSED));
      await withJournal(dir, {}, async (reopened) => assert.equal(reopened.lastIndex, 10));
    });
  });

  test('a failed fdatasync fails every pending and later append with IO', async () => {
    await withDir(async (dir) => {
      // Reach FileHandle.prototype through a handle: node:fs does not export the class.
      const probe = await fs.open(path.join(dir, 'probe'), 'w');
      const proto: { datasync: (this: FileHandle) => Promise<void> } = Object.getPrototypeOf(probe);
      await probe.close();
      const realDatasync = proto.datasync;
      await withJournal(dir, {}, async (journal) => {
        await appendMany(journal, 3);
        let syncs = 0;
        proto.datasync = async function failingDatasync(this: FileHandle): Promise<void> {
          syncs++;
          throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
        };
        try {
          const inFlight = journal.append(payload(4));
          await new Promise((r) => setImmediate(r)); // its round is now syncing
          const buffered = journal.append(payload(5));
          await assert.rejects(inFlight.durable, isCode(ErrorCode.IO));
          await assert.rejects(buffered.durable, isCode(ErrorCode.IO));
          assert.throws(() => journal.append(payload(6)), isCode(ErrorCode.IO));
          assert.equal(syncs, 1, 'a lost fsync is never retried');
          assert.equal(journal.durableIndex, 3);
        } finally {
          proto.datasync = realDatasync;
        }
      });
      // Recovery keeps whatever reached the disk; the acknowledged records are there.
      await withJournal(dir, {}, async (journal) => {
        assert.ok(journal.lastIndex >= 3);
        const recs = await readAll(journal);
        assert.deepEqual(recs.slice(0, 3).map((r) => r.index), [1, 2, 3]);
      });
    });
  });

  test('every index printed as durable survives a SIGKILL', async () => {
    await withDir(async (dir) => {
      const child = path.join(__dirname, 'journal-crash-child.js');
      const printed = new Set<number>();
      for (let run = 0; run < 3; run++) {
        const proc = spawn(process.execPath, [child, dir, '48'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
        const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
        await new Promise<void>((resolve, reject) => {
          proc.stdout.on('data', (d: Buffer) => {
            if (out === '') setTimeout(resolve, 50 + Math.random() * 250); // kill a random moment after it started
            out += d.toString();
          });
          proc.on('exit', () => reject(new Error(`child exited early: ${err}`)));
        });
        proc.kill('SIGKILL');
        assert.equal(await exited, 'SIGKILL', err);
        let opened = -1;
        for (const line of out.split('\n')) {
          if (line.startsWith('open ')) opened = Number(line.slice(5));
          else if (line !== '') printed.add(Number(line));
        }
        assert.ok(opened >= 0 && printed.size > 0);

        // A kill rarely tears a write() (only a multi-page one, between pages),
        // so on every other run add what a power cut could leave: a partial
        // next round, which recovery must cut without touching acked records.
        const segments = await segmentNames(dir);
        const last = path.join(dir, segments[segments.length - 1]);
        const sizeBefore = (await fs.stat(last)).size;
        if (run % 2 === 1) {
          const garbage = Buffer.alloc(1 + Math.floor(Math.random() * 40));
          for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(Math.random() * 256);
          await fs.appendFile(last, garbage);
        }

        const journal = new LocalJournal(dir, { segmentBytes: 16 * 1024 });
        await journal.open();
        try {
          const found = new Map<number, Buffer>();
          for await (const rec of journal.read(0)) found.set(rec.index, rec.payload);
          assert.equal(found.size, journal.lastIndex, 'the log is gapless from 1');
          // (A kill can itself leave a short multi-page write, so "at most".)
          assert.ok((await fs.stat(last)).size <= sizeBefore, 'recovery cut the partial round');
          for (const index of printed) {
            const got = found.get(index);
            assert.ok(got, `durable index ${index} is missing (last ${journal.lastIndex})`);
            assert.ok(got.equals(crashPayload(index)), `payload of ${index}`);
          }
        } finally {
          await journal.close();
        }
      }
    });
  });
});
