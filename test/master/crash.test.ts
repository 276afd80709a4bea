// Real master processes (`node bin/strata master start`), killed and
// restarted on the same data directory.
//
// The SIGKILL test: WORKERS workers, each owning a fresh directory, each send
// one mutation at a time (createFile, mkdir, renames of files and
// directories, replacing renames, deletes), so WORKERS mutations are in
// flight at any moment and share group commits. Each worker keeps a model of
// its directory, advanced only by acknowledged mutations. After a random
// 300-800 ms of load the master is SIGKILLed and restarted; every worker's
// directory must then equal its model exactly, or its model plus the one
// mutation that was in flight (which may or may not have become durable).
// So every acknowledged mutation is there, none is applied twice or half,
// and nothing else appeared. Then the next round runs on the restarted
// master; directories of earlier rounds must stay as they were verified.
//
// Each round uses fresh directories on purpose: a crash between a mutation's
// under store change and its journal entry leaves the two apart (e.g. a
// directory renamed in the under store but not in the namespace), and later
// renames of that directory would then fail; that is a known limit of the
// current design (see the report that came with this test), not what this
// test is about.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import type { StrataFileSystem } from '../../src/client/file-system';
import type { FileInfo, MasterInfo } from '../../src/common/api';
import { RaftLog } from '../../src/raft/log';
import { RocksStore, metaKey, readU64 } from '../../src/master/rocks-store';
import {
  MasterProcess,
  Rng,
  apiInvariantProblems,
  codeOf,
  diffViews,
  hostDirs,
  makeTempDir,
  newClient,
  removeDir,
  scanRocks,
  seedFrom,
  walkApi,
  walkApiFull,
} from './harness';

const WORKERS = 48;
const ROUNDS = 2;
const MAX_DIR_DEPTH = 3;

// ------------------------------------------------------------------ model

interface Entry {
  type: 'DIRECTORY' | 'FILE';
  /** -1: made by the mutation in flight at the kill; its id was never acknowledged. */
  id: number;
}

/** A worker's directory: relative path ('a/b') -> entry. */
type Tree = Map<string, Entry>;

type CrashOp =
  | { kind: 'createFile'; path: string }
  | { kind: 'mkdir'; path: string }
  | { kind: 'rename'; src: string; dst: string }
  | { kind: 'delete'; path: string };

function applyOp(tree: Tree, op: CrashOp, id: number): void {
  switch (op.kind) {
    case 'createFile':
      tree.set(op.path, { type: 'FILE', id });
      return;
    case 'mkdir':
      tree.set(op.path, { type: 'DIRECTORY', id });
      return;
    case 'delete':
      tree.delete(op.path);
      return;
    case 'rename': {
      const moved: Array<[string, Entry]> = [];
      for (const [p, e] of tree) {
        if (p === op.src || p.startsWith(op.src + '/')) moved.push([p, e]);
      }
      for (const [p] of moved) tree.delete(p);
      for (const [p, e] of moved) tree.set(op.dst + p.slice(op.src.length), e);
    }
  }
}

/** A mutation that must succeed on the tree (the model knows the state exactly). */
function pickOp(rng: Rng, tree: Tree, next: () => number): CrashOp {
  const dirs = [''];
  const files: string[] = [];
  for (const [p, e] of tree) (e.type === 'DIRECTORY' ? dirs : files).push(p);
  const depth = (p: string) => (p === '' ? 0 : p.split('/').length);
  const under = (dir: string, name: string) => (dir === '' ? name : `${dir}/${name}`);
  const shallowDirs = dirs.filter((d) => depth(d) < MAX_DIR_DEPTH);
  const r = rng.next();
  if (r < 0.35 || (files.length === 0 && dirs.length === 1)) return { kind: 'createFile', path: under(rng.pick(dirs), `f${next()}`) };
  if (r < 0.55) return { kind: 'mkdir', path: under(rng.pick(shallowDirs), `d${next()}`) };
  if (r < 0.8 && files.length > 0) {
    const src = rng.pick(files);
    const others = files.filter((f) => f !== src);
    // A rename onto another file replaces it.
    const dst = others.length > 0 && rng.chance(0.25) ? rng.pick(others) : under(rng.pick(dirs), `m${next()}`);
    return { kind: 'rename', src, dst };
  }
  if (r < 0.95 && dirs.length > 1) {
    const src = rng.pick(dirs.slice(1));
    const targets = shallowDirs.filter((d) => d !== src && !d.startsWith(src + '/'));
    if (targets.length > 0) return { kind: 'rename', src, dst: under(rng.pick(targets), `m${next()}`) };
  }
  if (files.length > 0) return { kind: 'delete', path: rng.pick(files) };
  return { kind: 'createFile', path: under(rng.pick(dirs), `f${next()}`) };
}

async function send(fs: StrataFileSystem, base: string, op: CrashOp): Promise<number> {
  const abs = (p: string) => `${base}/${p}`;
  switch (op.kind) {
    case 'createFile':
      return Number((await fs.createFile(abs(op.path))).id);
    case 'mkdir':
      return Number((await fs.mkdir(abs(op.path))).id);
    case 'rename':
      await fs.rename(abs(op.src), abs(op.dst));
      return 0;
    case 'delete':
      await fs.delete(abs(op.path));
      return 0;
  }
}

/** Whether the actual tree is the model, ids included ('-1' matches any id). */
function sameTree(actual: Tree, model: Tree): boolean {
  if (actual.size !== model.size) return false;
  for (const [p, e] of model) {
    const a = actual.get(p);
    if (a === undefined || a.type !== e.type || (e.id !== -1 && a.id !== e.id)) return false;
  }
  return true;
}

function describeDiff(actual: Tree, model: Tree): string {
  const out: string[] = [];
  for (const [p, e] of model) {
    const a = actual.get(p);
    if (a === undefined) out.push(`missing ${p} (${e.type} ${e.id})`);
    else if (a.type !== e.type || (e.id !== -1 && a.id !== e.id)) out.push(`${p}: ${a.type} ${a.id}, model ${e.type} ${e.id}`);
  }
  for (const p of actual.keys()) if (!model.has(p)) out.push(`unexpected ${p}`);
  return out.slice(0, 10).join('; ');
}

async function readTree(fs: StrataFileSystem, base: string): Promise<Tree> {
  const tree: Tree = new Map();
  for (const [p, node] of await walkApi(fs, base)) {
    tree.set(p.slice(base.length + 1), { type: node.type === 'DIRECTORY' ? 'DIRECTORY' : 'FILE', id: node.id });
  }
  return tree;
}

interface Worker {
  base: string;
  rng: Rng;
  tree: Tree;
  inFlight: CrashOp | null;
  acked: number;
  counter: number;
  error: string | null;
}

/** Runs every worker until stop() is true; resolves when all have stopped. */
async function load(fs: StrataFileSystem, workers: Worker[], stopped: () => boolean): Promise<void> {
  await Promise.all(
    workers.map(async (w) => {
      while (!stopped()) {
        const op = pickOp(w.rng, w.tree, () => w.counter++);
        w.inFlight = op;
        let id: number;
        try {
          id = await send(fs, w.base, op);
        } catch (err) {
          // After the kill, failures are expected: the op stays "in flight".
          if (!stopped()) w.error = `${JSON.stringify(op)} failed before the kill: ${codeOf(err)} ${String(err)}`;
          return;
        }
        // An answer that arrived is an acknowledgement, even if the kill was already decided.
        applyOp(w.tree, op, id);
        w.inFlight = null;
        w.acked++;
      }
    }),
  );
}

async function masterInfo(fs: StrataFileSystem): Promise<MasterInfo> {
  return fs.master.call<MasterInfo>('getMasterInfo', {});
}

// ------------------------------------------------------------------ tests

describe('master crash and restart', () => {
  test('every acknowledged mutation survives a SIGKILL of the master, at two kill points', { timeout: 90_000 }, async (t) => {
    const seed = seedFrom('STRATA_CRASH_SEED');
    t.diagnostic(`seed ${seed} (rerun with STRATA_CRASH_SEED=${seed})`);
    const rng = new Rng(seed);
    const dataDir = await makeTempDir('crash');
    let proc: MasterProcess | null = null;
    const clients: StrataFileSystem[] = [];
    try {
      proc = await MasterProcess.start(dataDir);
      const port = proc.port;
      const done: Worker[] = []; // workers of earlier rounds, verified
      for (let round = 1; round <= ROUNDS; round++) {
        const fs = newClient(proc.address);
        clients.push(fs);
        await fs.mkdir(`/r${round}`);
        const workers: Worker[] = [];
        for (let i = 0; i < WORKERS; i++) {
          const base = `/r${round}/w${i}`;
          await fs.mkdir(base);
          workers.push({ base, rng: new Rng(seed ^ Math.imul(round * 1000 + i + 1, 0x9e3779b1)), tree: new Map(), inFlight: null, acked: 0, counter: 0, error: null });
        }

        const loadMs = 300 + rng.int(501);
        let killed = false;
        const running = load(fs, workers, () => killed);
        await new Promise((resolve) => setTimeout(resolve, loadMs));
        killed = true;
        const exit = await proc.kill('SIGKILL');
        assert.equal(exit.signal, 'SIGKILL');
        await fs.close(); // fails what is still pending: those calls stay "in flight"
        await running;
        const errors = workers.map((w) => w.error).filter((e) => e !== null);
        assert.deepEqual(errors, [], `seed ${seed}: mutations failed while the master was up`);
        const acked = workers.reduce((n, w) => n + w.acked, 0);
        assert.ok(acked >= WORKERS, `seed ${seed}: only ${acked} mutations were acknowledged in ${loadMs} ms`);

        proc = await MasterProcess.start(dataDir, port);
        const reader = newClient(proc.address);
        clients.push(reader);
        let appliedInFlight = 0;
        let inFlight = 0;
        const wrong: string[] = [];
        for (const w of workers) {
          const actual = await readTree(reader, w.base);
          if (sameTree(actual, w.tree)) {
            if (w.inFlight !== null) inFlight++;
          } else if (w.inFlight !== null) {
            const withOp = new Map(w.tree);
            applyOp(withOp, w.inFlight, -1);
            if (!sameTree(actual, withOp)) {
              wrong.push(`${w.base}: ${describeDiff(actual, w.tree)} (in flight: ${JSON.stringify(w.inFlight)})`);
              continue;
            }
            inFlight++;
            appliedInFlight++;
            w.tree = actual; // learn the id it got
          } else {
            wrong.push(`${w.base}: ${describeDiff(actual, w.tree)}`);
          }
          w.inFlight = null;
        }
        assert.deepEqual(wrong, [], `seed ${seed}: round ${round} (killed after ${loadMs} ms)`);
        for (const w of done) {
          const actual = await readTree(reader, w.base);
          assert.ok(sameTree(actual, w.tree), `seed ${seed}: ${w.base} changed after a later crash: ${describeDiff(actual, w.tree)}`);
        }
        const all = await walkApi(reader, '/');
        assert.deepEqual(apiInvariantProblems(all, (await reader.stat('/')).nlink), [], `seed ${seed}: invariants after round ${round}`);
        t.diagnostic(`round ${round}: SIGKILL after ${loadMs} ms; ${acked} mutations acknowledged, all present; ${inFlight} in flight, ${appliedInFlight} of them applied`);
        done.push(...workers);
        await reader.close();
      }

      // A clean stop, then the stored namespace itself.
      const reader = newClient(proc.address);
      clients.push(reader);
      const final = await walkApi(reader, '/');
      await reader.close();
      const exit = await proc.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, proc.output);
      const rocks = await scanRocks(path.join(dataDir, 'meta'));
      assert.deepEqual(rocks.problems, [], `seed ${seed}: invariants of the RocksDB scan`);
      assert.deepEqual(diffViews(final, rocks.nodes, 'API', 'RocksDB'), []);
    } catch (err) {
      if (err instanceof Error) err.message = `[STRATA_CRASH_SEED=${seed}] ${err.message}${proc ? `\nmaster output:\n${proc.output.slice(-3000)}` : ''}`;
      throw err;
    } finally {
      for (const c of clients) await c.close();
      await proc?.kill('SIGKILL');
      await removeDir(dataDir);
    }
  });

  // Every under store change is journaled as an intent first; a SIGKILL
  // between the change and its namespace entry is reconciled at restart.
  test('directories renamed around a SIGKILL stay consistent with the under store', { timeout: 60_000 }, async () => {
    const dataDir = await makeTempDir('crash-ufs');
    let proc: MasterProcess | null = null;
    const clients: StrataFileSystem[] = [];
    try {
      proc = await MasterProcess.start(dataDir);
      const fs = newClient(proc.address);
      clients.push(fs);
      const names: string[] = [];
      for (let i = 0; i < 32; i++) {
        await fs.mkdir(`/w${i}/x0`, { recursive: true });
        names.push('x0');
      }
      let killed = false;
      const loops = names.map(async (_, i) => {
        for (let k = 1; !killed; k++) {
          try {
            await fs.rename(`/w${i}/${names[i]}`, `/w${i}/x${k}`);
          } catch {
            return;
          }
          names[i] = `x${k}`;
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 400));
      killed = true;
      await proc.kill('SIGKILL');
      await fs.close();
      await Promise.all(loops);

      proc = await MasterProcess.start(dataDir, proc.port);
      const reader = newClient(proc.address);
      clients.push(reader);
      const dirs = [...(await walkApi(reader, '/'))].filter(([, n]) => n.type === 'DIRECTORY').map(([p]) => p);
      const inUfs = await hostDirs(path.join(dataDir, 'underfs'));
      assert.deepEqual(dirs.filter((d) => !inUfs.has(d)), [], 'directories of the namespace missing from the under store');
      const inNamespace = new Set(dirs);
      assert.deepEqual([...inUfs].filter((d) => !inNamespace.has(d)), [], 'directories of the under store missing from the namespace');
      for (const d of dirs.filter((p) => p.split('/').length === 3)) await reader.rename(d, `${d}-again`);
    } finally {
      for (const c of clients) await c.close();
      await proc?.kill('SIGKILL');
      await removeDir(dataDir);
    }
  });

  // A rename in flight when the master dies may be done in the under store
  // and reconciled at restart; the client's retry (same caller id) must get
  // the rename's own reply, not run it again (which would say NOT_FOUND).
  test('renames cut by a SIGKILL and retried by their client after the restart succeed once', { timeout: 60_000 }, async () => {
    const dataDir = await makeTempDir('crash-retry');
    let proc: MasterProcess | null = null;
    let fs: StrataFileSystem | null = null;
    try {
      proc = await MasterProcess.start(dataDir);
      fs = newClient(proc.address, 30_000);
      const client = fs;
      const names: string[] = [];
      for (let i = 0; i < 32; i++) {
        await client.mkdir(`/r${i}/x0`, { recursive: true });
        names.push('x0');
      }
      let killed = false;
      const failures: string[] = [];
      const loops = names.map(async (_, i) => {
        for (let k = 1; !killed; k++) {
          try {
            await client.rename(`/r${i}/${names[i]}`, `/r${i}/x${k}`);
            names[i] = `x${k}`;
          } catch (err) {
            failures.push(`/r${i}/${names[i]} -> x${k}: ${codeOf(err)}`);
            return;
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 400));
      killed = true;
      await proc.kill('SIGKILL');
      proc = await MasterProcess.start(dataDir, proc.port);
      await Promise.all(loops); // the client re-sends what was in flight
      assert.deepEqual(failures, []);
      for (let i = 0; i < 32; i++) {
        const entries: string[] = [];
        for await (const e of client.list(`/r${i}`)) entries.push(e.name);
        assert.deepEqual(entries, [names[i]], `/r${i}`);
      }
    } finally {
      await fs?.close();
      await proc?.kill('SIGKILL');
      await removeDir(dataDir);
    }
  });

  test('a restarted master resumes from its applied index and serves the same namespace after a clean SIGTERM', { timeout: 60_000 }, async () => {
    const dataDir = await makeTempDir('restart');
    let proc: MasterProcess | null = null;
    let fs: StrataFileSystem | null = null;
    try {
      proc = await MasterProcess.start(dataDir);
      fs = newClient(proc.address);
      await fs.mkdir('/docs/2024', { recursive: true });
      for (let i = 0; i < 50; i++) await fs.createFile(`/docs/2024/f${i}`);
      await fs.rename('/docs/2024/f0', '/docs/first');
      await fs.rename('/docs/2024/f1', '/docs/2024/f2'); // replaces f2
      await fs.mkdir('/docs/old');
      await fs.rename('/docs/2024', '/docs/old/2024');
      await fs.delete('/docs/old/2024/f3');
      await fs.setAttribute('/docs/first', { mode: 0o600 });
      await fs.symlink('/docs/latest', '/docs/old/2024');
      await fs.mkdir('/empty');
      await fs.delete('/empty');
      const before = await walkApiFull(fs, '/');
      const rootBefore = await fs.stat('/');
      const infoBefore = await masterInfo(fs);
      assert.ok(infoBefore.appliedIndex > 60);
      assert.equal(infoBefore.commitIndex, infoBefore.appliedIndex);
      await fs.close();
      fs = null;

      const exit = await proc.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, `a clean stop exits 0\n${proc.output}`);

      // On disk: RocksDB has applied every Raft entry, so nothing is replayed.
      const rocks = new RocksStore(path.join(dataDir, 'meta'));
      await rocks.open();
      let applied: number;
      try {
        const raw = await rocks.get(metaKey('applied'));
        assert.ok(raw !== null);
        applied = readU64(raw);
      } finally {
        await rocks.close();
      }
      const log = new RaftLog(path.join(dataDir, 'raft'));
      try {
        const persisted = await log.open();
        assert.equal(log.lastIndex, infoBefore.appliedIndex);
        assert.equal(persisted.entries.filter((e) => e.index > applied).length, 0, 'no log entry after the applied index');
      } finally {
        await log.close();
      }
      assert.equal(applied, infoBefore.appliedIndex, 'the applied index on disk is the one the master reported');

      proc = await MasterProcess.start(dataDir);
      fs = newClient(proc.address);
      const infoAfter = await masterInfo(fs);
      // One entry more: the no-op with which the restarted master took the lead in its new term.
      assert.equal(infoAfter.appliedIndex, infoBefore.appliedIndex + 1);
      assert.equal(infoAfter.commitIndex, infoAfter.appliedIndex);
      assert.ok(infoAfter.term > infoBefore.term);
      const after = await walkApiFull(fs, '/');
      assert.deepEqual([...after.entries()], [...before.entries()], 'every entry with every attribute');
      assert.deepEqual(await fs.stat('/'), rootBefore);
      // And it goes on from there.
      const made: FileInfo = await fs.createFile('/docs/after-restart');
      assert.equal((await masterInfo(fs)).appliedIndex, infoAfter.appliedIndex + 1);
      const maxId = Math.max(...[...before.values()].map((e) => Number(e.id)));
      assert.ok(Number(made.id) > maxId, `new id ${made.id} is above every id before the restart (${maxId})`);
    } finally {
      await fs?.close();
      await proc?.kill('SIGKILL');
      await removeDir(dataDir);
    }
  });

  test('a restarted master never hands out an inode id again, after a clean stop or a SIGKILL', { timeout: 60_000 }, async () => {
    const dataDir = await makeTempDir('ids');
    let proc: MasterProcess | null = null;
    let fs: StrataFileSystem | null = null;
    try {
      proc = await MasterProcess.start(dataDir);
      fs = newClient(proc.address);
      const seen: number[] = [];
      for (const name of ['a', 'b', 'c']) seen.push(Number((await fs.createFile(`/${name}`)).id));
      // The newest inodes are gone before the restart: their ids must stay used.
      await fs.delete('/c');
      await fs.delete('/b');
      await fs.close();
      assert.deepEqual(await proc.stop(), { code: 0, signal: null });

      proc = await MasterProcess.start(dataDir);
      fs = newClient(proc.address);
      const d = Number((await fs.createFile('/d')).id);
      assert.ok(d > Math.max(...seen), `id ${d} after a clean restart reuses one of ${seen.join(', ')}`);
      seen.push(d);
      await fs.delete('/d');
      await fs.close();
      await proc.kill('SIGKILL');

      proc = await MasterProcess.start(dataDir, proc.port);
      fs = newClient(proc.address);
      const e = Number((await fs.createFile('/e')).id);
      assert.ok(e > Math.max(...seen), `id ${e} after a SIGKILL reuses one of ${seen.join(', ')}`);
    } finally {
      await fs?.close();
      await proc?.kill('SIGKILL');
      await removeDir(dataDir);
    }
  });
});
