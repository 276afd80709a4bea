// Many clients mutating one namespace at once, then every check we can make
// on the result.
//
// Setup: one in-process master (so that its lock manager can be inspected
// afterwards) and CLIENTS StrataFileSystem instances, each with its own client
// id and Session stream. Every client runs, concurrently:
//
//   - LANES private lanes. A lane owns the subtree /p<n> and sends one
//     operation at a time into it, so within the lane the order of its
//     operations is known exactly, and nothing else touches the subtree. The
//     lane replays each acknowledged operation on an in-memory model of its
//     subtree (the master's rules: which error wins when several apply,
//     rename replacing files and empty directories, moves between
//     overlapping subtrees, mkdir -p, recursive delete) and requires the
//     master's answer (success, or the error code) to be the one the model
//     predicts, at the moment it arrives. At the end the subtree's listing
//     must equal the model: paths, types, and inode ids (so a rename moved
//     the right inode, an overwrite made a new one).
//     Why this is a real check while everything runs concurrently: the lanes
//     are sequential and disjoint, so their correct outcome does not depend
//     on the interleaving, yet their operations do interleave with hundreds of
//     others in the master (shared group commits, apply batches, caches,
//     lock manager): a bug that leaks state between operations shows up as a
//     wrong answer or a wrong final tree. (The alternative, waves of
//     operations on disjoint subtrees, would give an order too, but by
//     keeping conflicting operations apart it never exercises the locks that
//     matter; here the contention lives in /shared, where the invariants
//     check it, and the exact model check lives in the lanes.)
//   - SHARED workers that hammer one small contended subtree (/shared, three
//     names, depth three) with the same mix, several in flight per client, so
//     that conflicts (same edge, rename vs delete of an ancestor, moves in
//     both directions between two subtrees) are frequent. Their outcomes
//     depend on the interleaving, so they are checked for plausibility only
//     (success or a namespace error code, never INTERNAL/IO/UNAVAILABLE) and,
//     with everything else, by the invariants.
//
// A watchdog fails the test (instead of hanging it) if the operations do not
// finish: that is what a lock-order deadlock looks like.
//
// Afterwards: no lock object is left in the lock manager; the namespace read
// through the API satisfies the invariants (unique ids, parents are
// directories, nlink = 2 + subdirectories); then, with the master closed,
// once the sweeper has removed what recursive deletes detached, a direct
// scan of RocksDB satisfies them too (every inode reachable by exactly one
// edge, no dangling edge, no orphan, no trash left) and holds exactly what
// the API showed (the cache and the disk agree); and the root under store
// holds exactly the namespace's directories (files are never written here).
//
// The operations come from a seeded PRNG; the seed is printed as a test
// diagnostic and in any failure. Rerun a failure with STRATA_STRESS_SEED=<seed>:
// the lanes' operations repeat exactly; the interleaving, and so the shared
// workers' choices (they pick paths that succeeded before), do not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import type { StrataFileSystem } from '../../src/client/file-system';
import type { FileInfo } from '../../src/common/api';
import type { Master } from '../../src/master/master';
import {
  NodeView,
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
  startMaster,
  walkApi,
} from './harness';

const CLIENTS = 8;
const LANES = 2; // private lanes per client
const SHARED = 3; // shared workers per client
const OPS_PER_LANE = 200;
const OPS_PER_SHARED = 150;
const NAMES = ['a', 'b', 'c'];
const MAX_DEPTH = 3;
/** The operations take seconds; past this they are stuck (a deadlock): fail, do not hang. */
const WORK_DEADLINE_MS = 45_000;
/** What a contended operation may fail with: the namespace's own refusals. */
const PLAUSIBLE = new Set(['ok', 'NOT_FOUND', 'EXISTS', 'NOT_EMPTY', 'NOT_DIRECTORY', 'IS_DIRECTORY', 'INVALID_ARGUMENT']);

// ------------------------------------------------------------- operations

type Op =
  | { kind: 'createFile'; path: string[]; overwrite: boolean }
  | { kind: 'mkdir'; path: string[]; recursive: boolean }
  | { kind: 'delete'; path: string[]; recursive: boolean }
  | { kind: 'rename'; src: string[]; dst: string[] };

function describeOp(op: Op, base: string): string {
  const p = (names: string[]) => base + '/' + names.join('/');
  switch (op.kind) {
    case 'createFile':
      return `createFile ${p(op.path)}${op.overwrite ? ' overwrite' : ''}`;
    case 'mkdir':
      return `mkdir ${p(op.path)}${op.recursive ? ' -p' : ''}`;
    case 'delete':
      return `delete ${p(op.path)}${op.recursive ? ' -r' : ''}`;
    case 'rename':
      return `rename ${p(op.src)} ${p(op.dst)}`;
  }
}

/** Sends op against the subtree at base; resolves with 'ok' or the error code, and the reply. */
async function send(fs: StrataFileSystem, op: Op, base: string): Promise<{ outcome: string; info?: FileInfo }> {
  const p = (names: string[]) => base + '/' + names.join('/');
  try {
    switch (op.kind) {
      case 'createFile':
        return { outcome: 'ok', info: await fs.createFile(p(op.path), { overwrite: op.overwrite }) };
      case 'mkdir':
        return { outcome: 'ok', info: await fs.mkdir(p(op.path), { recursive: op.recursive }) };
      case 'delete':
        await fs.delete(p(op.path), { recursive: op.recursive });
        return { outcome: 'ok' };
      case 'rename':
        await fs.rename(p(op.src), p(op.dst));
        return { outcome: 'ok' };
    }
  } catch (err) {
    return { outcome: codeOf(err) };
  }
}

function randomPath(rng: Rng): string[] {
  const depth = 1 + rng.int(MAX_DEPTH);
  return Array.from({ length: depth }, () => rng.pick(NAMES));
}

/**
 * A random operation. Paths that exist (known from a model, or guessed from
 * what succeeded before) are picked often as sources and as parents, so most
 * operations get past "no such file" and reach the interesting rules.
 */
function randomOp(rng: Rng, known: string[][], knownDirs: string[][]): Op {
  const some = (): string[] => (known.length > 0 && rng.chance(0.6) ? rng.pick(known) : randomPath(rng));
  const fresh = (): string[] => {
    if (rng.chance(0.3)) return randomPath(rng);
    const parent = knownDirs.length > 0 && rng.chance(0.8) ? rng.pick(knownDirs) : [];
    return parent.length >= MAX_DEPTH ? randomPath(rng) : [...parent, rng.pick(NAMES)];
  };
  const r = rng.next();
  if (r < 0.22) return { kind: 'createFile', path: fresh(), overwrite: rng.chance(0.3) };
  if (r < 0.44) return { kind: 'mkdir', path: rng.chance(0.2) ? randomPath(rng) : fresh(), recursive: rng.chance(0.25) };
  if (r < 0.6) return { kind: 'delete', path: some(), recursive: rng.chance(0.6) };
  return { kind: 'rename', src: some(), dst: rng.chance(0.15) ? some() : fresh() };
}

// ------------------------------------------------------------------ model

interface MNode {
  type: 'DIRECTORY' | 'FILE';
  /** The inode id the master gave it; learned from replies (or a stat after mkdir -p). */
  id: number;
  children: Map<string, MNode>;
}

function dirNode(id: number): MNode {
  return { type: 'DIRECTORY', id, children: new Map() };
}

/**
 * The master's rules on a model subtree. predict() decides the outcome from
 * the state alone; the effect is applied only when the master agrees.
 */
class Model {
  constructor(readonly root: MNode) {}

  /** Like InodeTree.lockPath: inodes from the root as far as the path resolves. */
  private walk(names: string[]): MNode[] {
    const out = [this.root];
    let dir = this.root;
    for (const name of names) {
      if (dir.type !== 'DIRECTORY') break;
      const child = dir.children.get(name);
      if (child === undefined) break;
      out.push(child);
      dir = child;
    }
    return out;
  }

  private static missing(w: MNode[]): string {
    return w[w.length - 1].type !== 'DIRECTORY' ? 'NOT_DIRECTORY' : 'NOT_FOUND';
  }

  /** The parent directory of the last component, or the error code. */
  private parentDir(names: string[]): MNode | string {
    const w = this.walk(names);
    const parent = w.length >= names.length ? w[names.length - 1] : null;
    if (parent === null) return Model.missing(w);
    if (parent.type !== 'DIRECTORY') return 'NOT_DIRECTORY';
    return parent;
  }

  private target(names: string[]): MNode | null {
    const w = this.walk(names);
    return w.length === names.length + 1 ? w[w.length - 1] : null;
  }

  /** Returns the predicted outcome and the change to make if the master agrees. */
  predict(op: Op): { outcome: string; apply: (info?: FileInfo) => string[][] } {
    const none = () => [];
    const fail = (outcome: string) => ({ outcome, apply: none });
    switch (op.kind) {
      case 'createFile': {
        const parent = this.parentDir(op.path);
        if (typeof parent === 'string') return fail(parent);
        const old = this.target(op.path);
        if (old !== null) {
          if (!op.overwrite) return fail('EXISTS');
          if (old.type === 'DIRECTORY') return fail('IS_DIRECTORY');
        }
        const name = op.path[op.path.length - 1];
        return { outcome: 'ok', apply: (info) => (parent.children.set(name, { type: 'FILE', id: Number(info?.id), children: new Map() }), []) };
      }
      case 'mkdir': {
        // mkdir -p: each missing ancestor is its own createDirectory; EXISTS
        // of an ancestor (even a file) is ignored, other errors end it. No
        // ancestor is created when a later step fails: a failure needs a file
        // on the way, and nothing below a file is missing-and-creatable.
        const made: string[][] = [];
        const isMade = (names: string[]) => made.some((m) => m.join('/') === names.join('/'));
        if (op.recursive) {
          for (let depth = 1; depth < op.path.length; depth++) {
            const prefix = op.path.slice(0, depth);
            if (isMade(prefix.slice(0, -1))) {
              made.push(prefix); // below a directory this call makes: missing
              continue;
            }
            if (this.target(prefix) !== null) continue; // exists, whatever it is
            const parent = this.parentDir(prefix);
            if (typeof parent === 'string') return fail(parent);
            made.push(prefix);
          }
        }
        if (!isMade(op.path.slice(0, -1))) {
          const parent = this.parentDir(op.path);
          if (typeof parent === 'string') return fail(parent);
          const existing = this.target(op.path);
          if (existing !== null) {
            if (op.recursive && existing.type === 'DIRECTORY') return { outcome: 'ok', apply: none };
            return fail('EXISTS');
          }
        }
        return {
          outcome: 'ok',
          apply: (info) => {
            for (const prefix of made) {
              const parent = this.target(prefix.slice(0, -1)) as MNode;
              parent.children.set(prefix[prefix.length - 1], dirNode(-1)); // id learned by a stat
            }
            const parent = this.target(op.path.slice(0, -1)) as MNode;
            parent.children.set(op.path[op.path.length - 1], dirNode(Number(info?.id)));
            return made;
          },
        };
      }
      case 'delete': {
        const w = this.walk(op.path);
        if (w.length !== op.path.length + 1) return fail(Model.missing(w));
        const node = w[w.length - 1];
        if (node.type === 'DIRECTORY' && !op.recursive && node.children.size > 0) return fail('NOT_EMPTY');
        const parent = w[w.length - 2];
        return { outcome: 'ok', apply: () => (parent.children.delete(op.path[op.path.length - 1]), []) };
      }
      case 'rename': {
        const { src, dst } = op;
        if (src.length < dst.length && src.every((n, i) => dst[i] === n)) return fail('INVALID_ARGUMENT');
        const ws = this.walk(src);
        if (ws.length !== src.length + 1) return fail(Model.missing(ws));
        const moving = ws[ws.length - 1];
        const srcParent = ws[ws.length - 2];
        const dstParent = this.parentDir(dst);
        if (typeof dstParent === 'string') return fail(dstParent);
        if (src.join('/') === dst.join('/')) return { outcome: 'ok', apply: none };
        const replaced = this.target(dst);
        if (replaced !== null) {
          if (moving.type === 'DIRECTORY') {
            if (replaced.type !== 'DIRECTORY') return fail('NOT_DIRECTORY');
            if (replaced.children.size > 0) return fail('NOT_EMPTY');
          } else if (replaced.type === 'DIRECTORY') {
            return fail('IS_DIRECTORY');
          }
        }
        return {
          outcome: 'ok',
          apply: () => {
            srcParent.children.delete(src[src.length - 1]);
            dstParent.children.set(dst[dst.length - 1], moving);
            return [];
          },
        };
      }
    }
  }

  /** Every path below the root (relative names), for picking operation sources. */
  paths(onlyDirs = false): string[][] {
    const out: string[][] = [];
    const visit = (node: MNode, prefix: string[]) => {
      for (const [name, child] of node.children) {
        if (!onlyDirs || child.type === 'DIRECTORY') out.push([...prefix, name]);
        visit(child, [...prefix, name]);
      }
    };
    visit(this.root, []);
    return out;
  }

  /** The model as the API would list it, under base. */
  view(base: string): Map<string, { type: string; id: number }> {
    const out = new Map<string, { type: string; id: number }>();
    const visit = (node: MNode, p: string) => {
      for (const [name, child] of node.children) {
        out.set(`${p}/${name}`, { type: child.type, id: child.id });
        visit(child, `${p}/${name}`);
      }
    };
    visit(this.root, base);
    return out;
  }
}

// ------------------------------------------------------------------- test

interface Logged {
  who: string;
  op: string;
  outcome: string;
}

test('concurrent clients leave a namespace that matches each client’s sequential model and keeps every invariant', { timeout: 120_000 }, async (t) => {
  const seed = seedFrom('STRATA_STRESS_SEED');
  t.diagnostic(`seed ${seed} (rerun with STRATA_STRESS_SEED=${seed})`);
  const dataDir = await makeTempDir('stress');
  let master: Master | null = null;
  const clients: StrataFileSystem[] = [];
  try {
    master = await startMaster(dataDir);
    for (let i = 0; i < CLIENTS; i++) clients.push(newClient(master.address, 20_000));
    const ids = new Set(clients.map((c) => c.master.clientId));
    assert.equal(ids.size, CLIENTS, 'each client has its own id');

    const setup = clients[0];
    await setup.mkdir('/shared');
    const lanes: Array<{ base: string; fs: StrataFileSystem; model: Model; rng: Rng }> = [];
    for (let c = 0; c < CLIENTS; c++) {
      for (let l = 0; l < LANES; l++) {
        const n = c * LANES + l;
        const base = `/p${n}`;
        const info = await setup.mkdir(base);
        lanes.push({ base, fs: clients[c], model: new Model(dirNode(Number(info.id))), rng: new Rng(seed ^ Math.imul(n + 1, 0x9e3779b1)) });
      }
    }

    const log: Logged[] = [];
    const mismatches: string[] = [];
    const implausible: string[] = [];
    const counts = new Map<string, number>();
    const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
    const started = Date.now();

    // A deadlock would leave operations waiting forever: after the deadline,
    // closing the clients fails what is pending (CLOSED) and the workers stop.
    let stuck: string | null = null;
    const watchdog = setTimeout(() => {
      stuck = `operations still running after ${WORK_DEADLINE_MS} ms (deadlock?); ${master?.fileSystem.tree.lockManager.size} lock objects held`;
      for (const c of clients) void c.close();
    }, WORK_DEADLINE_MS);

    const runLane = async (lane: (typeof lanes)[number]): Promise<void> => {
      for (let i = 0; i < OPS_PER_LANE && stuck === null; i++) {
        const op = randomOp(lane.rng, lane.model.paths(), lane.model.paths(true));
        const predicted = lane.model.predict(op);
        const { outcome, info } = await send(lane.fs, op, lane.base);
        const what = describeOp(op, lane.base);
        log.push({ who: lane.base, op: what, outcome });
        count(`${op.kind} ${outcome}`);
        if (outcome !== predicted.outcome) {
          mismatches.push(`${what}: master said ${outcome}, the model ${predicted.outcome} (op ${i} of the lane)`);
          return; // the model no longer describes this lane
        }
        const made = predicted.apply(info);
        for (const prefix of made) {
          // mkdir -p does not return the ids of the ancestors it made: ask.
          const st = await lane.fs.stat(lane.base + '/' + prefix.join('/'));
          const parent = prefix.slice(0, -1).reduce((n: MNode, name) => n.children.get(name) as MNode, lane.model.root);
          (parent.children.get(prefix[prefix.length - 1]) as MNode).id = Number(st.id);
        }
      }
    };

    // Paths under /shared that some worker created at some point (maybe gone since).
    const sharedSeen = new Map<string, string[]>();
    const sharedDirs = new Map<string, string[]>();
    const runShared = async (fs: StrataFileSystem, who: string, rng: Rng): Promise<void> => {
      for (let i = 0; i < OPS_PER_SHARED && stuck === null; i++) {
        const op = randomOp(rng, [...sharedSeen.values()], [...sharedDirs.values()]);
        const { outcome } = await send(fs, op, '/shared');
        if (outcome === 'ok' && (op.kind === 'createFile' || op.kind === 'mkdir')) sharedSeen.set(op.path.join('/'), op.path);
        if (outcome === 'ok' && op.kind === 'mkdir') sharedDirs.set(op.path.join('/'), op.path);
        if (outcome === 'ok' && op.kind === 'rename') sharedSeen.set(op.dst.join('/'), op.dst);
        const what = describeOp(op, '/shared');
        log.push({ who, op: what, outcome });
        count(`shared ${op.kind} ${outcome}`);
        if (!PLAUSIBLE.has(outcome)) implausible.push(`${who} ${what}: ${outcome}`);
      }
    };

    const work: Array<Promise<void>> = lanes.map((lane) => runLane(lane));
    for (let c = 0; c < CLIENTS; c++) {
      for (let s = 0; s < SHARED; s++) {
        const n = c * SHARED + s;
        work.push(runShared(clients[c], `shared#${n}`, new Rng(seed ^ Math.imul(n + 1000, 0x85ebca6b))));
      }
    }
    try {
      await Promise.all(work);
    } finally {
      clearTimeout(watchdog);
    }
    assert.equal(stuck, null, `seed ${seed}: ${stuck}`);
    const elapsed = Date.now() - started;
    t.diagnostic(`${log.length} operations in ${elapsed} ms by ${CLIENTS} clients; outcomes: ${JSON.stringify(Object.fromEntries([...counts].sort()))}`);

    assert.deepEqual(mismatches, [], `seed ${seed}: answers that differ from the sequential model`);
    assert.deepEqual(implausible, [], `seed ${seed}: contended operations failed with an unexpected code`);
    // Every operation was answered, so no operation may still hold a lock.
    assert.equal(master.fileSystem.tree.lockManager.size, 0, `seed ${seed}: lock objects left behind`);

    // The namespace through the API, with a client that did not take part.
    const reader = newClient(master.address);
    let apiNodes: Map<string, NodeView>;
    let rootNlink: number;
    try {
      apiNodes = await walkApi(reader, '/');
      rootNlink = (await reader.stat('/')).nlink;
    } finally {
      await reader.close();
    }
    assert.deepEqual(apiInvariantProblems(apiNodes, rootNlink), [], `seed ${seed}: invariants of the API view`);
    for (const lane of lanes) {
      const want = lane.model.view(lane.base);
      const got = new Map<string, { type: string; id: number }>();
      for (const [p, node] of apiNodes) if (p.startsWith(lane.base + '/')) got.set(p, { type: node.type, id: node.id });
      assert.deepEqual(
        [...got].sort(),
        [...want].sort(),
        `seed ${seed}: ${lane.base} differs from its model; its operations:\n${log.filter((l) => l.who === lane.base).map((l) => `  ${l.op} -> ${l.outcome}`).join('\n')}`,
      );
    }
    t.diagnostic(`final namespace: ${apiNodes.size} entries, ${[...apiNodes.keys()].filter((p) => p.startsWith('/shared/')).length} under /shared`);

    // Now the disk itself: let the sweeper finish the subtrees that recursive
    // deletes detached, close everything, then scan RocksDB.
    await master.fileSystem.sweepIdle();
    for (const c of clients.splice(0)) await c.close();
    await master.close();
    master = null;
    const rocks = await scanRocks(path.join(dataDir, 'meta'));
    assert.deepEqual(rocks.problems, [], `seed ${seed}: invariants of the RocksDB scan`);
    assert.deepEqual(diffViews(apiNodes, rocks.nodes, 'API', 'RocksDB'), [], `seed ${seed}: the API and RocksDB disagree`);
    assert.deepEqual(rocks.trashRoots, [], 'the sweeper removed every detached subtree');
    assert.equal(rocks.inodeCount, apiNodes.size + 1, 'every inode is reachable (the root included)');
    assert.equal(rocks.root?.nlink, rootNlink);

    // The root under store holds exactly the namespace's directories.
    const dirs = [...apiNodes].filter(([, n]) => n.type === 'DIRECTORY').map(([p]) => p).sort();
    assert.deepEqual([...(await hostDirs(path.join(dataDir, 'underfs')))].sort(), dirs, `seed ${seed}: under store and namespace disagree`);
  } catch (err) {
    if (err instanceof Error) err.message = `[STRATA_STRESS_SEED=${seed}] ${err.message}`;
    throw err;
  } finally {
    for (const c of clients) await c.close();
    await master?.close();
    await removeDir(dataDir);
  }
});
