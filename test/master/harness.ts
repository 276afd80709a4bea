// Shared pieces of the master tests: temp data directories, in-process and
// child-process masters, a seeded PRNG, and the namespace checks (a walk
// through the API, a scan of RocksDB, and the invariants both must satisfy).
// Not a test file itself (no .test suffix): node --test does not run it.

import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { StrataFileSystem } from '../../src/client/file-system';
import type { FileInfo } from '../../src/common/api';
import type { MasterConfig } from '../../src/common/config';
import { ErrorCode, StrataError } from '../../src/common/errors';
import { InodeKind, ROOT_ID, decodeInode } from '../../src/master/inode';
import type { Inode } from '../../src/master/inode';
import { Master } from '../../src/master/master';
import { Prefix, RocksStore, edgeNameOf, readU64 } from '../../src/master/rocks-store';

export const REPO_ROOT = path.join(__dirname, '..', '..', '..');
export const STRATA_BIN = path.join(REPO_ROOT, 'bin', 'strata');

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `strata-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export function masterConfigFor(dataDir: string, port = 0): MasterConfig {
  return {
    dataDir,
    id: '1',
    peers: [],
    raftTickMs: 100,
    raftElectionTicks: 10,
    raftCompactEvery: 50_000,
    raftCompactBytes: 64 * 1024 * 1024,
    waitForLeadMs: 10_000,
    host: '127.0.0.1',
    port,
    rootUfs: pathToFileURL(path.join(dataDir, 'underfs')).href,
    inodeCacheEntries: 200_000,
    edgeCacheEntries: 200_000,
    writeBufferBytes: 8 * 1024 * 1024,
  };
}

/** An in-process master on a free loopback port. The caller closes it. */
export async function startMaster(dataDir: string): Promise<Master> {
  const master = new Master(masterConfigFor(dataDir));
  try {
    await master.start();
  } catch (err) {
    await master.close().catch(() => undefined);
    throw err;
  }
  return master;
}

export function newClient(address: string, callTimeoutMs = 20_000): StrataFileSystem {
  return new StrataFileSystem([address], { callTimeoutMs });
}

/** The code of a StrataError, or a description of whatever else was thrown. */
export function codeOf(err: unknown): string {
  if (err instanceof StrataError) return err.code;
  return `not a StrataError: ${String(err)}`;
}

/** Runs fn and returns 'ok' or the StrataError code it failed with. */
export async function outcome(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    return codeOf(err);
  }
}

// ------------------------------------------------------------ child masters

/**
 * A master in its own process: `node bin/strata master start`. start()
 * resolves once it prints that it is serving; kill() resolves once it exited.
 */
export class MasterProcess {
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';
  private stdout = '';
  port = 0;

  private constructor(readonly child: ChildProcess, readonly dataDir: string) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get output(): string {
    return `stdout:\n${this.stdout}\nstderr:\n${this.stderr}`;
  }

  static async start(dataDir: string, port = 0, timeoutMs = 20_000, extraArgs: string[] = [], env?: NodeJS.ProcessEnv): Promise<MasterProcess> {
    const child = spawn(process.execPath, [STRATA_BIN, 'master', 'start', '--data', dataDir, '--port', String(port), ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: env ?? process.env,
    });
    const proc = new MasterProcess(child, dataDir);
    try {
      proc.port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`master did not start within ${timeoutMs} ms\n${proc.output}`)), timeoutMs);
        child.stdout?.on('data', (chunk: Buffer) => {
          proc.stdout += chunk.toString();
          const m = /serving [^\s]*:(\d+)/.exec(proc.stdout);
          if (m !== null) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`master exited (code ${code}, signal ${signal}) before serving\n${proc.output}`));
        });
        child.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
    } catch (err) {
      await proc.kill('SIGKILL');
      throw err;
    }
    return proc;
  }

  /** Sends the signal (if still running) and waits for the exit. */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }

  /** SIGTERM, and SIGKILL if it has not exited after graceMs. */
  async stop(graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.alive) return this.exited;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.kill('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }
}

// ------------------------------------------------------------------ PRNG

/** mulberry32: small, fast, good enough to pick test operations. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A seed from the environment variable if set, else a random one. */
export function seedFrom(envName: string): number {
  const raw = process.env[envName];
  if (raw !== undefined && raw !== '') {
    const seed = Number(raw);
    if (!Number.isInteger(seed)) throw new Error(`${envName}=${raw} is not an integer`);
    return seed >>> 0;
  }
  return Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
}

// ------------------------------------------------------- namespace views

export type NodeType = 'DIRECTORY' | 'FILE' | 'SYMLINK';

/** One entry of a namespace, by path; the same shape from the API and from RocksDB. */
export interface NodeView {
  id: number;
  type: NodeType;
  nlink: number;
}

function typeOfKind(kind: number): NodeType {
  return kind === InodeKind.DIR ? 'DIRECTORY' : kind === InodeKind.FILE ? 'FILE' : 'SYMLINK';
}

/** Every entry below dir (not dir itself), by absolute path, walked through the API. */
export async function walkApi(fs: StrataFileSystem, dir = '/'): Promise<Map<string, NodeView>> {
  const out = new Map<string, NodeView>();
  const visit = async (p: string): Promise<void> => {
    const children: FileInfo[] = [];
    for await (const entry of fs.list(p, 100)) children.push(entry);
    for (const entry of children) {
      out.set(entry.path, { id: Number(entry.id), type: entry.type as NodeType, nlink: entry.nlink });
      if (entry.type === 'DIRECTORY') await visit(entry.path);
    }
  };
  await visit(dir);
  return out;
}

/** Full FileInfo of every entry below dir, for comparisons of everything the API says. */
export async function walkApiFull(fs: StrataFileSystem, dir = '/'): Promise<Map<string, FileInfo>> {
  const out = new Map<string, FileInfo>();
  const visit = async (p: string): Promise<void> => {
    const children: FileInfo[] = [];
    for await (const entry of fs.list(p, 100)) children.push(entry);
    for (const entry of children) {
      out.set(entry.path, entry);
      if (entry.type === 'DIRECTORY') await visit(entry.path);
    }
  };
  await visit(dir);
  return out;
}

/**
 * What the API view itself must satisfy: ids are unique, every parent is a
 * directory, and a directory's nlink is 2 + its subdirectories.
 */
export function apiInvariantProblems(nodes: Map<string, NodeView>, rootNlink?: number): string[] {
  const problems: string[] = [];
  const byId = new Map<number, string>();
  const subdirs = new Map<string, number>();
  for (const [p, node] of nodes) {
    const other = byId.get(node.id);
    if (other !== undefined) problems.push(`id ${node.id} is both ${other} and ${p}`);
    byId.set(node.id, p);
    const parent = p.slice(0, p.lastIndexOf('/')) || '/';
    if (parent !== '/') {
      const pn = nodes.get(parent);
      if (pn === undefined) problems.push(`${p}: parent ${parent} not listed`);
      else if (pn.type !== 'DIRECTORY') problems.push(`${p}: parent ${parent} is a ${pn.type}`);
    }
    if (node.type === 'DIRECTORY') subdirs.set(parent, (subdirs.get(parent) ?? 0) + 1);
  }
  for (const [p, node] of nodes) {
    const want = node.type === 'DIRECTORY' ? 2 + (subdirs.get(p) ?? 0) : 1;
    if (node.nlink !== want) problems.push(`${p}: nlink ${node.nlink}, expected ${want}`);
  }
  if (rootNlink !== undefined && rootNlink !== 2 + (subdirs.get('/') ?? 0)) {
    problems.push(`/: nlink ${rootNlink}, expected ${2 + (subdirs.get('/') ?? 0)}`);
  }
  return problems;
}

export interface RocksNamespace {
  /** Every reachable entry by path (the root excluded). */
  nodes: Map<string, NodeView>;
  root: Inode | null;
  inodeCount: number;
  edgeCount: number;
  /** Roots of subtrees a recursive delete detached and the sweeper has not removed yet. */
  trashRoots: number[];
  /** Inodes in those subtrees (roots included). */
  trashInodes: number;
  /** Broken invariants, in words; empty when the namespace is sound. */
  problems: string[];
}

/** Key prefix of detached subtrees still to be swept (rocks-store.ts: G <ino>). */
const TRASH_PREFIX = 0x47;

/**
 * Opens the RocksDB of a stopped master read-write (RocksDB has no shared
 * mode), scans the inode, edge and trash key spaces, and checks the
 * namespace invariants directly on what is stored:
 *   - the root exists and is a directory;
 *   - every edge's parent exists and is a directory, and its child exists
 *     (no dangling edge);
 *   - every inode but the root and the trash roots is the child of exactly
 *     one edge (no orphan, no second name); a trash root (a subtree a
 *     recursive delete detached, not swept yet) of none;
 *   - every inode is reachable from the root or from a trash root (no
 *     detached cycle, nothing lost);
 *   - a directory's nlink is 2 + its subdirectories; a file's is 1 (not
 *     checked inside trash, which the sweeper takes apart bottom-up).
 */
export async function scanRocks(metaDir: string): Promise<RocksNamespace> {
  const rocks = new RocksStore(metaDir);
  await rocks.open();
  const inodes = new Map<number, Inode>();
  const edges: Array<{ parent: number; name: string; child: number }> = [];
  const trashRoots: number[] = [];
  try {
    for await (const row of rocks.iterate({ gte: Buffer.from([TRASH_PREFIX]), lt: Buffer.from([TRASH_PREFIX + 1]) })) {
      trashRoots.push(readU64(row.key, 1));
    }
    for await (const row of rocks.iterate({ gte: Buffer.from([Prefix.INODE]), lt: Buffer.from([Prefix.INODE + 1]) })) {
      const id = readU64(row.key, 1);
      inodes.set(id, decodeInode(id, row.value));
    }
    for await (const row of rocks.iterate({ gte: Buffer.from([Prefix.EDGE]), lt: Buffer.from([Prefix.EDGE + 1]) })) {
      edges.push({ parent: readU64(row.key, 1), name: edgeNameOf(row.key), child: readU64(row.value) });
    }
  } finally {
    await rocks.close();
  }

  const problems: string[] = [];
  const root = inodes.get(ROOT_ID) ?? null;
  if (root === null) problems.push('the root inode is missing');
  else if (root.kind !== InodeKind.DIR) problems.push('the root is not a directory');

  const incoming = new Map<number, number>();
  const children = new Map<number, Array<{ name: string; child: number }>>();
  for (const e of edges) {
    const parent = inodes.get(e.parent);
    if (parent === undefined) problems.push(`edge ${e.parent}/${e.name} -> ${e.child}: parent inode missing`);
    else if (parent.kind !== InodeKind.DIR) problems.push(`edge ${e.parent}/${e.name}: parent is not a directory`);
    if (!inodes.has(e.child)) problems.push(`edge ${e.parent}/${e.name} -> ${e.child}: dangling (inode missing)`);
    if (e.child === ROOT_ID) problems.push(`edge ${e.parent}/${e.name} points at the root`);
    incoming.set(e.child, (incoming.get(e.child) ?? 0) + 1);
    let list = children.get(e.parent);
    if (list === undefined) children.set(e.parent, (list = []));
    list.push({ name: e.name, child: e.child });
  }
  const trashRootSet = new Set(trashRoots);
  for (const id of trashRoots) {
    if (!inodes.has(id)) problems.push(`trash root ${id}: inode missing`);
    if ((incoming.get(id) ?? 0) > 0) problems.push(`trash root ${id}: still has an edge`);
  }
  for (const id of inodes.keys()) {
    if (id === ROOT_ID || trashRootSet.has(id)) continue;
    const n = incoming.get(id) ?? 0;
    if (n === 0) problems.push(`inode ${id}: orphan (no edge points at it)`);
    if (n > 1) problems.push(`inode ${id}: ${n} edges point at it`);
  }
  // Inodes of detached subtrees.
  const trash = new Set<number>();
  const pending = [...trashRoots];
  while (pending.length > 0) {
    const id = pending.pop() as number;
    if (trash.has(id)) continue;
    trash.add(id);
    for (const c of children.get(id) ?? []) pending.push(c.child);
  }
  for (const [id, inode] of inodes) {
    if (trash.has(id)) continue;
    const subdirs = (children.get(id) ?? []).filter((c) => inodes.get(c.child)?.kind === InodeKind.DIR).length;
    const want = inode.kind === InodeKind.DIR ? 2 + subdirs : 1;
    if (inode.nlink !== want) problems.push(`inode ${id}: nlink ${inode.nlink}, expected ${want}`);
  }

  // Reachability, with paths; a visited set guards against cycles.
  const nodes = new Map<string, NodeView>();
  const visited = new Set<number>([ROOT_ID]);
  const queue: Array<{ id: number; path: string }> = [{ id: ROOT_ID, path: '' }];
  while (queue.length > 0) {
    const { id, path: p } = queue.shift() as { id: number; path: string };
    for (const c of children.get(id) ?? []) {
      const inode = inodes.get(c.child);
      if (inode === undefined) continue;
      const childPath = `${p}/${c.name}`;
      if (visited.has(c.child)) {
        problems.push(`${childPath}: inode ${c.child} reached twice (cycle or second name)`);
        continue;
      }
      visited.add(c.child);
      nodes.set(childPath, { id: c.child, type: typeOfKind(inode.kind), nlink: inode.nlink });
      queue.push({ id: c.child, path: childPath });
    }
  }
  for (const id of inodes.keys()) {
    if (visited.has(id) && trash.has(id)) problems.push(`inode ${id}: both in the namespace and in trash`);
    if (!visited.has(id) && !trash.has(id) && (incoming.get(id) ?? 0) > 0) problems.push(`inode ${id}: not reachable from the root`);
  }
  const trashInodes = [...trash].filter((id) => inodes.has(id)).length;
  return { nodes, root, inodeCount: inodes.size, edgeCount: edges.length, trashRoots, trashInodes, problems };
}

/** Differences between two path -> node maps, in words (first few). */
export function diffViews(a: Map<string, NodeView>, b: Map<string, NodeView>, aName: string, bName: string, limit = 20): string[] {
  const out: string[] = [];
  for (const [p, na] of a) {
    const nb = b.get(p);
    if (nb === undefined) out.push(`${p}: in ${aName}, not in ${bName}`);
    else if (na.id !== nb.id || na.type !== nb.type || na.nlink !== nb.nlink) {
      out.push(`${p}: ${aName} ${JSON.stringify(na)} vs ${bName} ${JSON.stringify(nb)}`);
    }
  }
  for (const p of b.keys()) if (!a.has(p)) out.push(`${p}: in ${bName}, not in ${aName}`);
  return out.slice(0, limit);
}

/** Every directory below a host directory, as strata paths ('/x/y'). */
export async function hostDirs(root: string): Promise<Set<string>> {
  const out = new Set<string>();
  const visit = async (host: string, rel: string): Promise<void> => {
    for (const entry of await readdir(host, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const p = `${rel}/${entry.name}`;
      out.add(p);
      await visit(path.join(host, entry.name), p);
    }
  };
  await visit(root, '');
  return out;
}

export function isCode(code: ErrorCode): (err: unknown) => boolean {
  return (err: unknown) => err instanceof StrataError && err.code === code;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
