// A deterministic simulation of a Raft group in one process. One seeded PRNG
// drives everything: the network (drops, delays, duplicates, reordering,
// symmetric and one-way partitions), crashes and restarts (some aimed at a
// node with unpersisted Readys), process pauses (a leader that wakes up
// still believing it leads), clients doing put/get on a replicated
// key-value map, membership changes, leadership transfers, compaction and
// snapshots. Each seed also draws its own "weather" (rates, batch and window
// sizes), from calm to hostile.
//
// A node is a RaftCore plus what a driver keeps: a durable store (only what a
// persisted Ready put there survives a crash), a state machine rebuilt from
// it on restart, and the Ready loop (persist, send, apply, advance). Readys
// may wait unpersisted, several at once, persisted in order; a crash loses
// them. Only a leader's appends may leave before their Ready is persisted.
//
// Invariants are checked as the run goes (every core call, every apply):
// at most one leader per term; a new leader holds every entry committed in
// an earlier term; committed entries never change (one global index -> entry
// map); every node applies a prefix of that log (a digest chain, which also
// checks snapshots); handed-out entries are durable; a node's term never
// goes back, and after a restart is at least any term it sent. At the end:
// heal everything and require progress (removed nodes re-added, a marker
// applied everywhere), and the client history must be linearizable. A
// failure throws SimFailure naming the seed: rerun it alone with
// RAFT_SEED=<seed> (RAFT_TRACE=1 prints what happened).

import { RaftCore } from '../../src/raft/core';
import { StrataError } from '../../src/common/errors';
import { EntryType, type Entry, type HardState, type Message, type NodeId, type Ready, type SnapshotMeta } from '../../src/raft/types';
import { checkLinearizable, kvModel, type KvInput, type KvOutput, type Operation } from '../lib/linearizability';

// ---------------------------------------------------------------- randomness

/** mulberry32: small, fast, and good enough to drive a simulation. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

// ---------------------------------------------------------------- options and results

export interface SimOptions {
  seed: number;
  nodes: number;
  /** Steps (one tick each) of the phase with faults and client load. */
  steps: number;
  /** Check the clients' history for linearizability at the end (default true). */
  linearizability?: boolean;
  /** Receives a line per notable event. */
  trace?: (line: string) => void;
}

export interface SimStats {
  committed: number;
  terms: number;
  crashes: number;
  snapshotsInstalled: number;
  confChanges: number;
  transfers: number;
  puts: number;
  gets: number;
  linearizable: 'yes' | 'unknown' | 'not checked';
  livenessSteps: number;
}

export class SimFailure extends Error {
  constructor(
    readonly seed: number,
    message: string,
  ) {
    super(`seed=${seed}: ${message}`);
    this.name = 'SimFailure';
  }
}

// ---------------------------------------------------------------- the pieces

const ELECTION_TICKS = 10;
/** Client operations give up after this many steps (a put's outcome is then unknown). */
const OP_TIMEOUT = 60;
const LIVENESS_STEPS = 1500;
const KEYS = ['a', 'b', 'c'];

interface KvData {
  kv: Map<string, string>;
  /** Hash chain over every entry applied, so two states can be compared cheaply. */
  digest: number;
}

interface Durable {
  hardState: HardState;
  snapshot: { meta: SnapshotMeta; data: KvData };
  entries: Entry[];
}

interface Held {
  rd: Ready;
  appendsSent: boolean;
}

class SimNode {
  core: RaftCore | null = null;
  disk: Durable;
  sm: KvData & { applied: number };
  /** Readys handed out but not persisted yet, oldest first: a crash loses them all. */
  held: Held[] = [];
  incarnation = 0;
  restartAt = 0;
  /** Frozen (a long GC pause, a stopped VM) until this step: no ticks, no input, no output. */
  pausedUntil = 0;
  /** The term the core had at the last look, to see it never go back. */
  seenTerm = 0;
  maxSentTerm = 0;
  /** Snapshot data that arrived with 'snapshot' messages, by "index/term". */
  readonly received = new Map<string, KvData>();
  constructor(
    readonly id: NodeId,
    readonly address: string,
    peers: { id: NodeId; address: string }[],
  ) {
    const empty: KvData = { kv: new Map(), digest: 0 };
    this.disk = { hardState: { term: 0, vote: '', commit: 0 }, snapshot: { meta: { index: 0, term: 0, conf: { voters: peers } }, data: empty }, entries: [] };
    this.sm = { kv: new Map(), digest: 0, applied: 0 };
  }
}

interface Envelope {
  msg: Message;
  /** The state a snapshot message carries (outside the core, like the driver's file). */
  data?: KvData;
  senderIncarnation: number;
}

interface PendingOp {
  kind: 'put' | 'get';
  node: NodeId;
  incarnation: number;
  started: number;
  op: Operation<KvInput, KvOutput>;
  /** put: where the entry went. */
  index: number;
  term: number;
  /** get: the readIndex request, and the index it must wait for once answered. */
  requestId: number;
  readIndex: number;
}

interface Client {
  id: number;
  target: NodeId;
  seq: number;
  pending: PendingOp | null;
}

interface Profile {
  drop: number;
  dup: number;
  maxDelay: number;
  crash: number;
  /** Crash a node that has unpersisted Readys: the moment durability matters most. */
  crashUnpersisted: number;
  pause: number;
  partition: number;
  heal: number;
  hold: number;
  /** How many Readys may wait unpersisted at once. */
  pipeline: number;
  earlyAppends: number;
  confChange: number;
  transfer: number;
  compact: number;
  clientRate: number;
  skipTick: number;
}

function hashString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function entryDigest(prev: number, e: Entry): number {
  return hashString(hashString(prev ^ 0x9e3779b9, `${e.term}|${e.type}|`), e.data.toString('latin1'));
}

function cloneKv(d: KvData): KvData {
  return { kv: new Map(d.kv), digest: d.digest };
}

/** What a serialized message would give: a copy the receiver cannot share state through (entries are immutable). */
function cloneMessage(m: Message): Message {
  const copy: Message = { ...m, entries: m.entries.slice() };
  if (m.snapshot !== undefined) copy.snapshot = { ...m.snapshot, conf: { voters: m.snapshot.conf.voters.map((p) => ({ ...p })) } };
  return copy;
}

// ---------------------------------------------------------------- the simulation

export function runSimulation(options: SimOptions): SimStats {
  const sim = new Simulation(options);
  try {
    return sim.run();
  } catch (err) {
    if (err instanceof SimFailure) throw err;
    // The core threw (an invariant of its own): still name the seed.
    throw new SimFailure(options.seed, `step ${sim.currentStep}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}

class Simulation {
  private readonly rng: Rng;
  private readonly seed: number;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly ids: NodeId[];
  private readonly profile: Profile;
  private readonly heartbeatTicks: number;
  private readonly maxEntries: number;
  private readonly maxInflight: number;
  private now = 0;
  private readonly inFlight = new Map<number, Envelope[]>();
  private readonly blocked = new Set<string>();

  // What every node must agree on.
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly committedTerm: number[] = [0];
  private readonly committedData: string[] = [''];
  private readonly committedDigest: number[] = [0];
  /**
   * For each committed index, a term by which it was surely committed (the
   * lowest term of a node seen applying it): leaders of later terms must hold it.
   */
  private readonly committedBy: number[] = [0];
  private maxCommitted = 0;

  // Clients and their history.
  private readonly clients: Client[] = [];
  private readonly history: Operation<KvInput, KvOutput>[] = [];
  private readonly failedPuts = new Set<Operation<KvInput, KvOutput>>();
  private clock = 0;
  private nextRequestId = 1;
  /** Liveness: marker value -> nodes that applied it. */
  private readonly markers = new Map<string, Set<NodeId>>();

  private readonly stats: SimStats = {
    committed: 0,
    terms: 0,
    crashes: 0,
    snapshotsInstalled: 0,
    confChanges: 0,
    transfers: 0,
    puts: 0,
    gets: 0,
    linearizable: 'not checked',
    livenessSteps: 0,
  };

  constructor(private readonly options: SimOptions) {
    this.seed = options.seed;
    this.rng = new Rng(options.seed);
    const rng = this.rng;
    // Each seed draws its own weather: from calm to hostile.
    this.profile = {
      drop: rng.pick([0, 0.01, 0.05, 0.15, 0.3]),
      dup: rng.pick([0, 0.02, 0.1]),
      maxDelay: rng.pick([1, 2, 4, 8]),
      crash: rng.pick([0, 0.003, 0.01, 0.03]),
      crashUnpersisted: rng.pick([0, 0.02, 0.1]),
      pause: rng.pick([0, 0.005, 0.02]),
      partition: rng.pick([0, 0.005, 0.02, 0.05]),
      heal: rng.pick([0.01, 0.05]),
      hold: rng.pick([0, 0.1, 0.3, 0.7]),
      pipeline: rng.pick([1, 3, 6]),
      earlyAppends: rng.pick([0, 0.5, 1]),
      confChange: rng.pick([0, 0.005, 0.02]),
      transfer: rng.pick([0, 0.003, 0.01]),
      compact: rng.pick([0, 0.01, 0.05]),
      clientRate: rng.pick([0.1, 0.3, 0.7]),
      skipTick: rng.pick([0, 0.05]),
    };
    this.heartbeatTicks = rng.pick([1, 2, 3]);
    this.maxEntries = rng.pick([1, 2, 8, 64]);
    this.maxInflight = rng.pick([1, 2, 4, 16]);
    this.ids = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`);
    const peers = this.ids.map((id) => ({ id, address: `sim://${id}` }));
    for (const p of peers) this.nodes.set(p.id, new SimNode(p.id, p.address, peers));
    for (let c = 0; c < 3; c++) this.clients.push({ id: c, target: rng.pick(this.ids), seq: 0, pending: null });
    this.trace(() => `profile ${JSON.stringify(this.profile)} heartbeat=${this.heartbeatTicks} maxEntries=${this.maxEntries} maxInflight=${this.maxInflight}`);
  }

  get currentStep(): number {
    return this.now;
  }

  run(): SimStats {
    for (const n of this.nodes.values()) this.start(n);
    for (this.now = 1; this.now <= this.options.steps; this.now++) {
      this.injectFaults();
      this.clientsAct();
      this.step();
    }
    this.checkLiveness();
    this.finishClients();
    if (this.options.linearizability !== false) this.checkHistory();
    this.stats.committed = this.maxCommitted;
    this.stats.terms = this.leaderOfTerm.size;
    return this.stats;
  }

  /** One unit of time: ticks, deliveries, Ready handling, timeouts. */
  private step(): void {
    for (const n of this.nodes.values()) {
      if (n.core === null || this.isPaused(n)) continue;
      if (this.rng.chance(this.profile.skipTick)) continue; // clocks drift
      n.core.tick();
      this.observe(n);
    }
    this.deliverDue();
    for (const n of this.nodes.values()) if (!this.isPaused(n)) this.processReadies(n);
    this.expireClientOps();
  }

  private isPaused(n: SimNode): boolean {
    return n.pausedUntil > this.now;
  }

  private fail(message: string): never {
    throw new SimFailure(this.seed, `step ${this.now}: ${message}`);
  }

  private trace(line: () => string): void {
    if (this.options.trace) this.options.trace(`[${this.now}] ${line()}`);
  }

  // ------------------------------------------------------------ nodes: start, crash, Ready loop

  private start(n: SimNode): void {
    const snap = n.disk.snapshot;
    n.core = new RaftCore(
      {
        id: n.id,
        electionTicks: ELECTION_TICKS,
        heartbeatTicks: this.heartbeatTicks,
        maxEntriesPerMessage: this.maxEntries,
        maxInflight: this.maxInflight,
        random: () => this.rng.next(),
        holdVotesAtStart: true, // as the masters run it
      },
      {
        hardState: { ...n.disk.hardState },
        conf: snap.meta.conf,
        snapshotIndex: snap.meta.index,
        snapshotTerm: snap.meta.term,
        entries: n.disk.entries.slice(),
        applied: snap.meta.index,
      },
    );
    // The state machine is memory only: it comes back from the snapshot, the log replays the rest.
    n.sm = { ...cloneKv(snap.data), applied: snap.meta.index };
    n.incarnation++;
    if (n.core.term < n.maxSentTerm) this.fail(`${n.id} restarted at term ${n.core.term} but had sent messages of term ${n.maxSentTerm}`);
    n.seenTerm = n.core.term;
    this.trace(() => `${n.id} starts at term ${n.core?.term} (snapshot ${snap.meta.index}, ${n.disk.entries.length} entries)`);
  }

  private crash(n: SimNode): void {
    this.trace(() => `${n.id} crashes${n.held.length > 0 ? ` with ${n.held.length} unpersisted Ready(s)` : ''}`);
    n.core = null;
    n.held = []; // what was not persisted is gone
    n.received.clear();
    n.restartAt = this.now + 5 + this.rng.int(60);
    this.stats.crashes++;
    for (const c of this.clients) {
      const p = c.pending;
      if (p !== null && p.node === n.id) this.abandon(c);
    }
  }

  /** After every call into a core: the role and term invariants. */
  private observe(n: SimNode): void {
    const core = n.core;
    if (core === null) return;
    const term = core.term;
    if (term < n.seenTerm) this.fail(`${n.id}'s term went back from ${n.seenTerm} to ${term}`);
    n.seenTerm = term;
    if (!core.isLeader) return;
    const known = this.leaderOfTerm.get(term);
    if (known === n.id) return;
    if (known !== undefined) this.fail(`two leaders in term ${term}: ${known} and ${n.id}`);
    this.leaderOfTerm.set(term, n.id);
    this.trace(() => `${n.id} leads term ${term}`);
    // Leader completeness (§5.4): it holds every entry committed in an earlier term.
    // (A leader of an old term, elected late by delayed votes, may lack later commits.)
    const first = core.status.firstIndex;
    for (let i = Math.max(first, 1); i <= this.maxCommitted; i++) {
      if (this.committedBy[i] >= term) continue;
      const t = core.termAt(i);
      if (t !== this.committedTerm[i]) this.fail(`new leader ${n.id} of term ${term} has term ${t} at ${i}, committed with term ${this.committedTerm[i]} by term ${this.committedBy[i]}`);
    }
  }

  /**
   * The driver loop. Readys may pile up unpersisted (a slow disk, or a
   * driver that writes asynchronously): they are persisted in order, and a
   * crash loses every one not persisted yet.
   */
  private processReadies(n: SimNode): void {
    if (n.core === null) return;
    // Persist some of what is waiting (all of it, usually).
    while (n.held.length > 0 && !(n.held.length <= this.profile.pipeline && this.rng.chance(this.profile.hold))) {
      this.persist(n, n.held.shift() as Held);
    }
    for (let i = 0; i < 8 && n.core.hasReady(); i++) {
      const rd = n.core.ready();
      // Raft §10.2.1: a leader may send its appends before its own write.
      const appendsSent = this.rng.chance(this.profile.earlyAppends);
      if (appendsSent) for (const m of rd.messages) if (m.type === 'append') this.send(n, m);
      n.held.push({ rd, appendsSent });
      if (n.held.length <= this.profile.pipeline && this.rng.chance(this.profile.hold)) return; // left for a later step
      while (n.held.length > 0) this.persist(n, n.held.shift() as Held);
    }
    // Quiescent (a snapshot received meanwhile would still be pending): core and state machine agree.
    if (n.held.length === 0 && !n.core.hasReady() && n.core.status.applied !== n.sm.applied) {
      this.fail(`${n.id}: core applied ${n.core.status.applied}, state machine ${n.sm.applied}`);
    }
  }

  /** The driver's part of a Ready, in etcd's order. */
  private persist(n: SimNode, held: Held): void {
    const core = n.core as RaftCore;
    const rd = held.rd;
    if (rd.snapshot !== null) this.installSnapshot(n, rd.snapshot);
    if (rd.entries.length > 0) {
      // Cut back a conflicting suffix, then append.
      const keep = rd.entries[0].index - n.disk.snapshot.meta.index - 1;
      if (keep < 0 || keep > n.disk.entries.length) this.fail(`${n.id} got entries from ${rd.entries[0].index}, not next to its durable log`);
      n.disk.entries.length = keep;
      for (const e of rd.entries) n.disk.entries.push(e);
    }
    if (rd.hardState !== null) n.disk.hardState = { ...rd.hardState };
    for (const m of rd.messages) {
      if (held.appendsSent && m.type === 'append') continue;
      if (m.type === 'snapshot') this.sendSnapshot(n, m);
      else this.send(n, m);
    }
    let expect = n.sm.applied + 1;
    for (const e of rd.committedEntries) {
      if (e.index !== expect) this.fail(`${n.id} was handed entry ${e.index} after ${expect - 1}`);
      expect++;
      this.apply(n, e);
    }
    for (const rs of rd.readStates) {
      for (const c of this.clients) {
        const p = c.pending;
        if (p !== null && p.kind === 'get' && p.node === n.id && p.incarnation === n.incarnation && p.requestId === rs.requestId) p.readIndex = rs.index;
      }
    }
    core.advance(rd);
    this.observe(n);
    this.completeReads(n);
  }

  private installSnapshot(n: SimNode, meta: SnapshotMeta): void {
    const data = n.received.get(`${meta.index}/${meta.term}`);
    if (data === undefined) this.fail(`${n.id} installs snapshot ${meta.index}/${meta.term} it never received`);
    if (this.committedTerm[meta.index] !== meta.term || this.committedDigest[meta.index] !== data.digest) {
      this.fail(`${n.id} installs snapshot ${meta.index}/${meta.term} that differs from the committed log`);
    }
    n.disk.snapshot = { meta, data: cloneKv(data) };
    n.disk.entries = [];
    n.sm = { ...cloneKv(data), applied: meta.index };
    for (const key of [...n.received.keys()]) if (Number(key.split('/')[0]) <= meta.index) n.received.delete(key);
    this.stats.snapshotsInstalled++;
    this.trace(() => `${n.id} installs snapshot at ${meta.index}`);
  }

  private apply(n: SimNode, e: Entry): void {
    // Handed out only once durable.
    const disk = n.disk;
    const onDisk = e.index <= disk.snapshot.meta.index ? null : disk.entries[e.index - disk.snapshot.meta.index - 1];
    if (onDisk === undefined || onDisk === null || onDisk.term !== e.term) this.fail(`${n.id} was handed committed entry ${e.index} that is not durable`);
    const data = e.data.toString('latin1');
    const known = this.committedTerm[e.index];
    const by = (n.core as RaftCore).term;
    if (!(this.committedBy[e.index] <= by)) this.committedBy[e.index] = by;
    if (known === undefined) {
      this.committedTerm[e.index] = e.term;
      this.committedData[e.index] = `${e.type}:${data}`;
      this.maxCommitted = Math.max(this.maxCommitted, e.index);
    } else if (known !== e.term || this.committedData[e.index] !== `${e.type}:${data}`) {
      this.fail(`${n.id} applies ${e.index} as term ${e.term} "${data}", committed before as term ${known} "${this.committedData[e.index]}"`);
    }
    const digest = entryDigest(n.sm.digest, e);
    const knownDigest = this.committedDigest[e.index];
    if (knownDigest === undefined) this.committedDigest[e.index] = digest;
    else if (knownDigest !== digest) this.fail(`${n.id}'s state after ${e.index} differs from another node's: its applied log diverged`);
    n.sm.digest = digest;
    n.sm.applied = e.index;
    if (e.type === EntryType.NORMAL && e.data.length > 0) {
      const cmd = JSON.parse(data) as { c?: number; k?: string; v?: string; m?: string };
      if (cmd.m !== undefined) {
        let set = this.markers.get(cmd.m);
        if (set === undefined) this.markers.set(cmd.m, (set = new Set()));
        set.add(n.id);
      } else if (cmd.k !== undefined && cmd.v !== undefined) {
        n.sm.kv.set(cmd.k, cmd.v);
      }
    } else if (e.type === EntryType.CONF_CHANGE) {
      this.trace(() => `${n.id} applies ${e.index}: ${data}`);
    }
    // A client waiting on this index learns its fate: its entry, or another one in its place.
    for (const c of this.clients) {
      const p = c.pending;
      if (p === null || p.kind !== 'put' || p.node !== n.id || p.incarnation !== n.incarnation || p.index !== e.index) continue;
      if (p.term === e.term) {
        p.op.ret = ++this.clock;
        p.op.output = {};
      } else {
        this.failedPuts.add(p.op); // overwritten: it never took effect and never will
      }
      c.pending = null;
    }
  }

  private compact(n: SimNode): void {
    const core = n.core;
    if (core === null || n.held.length > 0) return;
    const index = n.sm.applied;
    if (index <= n.disk.snapshot.meta.index) return;
    const term = core.termAt(index);
    if (term === null) this.fail(`${n.id} has no term for its applied index ${index}`);
    n.disk.snapshot = { meta: { index, term, conf: core.confState }, data: cloneKv(n.sm) };
    n.disk.entries = n.disk.entries.filter((e) => e.index > index);
    core.compact(index);
    this.trace(() => `${n.id} compacts to ${index}`);
  }

  // ------------------------------------------------------------ network

  private send(from: SimNode, m: Message, data?: KvData): void {
    // A pre-vote and its grant name a term nobody is in yet: no promise to keep.
    if (m.type !== 'preVote' && m.type !== 'preVoteResponse') from.maxSentTerm = Math.max(from.maxSentTerm, m.term);
    if (this.rng.chance(this.profile.drop)) {
      if (m.type === 'snapshot') this.reportSnapshotLater(from, m, false);
      return;
    }
    const copies = this.rng.chance(this.profile.dup) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.enqueue(this.now + 1 + this.rng.int(this.profile.maxDelay), { msg: cloneMessage(m), data, senderIncarnation: from.incarnation });
    }
  }

  private enqueue(at: number, env: Envelope): void {
    let bucket = this.inFlight.get(at);
    if (bucket === undefined) this.inFlight.set(at, (bucket = []));
    bucket.push(env);
  }

  /** The driver's side of a snapshot: the state machine as of its applied index. */
  private sendSnapshot(from: SimNode, m: Message): void {
    const core = from.core as RaftCore;
    const index = from.sm.applied;
    const term = core.termAt(index);
    if (term === null) this.fail(`${from.id} cannot name the term of its applied index ${index}`);
    this.send(from, { ...m, snapshot: { index, term, conf: core.confState } }, cloneKv(from.sm));
  }

  private reportSnapshotLater(from: SimNode, m: Message, ok: boolean): void {
    this.enqueue(this.now + 1, { msg: { ...m, type: 'snapshotStatus', reject: !ok }, senderIncarnation: from.incarnation });
  }

  private deliverDue(): void {
    const due = this.inFlight.get(this.now);
    if (due === undefined) return;
    this.inFlight.delete(this.now);
    for (const env of this.rng.shuffle(due)) {
      const m = env.msg;
      if (m.type === 'snapshotStatus') {
        const sender = this.nodes.get(m.from) as SimNode;
        if (sender.core !== null && sender.incarnation === env.senderIncarnation) {
          sender.core.reportSnapshot(m.to, !m.reject);
          this.observe(sender);
        }
        continue;
      }
      const to = this.nodes.get(m.to) as SimNode;
      if (to.core !== null && this.isPaused(to)) {
        this.enqueue(to.pausedUntil, env); // waits in its socket buffer
        continue;
      }
      const lost = to.core === null || this.blocked.has(`${m.from}>${m.to}`);
      if (m.type === 'snapshot') {
        const sender = this.nodes.get(m.from) as SimNode;
        if (sender.core !== null && sender.incarnation === env.senderIncarnation) {
          sender.core.reportSnapshot(m.to, !lost);
          this.observe(sender);
        }
        if (!lost && m.snapshot !== undefined && env.data !== undefined) to.received.set(`${m.snapshot.index}/${m.snapshot.term}`, env.data);
      }
      if (lost || to.core === null) continue;
      to.core.step(m);
      this.observe(to);
    }
  }

  // ------------------------------------------------------------ faults

  private injectFaults(): void {
    const rng = this.rng;
    const p = this.profile;
    for (const n of this.nodes.values()) {
      if (n.core === null && this.now >= n.restartAt) this.start(n);
    }
    if (rng.chance(p.crash)) {
      // Leaders crash more often than chance would have it: that is where the trouble is.
      const leader = this.currentLeader();
      const n = leader !== null && rng.chance(0.5) ? leader : (this.nodes.get(rng.pick(this.ids)) as SimNode);
      if (n.core !== null) this.crash(n);
    }
    if (rng.chance(p.crashUnpersisted)) {
      const waiting = [...this.nodes.values()].filter((n) => n.core !== null && n.held.length > 0);
      if (waiting.length > 0) this.crash(rng.pick(waiting));
    }
    if (rng.chance(p.pause)) {
      // Leaders pause more often: a leader that wakes up still thinks it leads.
      const leader = this.currentLeader();
      const n = leader !== null && rng.chance(0.5) ? leader : (this.nodes.get(rng.pick(this.ids)) as SimNode);
      if (n.core !== null && !this.isPaused(n)) {
        n.pausedUntil = this.now + ELECTION_TICKS + rng.int(4 * ELECTION_TICKS);
        this.trace(() => `${n.id} pauses until ${n.pausedUntil}`);
      }
    }
    if (rng.chance(p.partition)) this.partition();
    if (this.blocked.size > 0 && rng.chance(p.heal)) {
      this.blocked.clear();
      this.trace(() => 'network healed');
    }
    if (rng.chance(p.confChange)) this.changeMembership();
    if (rng.chance(p.transfer)) {
      const leader = this.currentLeader();
      if (leader !== null) {
        const voters = (leader.core as RaftCore).confState.voters.filter((v) => v.id !== leader.id);
        if (voters.length > 0) {
          const to = rng.pick(voters).id;
          (leader.core as RaftCore).transferLeadership(to);
          this.observe(leader);
          this.stats.transfers++;
          this.trace(() => `${leader.id} transfers leadership to ${to}`);
        }
      }
    }
    if (rng.chance(p.compact)) this.compact(this.nodes.get(rng.pick(this.ids)) as SimNode);
  }

  private partition(): void {
    const rng = this.rng;
    if (rng.chance(0.5)) {
      // Symmetric: one side cannot talk to the other.
      const side = new Set(this.ids.filter(() => rng.chance(0.5)));
      for (const a of this.ids) {
        for (const b of this.ids) if (side.has(a) !== side.has(b)) this.blocked.add(`${a}>${b}`);
      }
      this.trace(() => `partition {${[...side].join(',')}} | rest`);
    } else {
      // One-way: a hears nothing from b, but b hears a.
      const a = rng.pick(this.ids);
      const b = rng.pick(this.ids.filter((id) => id !== a));
      this.blocked.add(`${b}>${a}`);
      this.trace(() => `one-way cut ${b} -> ${a}`);
    }
  }

  /** The leader of the highest term among live nodes, if any. */
  private currentLeader(): SimNode | null {
    let best: SimNode | null = null;
    for (const n of this.nodes.values()) {
      if (n.core?.isLeader && (best === null || n.core.term > (best.core as RaftCore).term)) best = n;
    }
    return best;
  }

  private changeMembership(): void {
    const leader = this.currentLeader();
    if (leader === null) return;
    const core = leader.core as RaftCore;
    const voters = core.confState.voters.map((v) => v.id);
    const removed = this.ids.filter((id) => !voters.includes(id));
    const add = removed.length > 0 && (voters.length <= 1 || this.rng.chance(0.6));
    const id = add ? this.rng.pick(removed) : this.rng.pick(voters);
    try {
      core.proposeConfChange(add ? { type: 'add', id, address: `sim://${id}` } : { type: 'remove', id });
      this.stats.confChanges++;
      this.trace(() => `${leader.id} proposes ${add ? 'adding' : 'removing'} ${id}`);
    } catch (err) {
      if (!(err instanceof StrataError)) throw err; // refused (pending change, transfer): fine
    }
    this.observe(leader);
  }

  // ------------------------------------------------------------ clients

  private clientsAct(): void {
    for (const c of this.clients) {
      if (c.pending !== null || !this.rng.chance(this.profile.clientRate)) continue;
      const n = this.nodes.get(c.target) as SimNode;
      if (this.isPaused(n)) continue; // the request would sit in its socket buffer
      const core = n.core;
      if (core === null || !core.isLeader) {
        // Follow the hint if there is one, else try someone else.
        c.target = core?.leaderId ?? this.rng.pick(this.ids);
        continue;
      }
      const key = this.rng.pick(KEYS);
      if (this.rng.chance(0.5)) {
        const value = `c${c.id}.${c.seq++}`;
        let at: { index: number; term: number };
        try {
          at = core.propose(Buffer.from(JSON.stringify({ c: c.id, k: key, v: value })));
        } catch (err) {
          if (!(err instanceof StrataError)) throw err;
          continue; // refused: it did not happen
        } finally {
          this.observe(n);
        }
        const op: Operation<KvInput, KvOutput> = { client: c.id, input: { op: 'put', key, value }, call: ++this.clock, ret: Infinity, output: undefined };
        this.history.push(op);
        c.pending = { kind: 'put', node: n.id, incarnation: n.incarnation, started: this.now, op, index: at.index, term: at.term, requestId: 0, readIndex: 0 };
        this.stats.puts++;
      } else {
        const requestId = this.nextRequestId++;
        const call = ++this.clock;
        const ok = core.readIndex(requestId);
        this.observe(n);
        if (!ok) continue;
        const op: Operation<KvInput, KvOutput> = { client: c.id, input: { op: 'get', key }, call, ret: Infinity, output: undefined };
        c.pending = { kind: 'get', node: n.id, incarnation: n.incarnation, started: this.now, op, index: 0, term: 0, requestId, readIndex: 0 };
      }
    }
  }

  /** Reads whose read index the node has applied return what it holds now. */
  private completeReads(n: SimNode): void {
    for (const c of this.clients) {
      const p = c.pending;
      if (p === null || p.kind !== 'get' || p.node !== n.id || p.incarnation !== n.incarnation) continue;
      if (p.readIndex === 0 || n.sm.applied < p.readIndex) continue;
      p.op.ret = ++this.clock;
      p.op.output = { value: n.sm.kv.get(p.op.input.key) };
      this.history.push(p.op);
      this.stats.gets++;
      c.pending = null;
    }
  }

  private expireClientOps(): void {
    for (const c of this.clients) {
      if (c.pending !== null && this.now - c.pending.started > OP_TIMEOUT) this.abandon(c);
    }
  }

  /** The client stops waiting: a put's outcome is unknown; a get without an answer is no op at all. */
  private abandon(c: Client): void {
    c.pending = null;
    c.target = this.rng.pick(this.ids);
  }

  private finishClients(): void {
    for (const c of this.clients) if (c.pending !== null) this.abandon(c);
  }

  private checkHistory(): void {
    const ops = this.history.filter((op) => !this.failedPuts.has(op));
    const result = checkLinearizable(kvModel, ops, { timeoutMs: 5000 });
    if (result.ok === false) this.fail(`client history is not linearizable: ${result.reason}`);
    this.stats.linearizable = result.ok === true ? 'yes' : 'unknown';
  }

  // ------------------------------------------------------------ liveness

  /**
   * Heals everything and requires the group to make progress: a leader
   * re-adds any removed node, then commits a marker entry that every node
   * applies.
   */
  private checkLiveness(): void {
    this.trace(() => 'liveness: healing everything');
    this.blocked.clear();
    Object.assign(this.profile, { drop: 0, dup: 0, maxDelay: 2, crash: 0, partition: 0, confChange: 0, transfer: 0, clientRate: 0, skipTick: 0 });
    for (const n of this.nodes.values()) {
      if (n.core === null) this.start(n);
      n.pausedUntil = 0;
    }
    Object.assign(this.profile, { crashUnpersisted: 0, pause: 0 });
    let attempt = 0;
    let proposedAt: { node: NodeId; term: number; index: number; step: number } | null = null;
    const deadline = this.now + LIVENESS_STEPS;
    for (; this.now < deadline; this.now++) {
      this.step();
      if ([...this.markers.values()].some((s) => s.size === this.ids.length)) {
        this.stats.livenessSteps = this.now - (deadline - LIVENESS_STEPS);
        return;
      }
      const leader = this.currentLeader();
      if (leader === null) continue;
      const core = leader.core as RaftCore;
      if (proposedAt !== null && proposedAt.node === leader.id && proposedAt.term === core.term && this.now - proposedAt.step < 50) continue;
      if (this.now % 5 !== 0) continue; // a refused proposal is retried a little later
      const voters = core.confState.voters.map((v) => v.id);
      const missing = this.ids.find((id) => !voters.includes(id));
      try {
        let at: { index: number; term: number };
        if (missing !== undefined) {
          at = core.proposeConfChange({ type: 'add', id: missing, address: `sim://${missing}` });
          this.trace(() => `liveness: ${leader.id} re-adds ${missing}`);
        } else {
          at = core.propose(Buffer.from(JSON.stringify({ m: `marker-${attempt++}` })));
          this.trace(() => `liveness: ${leader.id} proposes a marker`);
        }
        proposedAt = { node: leader.id, term: at.term, index: at.index, step: this.now };
      } catch (err) {
        if (!(err instanceof StrataError)) throw err;
      }
      this.observe(leader);
    }
    const state = [...this.nodes.values()].map((n) => `${n.id}: ${n.core ? `${n.core.status.role} term ${n.core.term} commit ${n.core.status.commit} applied ${n.sm.applied} voters ${n.core.confState.voters.map((v) => v.id).join(',')}` : 'down'}`);
    this.fail(`no progress within ${LIVENESS_STEPS} steps after healing everything:\n  ${state.join('\n  ')}`);
  }
}
