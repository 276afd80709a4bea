// Focused scenarios for the pure Raft core (src/raft/core.ts), each driven
// message by message through a tiny in-process network (Net below): a
// node's Ready is persisted into its MemoryLog, its messages queued, its
// committed entries recorded, then advance().

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RaftCore, CAMPAIGN_TRANSFER } from '../../src/raft/core';
import { ErrorCode, StrataError } from '../../src/common/errors';
import {
  EntryType,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type RaftConfig,
  type ReadState,
  type SnapshotMeta,
} from '../../src/raft/types';

const ELECTION = 10;
const HEARTBEAT = 2;

function peers(...ids: NodeId[]): ConfState {
  return { voters: ids.map((id) => ({ id, address: `addr-${id}` })) };
}

function config(id: NodeId, overrides: Partial<RaftConfig> = {}): RaftConfig {
  let x = id.charCodeAt(id.length - 1) * 7919;
  // Deterministic "randomness": a different election timeout per node.
  const random = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  return { id, electionTicks: ELECTION, heartbeatTicks: HEARTBEAT, maxEntriesPerMessage: 64, maxInflight: 8, random, ...overrides };
}

function entry(index: number, term: number, data = ''): Entry {
  return { index, term, type: EntryType.NORMAL, data: Buffer.from(data) };
}

/** What a node has on "disk": its hard state, snapshot point and log. */
interface MemoryLog {
  hardState: HardState;
  snapshot: SnapshotMeta | null;
  entries: Entry[];
}

class TestNode {
  readonly applied: Entry[] = [];
  readonly readStates: ReadState[] = [];
  readonly disk: MemoryLog;
  constructor(
    readonly id: NodeId,
    public core: RaftCore,
    disk?: MemoryLog,
  ) {
    this.disk = disk ?? { hardState: { term: 0, vote: '', commit: 0 }, snapshot: null, entries: [] };
  }
  get appliedData(): string[] {
    return this.applied.filter((e) => e.type === EntryType.NORMAL && e.data.length > 0).map((e) => e.data.toString());
  }
}

/** A network of cores with manual control over delivery. */
class Net {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages sent and not yet delivered, in order. */
  queue: Message[] = [];
  private readonly cut = new Set<string>();
  /** Every message that left a node, for assertions. */
  readonly sent: Message[] = [];
  /** Drops a message when it returns true. */
  filter: ((m: Message) => boolean) | null = null;
  /** Changes a message in flight (e.g. a shorter batch). */
  rewrite: ((m: Message) => Message) | null = null;

  constructor(ids: NodeId[], overrides: Partial<RaftConfig> = {}) {
    for (const id of ids) {
      const core = new RaftCore(config(id, overrides), {
        hardState: { term: 0, vote: '', commit: 0 },
        conf: peers(...ids),
        snapshotIndex: 0,
        snapshotTerm: 0,
        entries: [],
        applied: 0,
      });
      this.nodes.set(id, new TestNode(id, core));
    }
  }

  node(id: NodeId): TestNode {
    const n = this.nodes.get(id);
    assert.ok(n, `no node ${id}`);
    return n;
  }

  core(id: NodeId): RaftCore {
    return this.node(id).core;
  }

  add(node: TestNode): void {
    this.nodes.set(node.id, node);
  }

  /** Persists and hands out every Ready of one node. */
  drain(id: NodeId): void {
    const n = this.node(id);
    while (n.core.hasReady()) {
      const rd = n.core.ready();
      if (rd.snapshot !== null) {
        n.disk.snapshot = rd.snapshot;
        n.disk.entries = [];
      }
      if (rd.entries.length > 0) {
        const first = rd.entries[0].index;
        n.disk.entries = n.disk.entries.filter((e) => e.index < first).concat(rd.entries);
      }
      if (rd.hardState !== null) n.disk.hardState = { ...rd.hardState };
      for (const m of rd.messages) {
        this.sent.push(m);
        this.queue.push(m);
      }
      n.applied.push(...rd.committedEntries);
      n.readStates.push(...rd.readStates);
      n.core.advance(rd);
    }
  }

  drainAll(): void {
    for (const id of this.nodes.keys()) this.drain(id);
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Delivers what is queued now (not what it causes). */
  deliverQueued(): void {
    const batch = this.queue;
    this.queue = [];
    for (const m of batch) this.deliver(m);
  }

  deliver(m: Message): void {
    if (this.cut.has(`${m.from}>${m.to}`)) return;
    if (this.filter?.(m)) return;
    if (this.rewrite !== null) m = this.rewrite(m);
    const to = this.nodes.get(m.to);
    if (to === undefined) return;
    if (m.type === 'snapshot' && m.snapshot === undefined) {
      // The driver's part: a snapshot of the sender's state at its applied index.
      const from = this.core(m.from);
      const index = from.status.applied;
      m = { ...m, snapshot: { index, term: from.termAt(index) ?? 0, conf: from.confState } };
      to.core.step(m);
      from.reportSnapshot(m.to, true);
      return;
    }
    to.core.step(m);
  }

  /** Runs until no node has anything to say. */
  stabilize(maxRounds = 100): void {
    for (let i = 0; i < maxRounds; i++) {
      this.drainAll();
      if (this.queue.length === 0) return;
      this.deliverQueued();
    }
    throw new Error('the network did not settle');
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) this.core(id).tick();
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const n of this.nodes.values()) n.core.tick();
      this.stabilize();
    }
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.core.isLeader).map((n) => n.id);
  }

  /** Elects `id` by having it campaign and letting everything settle. */
  elect(id: NodeId): void {
    this.core(id).campaign();
    this.stabilize();
    assert.equal(this.core(id).isLeader, true, `${id} should lead`);
  }
}

/** A node restarted with the given durable log and term (no vote), applied up to `applied`. */
function nodeWith(id: NodeId, conf: ConfState, entries: Entry[], term: number, applied: number, overrides: Partial<RaftConfig> = {}): TestNode {
  const hardState = { term, vote: '', commit: applied };
  const core = new RaftCore(config(id, overrides), { hardState, conf, snapshotIndex: 0, snapshotTerm: 0, entries, applied });
  return new TestNode(id, core, { hardState, snapshot: null, entries: entries.slice() });
}

function restartFromDisk(net: Net, id: NodeId, conf: ConfState, applied = 0, overrides: Partial<RaftConfig> = {}): TestNode {
  const old = net.node(id);
  const snap = old.disk.snapshot;
  const core = new RaftCore(config(id, overrides), {
    hardState: old.disk.hardState,
    conf: snap?.conf ?? conf,
    snapshotIndex: snap?.index ?? 0,
    snapshotTerm: snap?.term ?? 0,
    entries: old.disk.entries,
    applied: Math.max(applied, snap?.index ?? 0),
  });
  const fresh = new TestNode(id, core, old.disk);
  net.add(fresh);
  return fresh;
}

function expectCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (err: unknown) => err instanceof StrataError && err.code === code);
}

// ---------------------------------------------------------------- elections

test('three nodes elect one leader, which commits its no-op everywhere', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  assert.deepEqual(net.leaders(), ['n1']);
  for (const id of ['n1', 'n2', 'n3']) {
    assert.equal(net.core(id).term, 1);
    assert.equal(net.core(id).leaderId, 'n1');
    assert.deepEqual(
      net.node(id).applied.map((e) => [e.index, e.term, e.data.length]),
      [[1, 1, 0]],
    );
  }
});

test('a follower that hears nothing campaigns after a randomized election timeout', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  // Ticks alone, with no campaign(): someone times out in [10, 20) ticks and wins.
  for (let t = 0; t < 2 * ELECTION && net.leaders().length === 0; t++) net.tickAll();
  assert.equal(net.leaders().length, 1);
});

test('a lone voter wins its election at once, without messages', () => {
  const net = new Net(['solo']);
  const core = net.core('solo');
  core.campaign();
  assert.equal(core.isLeader, true);
  const rd = core.ready();
  assert.deepEqual(rd.messages, []);
  assert.deepEqual(rd.hardState, { term: 1, vote: 'solo', commit: 0 });
  assert.equal(rd.entries.length, 1);
  core.advance(rd);
  // Its no-op is durable now, and a quorum of one holds it.
  const rd2 = core.ready();
  assert.deepEqual(
    rd2.committedEntries.map((e) => e.index),
    [1],
  );
  core.advance(rd2);
  const at = core.propose(Buffer.from('x'));
  assert.deepEqual(at, { index: 2, term: 1 });
  net.drain('solo');
  assert.deepEqual(net.node('solo').appliedData, ['x']);
});

test('pre-vote keeps a partitioned node from raising its term and disrupting the leader', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  net.isolate('n3');
  for (let i = 0; i < 10 * ELECTION; i++) net.tickAll();
  assert.equal(net.core('n3').term, 1, 'pre-vote never reaches a quorum, so the term stays');
  assert.equal(net.core('n3').isLeader, false);
  net.heal();
  for (let i = 0; i < 3 * ELECTION; i++) net.tickAll();
  assert.deepEqual(net.leaders(), ['n1']);
  assert.equal(net.core('n1').term, 1);
  assert.equal(net.core('n3').leaderId, 'n1');
});

test('a leader that cannot reach a quorum steps down after an election timeout (check-quorum)', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  net.isolate('n1');
  for (let i = 0; i < 2 * ELECTION; i++) net.tickAll();
  assert.equal(net.core('n1').isLeader, false);
  // Meanwhile the majority side elected a leader of its own.
  assert.equal(net.leaders().length, 1);
  assert.notEqual(net.leaders()[0], 'n1');
});

test('a node that heard from its leader recently ignores (pre)votes, unless for a transfer', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  const n2 = net.core('n2');
  const base = { from: 'n3', to: 'n2', term: 5, index: 100, logTerm: 5, entries: [], commit: 0, reject: false, rejectHint: 0, context: 0 };
  n2.step({ ...base, type: 'vote' });
  assert.equal(n2.term, 1, 'a vote within the lease is ignored');
  net.drain('n2');
  assert.equal(net.queue.length, 0);
  n2.step({ ...base, type: 'vote', context: CAMPAIGN_TRANSFER });
  assert.equal(n2.term, 5, 'a transfer vote overrides the lease');
  net.drain('n2');
  const resp = net.queue.find((m) => m.type === 'voteResponse');
  assert.ok(resp);
  assert.equal(resp.reject, false);
});

test('a stray message of a higher term does not end the vote lease of a node that heard its leader', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  const n2 = net.core('n2');
  const base = { from: 'n3', to: 'n2', index: 100, logTerm: 6, entries: [], commit: 0, reject: false, rejectHint: 0, context: 0 };
  n2.step({ ...base, type: 'preVoteResponse', term: 6, reject: true }); // a late answer of an old campaign
  assert.equal(n2.term, 6);
  n2.step({ ...base, type: 'vote', term: 7 });
  assert.equal(n2.term, 6, 'the vote is ignored: the leader was heard within an election timeout');
  net.drain('n2');
  assert.equal(net.queue.filter((m) => m.type === 'voteResponse').length, 0);
});

test('a node that restarted grants no (pre)vote for an election timeout, as if it had just heard a leader', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  const n2 = restartFromDisk(net, 'n2', peers('n1', 'n2', 'n3'), 0, { holdVotesAtStart: true }).core;
  assert.equal(n2.leaderId, null, 'a restarted node knows no leader');
  const base = { from: 'n3', to: 'n2', term: 5, index: 100, logTerm: 5, entries: [], commit: 0, reject: false, rejectHint: 0, context: 0 };
  n2.step({ ...base, type: 'vote' });
  assert.equal(n2.term, 1, 'a vote right after the restart is ignored');
  net.drain('n2');
  assert.equal(net.queue.length, 0);
  for (let i = 0; i < ELECTION; i++) n2.tick();
  net.drain('n2');
  net.queue.length = 0;
  n2.step({ ...base, type: 'vote' });
  assert.equal(n2.term, 5, 'an election timeout later it votes');
});

test('a stale leader learns the new term from the answer to its append and steps down', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  net.isolate('n1');
  for (let i = 0; i < 3 * ELECTION && !net.core('n2').isLeader && !net.core('n3').isLeader; i++) {
    net.tick('n2');
    net.tick('n3');
    net.stabilize();
  }
  const newLeader = net.leaders().find((id) => id !== 'n1');
  assert.ok(newLeader);
  assert.equal(net.core('n1').isLeader, true, 'still thinks it leads (no check-quorum tick yet)');
  net.heal();
  net.tick('n1', HEARTBEAT); // its heartbeat reaches the others, who answer with their term
  net.stabilize();
  assert.equal(net.core('n1').isLeader, false);
  assert.equal(net.core('n1').term, net.core(newLeader).term);
  net.tick(newLeader, HEARTBEAT);
  net.stabilize();
  assert.equal(net.core('n1').leaderId, newLeader);
});

test('a vote survives a restart: no second vote in the same term', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  // n1 campaigns; only n2 hears it and votes (its vote is persisted before the answer leaves).
  net.isolate('n3');
  net.core('n1').campaign();
  net.filter = (m) => m.type === 'voteResponse'; // n1 never learns it won
  net.stabilize();
  assert.equal(net.node('n2').disk.hardState.vote, 'n1');
  const term = net.core('n2').term;
  const n2 = restartFromDisk(net, 'n2', peers('n1', 'n2', 'n3'));
  assert.equal(n2.core.term, term);
  n2.core.step({ type: 'vote', from: 'n3', to: 'n2', term, index: 100, logTerm: 100, entries: [], commit: 0, reject: false, rejectHint: 0, context: 0 });
  const rd = n2.core.ready();
  assert.deepEqual(
    rd.messages.map((m) => [m.type, m.reject]),
    [['voteResponse', true]],
  );
});

// ---------------------------------------------------------------- log replication

test('an entry of an earlier term is not committed by counting replicas (Figure 8)', () => {
  // Raft paper, Figure 8 (c): s1 led term 2 and got X = (2, term 2) onto s2;
  // s5 led term 3 and wrote (2, term 3) only on itself. Now s1 wins term 4.
  const ids = ['s1', 's2', 's3', 's4', 's5'];
  const net = new Net([], { maxEntriesPerMessage: 1 });
  const conf = peers(...ids);
  const logs: Record<string, Entry[]> = {
    s1: [entry(1, 1), entry(2, 2, 'X')],
    s2: [entry(1, 1), entry(2, 2, 'X')],
    s3: [entry(1, 1)],
    s4: [entry(1, 1)],
    s5: [entry(1, 1), entry(2, 3, 'Y')],
  };
  for (const id of ids) net.add(nodeWith(id, conf, logs[id], 3, 1, { maxEntriesPerMessage: 1 }));

  net.isolate('s5');
  // s1's own entries of term 4 (its no-op) travel nowhere: only X gets copied.
  net.rewrite = (m) => (m.type === 'append' ? { ...m, entries: m.entries.filter((e) => e.term < 4) } : m);
  net.core('s1').campaign();
  net.stabilize();
  const s1 = net.core('s1');
  assert.equal(s1.isLeader, true);
  assert.equal(s1.term, 4);
  for (const id of ['s2', 's3', 's4']) assert.equal(net.core(id).termAt(2), 2, `${id} holds X`);
  // X is on all but s5: a majority. It is of term 2, so counting replicas must not commit it.
  assert.equal(s1.status.commit, 1);
  for (const id of ids) assert.equal(net.node(id).applied.filter((e) => e.index === 2).length, 0);

  // (d) s1 crashes; s5 (last term 3 beats X's 2) is elected by s2, s3, s4 and overwrites X.
  net.rewrite = null;
  net.heal();
  net.isolate('s1');
  // s2..s4 leave s1's lease without electing one of their own.
  net.filter = (m) => m.type === 'preVote' && m.from !== 's5';
  for (const id of ['s2', 's3', 's4']) net.tick(id, ELECTION);
  net.stabilize();
  net.filter = null;
  net.core('s5').campaign(); // its pre-vote at term 4 loses to votes already cast in term 4...
  net.stabilize();
  if (!net.core('s5').isLeader) net.core('s5').campaign(); // ...and it wins at term 5
  net.stabilize();
  assert.equal(net.core('s5').isLeader, true);
  net.tickAll(HEARTBEAT);
  for (const id of ['s2', 's3', 's4', 's5']) {
    assert.equal(net.core(id).termAt(2), 3, `${id} holds Y`);
    assert.deepEqual(net.node(id).appliedData, ['Y'], id);
  }
  net.heal();
  net.tickAll(3 * HEARTBEAT);
  assert.equal(net.core('s1').termAt(2), 3);
  assert.deepEqual(net.node('s1').appliedData, ['Y']);
});

test('an entry of an earlier term commits once an entry of the current term reaches a quorum', () => {
  // n1 holds [1:t1, 2:t2] (2 never reached anyone); n2 and n3 only [1:t1].
  const conf = peers('n1', 'n2', 'n3');
  const net = new Net(['n1', 'n2', 'n3'], { maxEntriesPerMessage: 1 });
  const mk = (id: NodeId, entries: Entry[], term: number) =>
    new TestNode(
      id,
      new RaftCore(config(id, { maxEntriesPerMessage: 1 }), {
        hardState: { term, vote: '', commit: 1 },
        conf,
        snapshotIndex: 0,
        snapshotTerm: 0,
        entries,
        applied: 1,
      }),
    );
  net.add(mk('n1', [entry(1, 1), entry(2, 2, 'old')], 2));
  net.add(mk('n2', [entry(1, 1)], 2));
  net.add(mk('n3', [entry(1, 1)], 2));
  net.core('n1').campaign();
  // Step by step: one entry per message, so n2 holds entry 2 before entry 3 (the no-op of term 3).
  let sawOldOnQuorumUncommitted = false;
  for (let round = 0; round < 50; round++) {
    net.drainAll();
    const n1 = net.core('n1');
    if (n1.isLeader && (n1.status.progress['n2']?.match ?? 0) === 2 && (n1.status.progress['n3']?.match ?? 0) <= 2) {
      assert.equal(n1.status.commit, 1, 'entry 2 is on a quorum (n1, n2) but is of term 2');
      sawOldOnQuorumUncommitted = true;
    }
    if (net.queue.length === 0) break;
    const m = net.queue.shift() as Message;
    net.deliver(m);
  }
  assert.ok(sawOldOnQuorumUncommitted);
  assert.equal(net.core('n1').status.commit, 3);
  assert.deepEqual(net.node('n2').appliedData, ['old']);
});

test("a follower's conflicting suffix is cut back and replaced by the leader's entries", () => {
  const conf = peers('n1', 'n2', 'n3');
  const net = new Net(['n1', 'n2', 'n3']);
  const mk = (id: NodeId, entries: Entry[], term: number) =>
    new TestNode(id, new RaftCore(config(id), { hardState: { term, vote: '', commit: 1 }, conf, snapshotIndex: 0, snapshotTerm: 0, entries, applied: 1 }), {
      hardState: { term, vote: '', commit: 1 },
      snapshot: null,
      entries: entries.slice(),
    });
  net.add(mk('n1', [entry(1, 1), entry(2, 3, 'new2')], 3));
  net.add(mk('n2', [entry(1, 1), entry(2, 3, 'new2')], 3));
  net.add(mk('n3', [entry(1, 1), entry(2, 2, 'stale2'), entry(3, 2, 'stale3'), entry(4, 2, 'stale4')], 2));
  net.elect('n1');
  const term = net.core('n1').term;
  const n3 = net.node('n3');
  assert.deepEqual(
    n3.disk.entries.map((e) => [e.index, e.term]),
    [
      [1, 1],
      [2, 3],
      [3, term],
    ],
  );
  assert.equal(n3.core.status.lastIndex, 3);
  assert.deepEqual(n3.appliedData, ['new2']);
});

test('a follower far behind is caught up by fast backtracking and batched appends', () => {
  const net = new Net(['n1', 'n2', 'n3'], { maxEntriesPerMessage: 10, maxInflight: 2 });
  net.elect('n1');
  net.isolate('n3');
  for (let i = 0; i < 100; i++) net.core('n1').propose(Buffer.from(`v${i}`));
  net.stabilize();
  assert.equal(net.core('n2').status.commit, 101);
  net.heal();
  const before = net.sent.length;
  net.tickAll(HEARTBEAT);
  net.stabilize();
  assert.equal(net.core('n3').status.commit, 101);
  assert.equal(net.node('n3').appliedData.length, 100);
  const appends = net.sent.slice(before).filter((m) => m.type === 'append' && m.to === 'n3');
  assert.ok(appends.every((m) => m.entries.length <= 10));
  assert.ok(appends.length <= 15, `${appends.length} appends for 100 entries`);
});

test('a leader replicates before its own write is durable, but counts itself only once it is', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  const n1 = net.core('n1');
  n1.propose(Buffer.from('a'));
  const rd = n1.ready();
  assert.equal(rd.entries.length, 1);
  const appends = rd.messages.filter((m) => m.type === 'append');
  assert.equal(appends.length, 2);
  // n2 acks before n1 persisted anything: a quorum would be n1 + n2, but n1's copy is not durable.
  net.core('n2').step(appends[0]);
  const rd2 = net.core('n2').ready();
  net.core('n2').advance(rd2);
  for (const m of rd2.messages) n1.step(m);
  assert.equal(n1.status.commit, 1, 'n1 does not count its own undurable entry');
  n1.advance(rd);
  assert.equal(n1.status.commit, 2);
});

test('committed entries are handed out once, and only once durable', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  net.core('n1').propose(Buffer.from('a'));
  net.drain('n1');
  const msgs = net.queue.splice(0);
  net.queue.push(...msgs.filter((x) => x.to !== 'n2'));
  const n2 = net.core('n2');
  for (const m of msgs.filter((x) => x.to === 'n2')) n2.step(m);
  // Commit moves to 2 with the next append, but n2's copy of 2 is not durable yet.
  const rd = n2.ready();
  assert.equal(rd.entries.length, 1);
  assert.equal(rd.committedEntries.length, 0);
  const again = n2.ready();
  assert.equal(again.entries.length, 0, 'a second ready() before advance() repeats nothing');
  net.queue.push(...rd.messages, ...again.messages);
  n2.advance(rd);
  n2.advance(again);
  net.stabilize();
  assert.deepEqual(net.node('n2').appliedData, ['a']);
  assert.equal(net.node('n2').applied.filter((e) => e.index === 2).length, 1);
});

test('a restarted node hands out the entries between applied and commit again', () => {
  const conf = peers('n1');
  const entries = [entry(1, 1), entry(2, 1, 'a'), entry(3, 1, 'b'), entry(4, 1, 'c'), entry(5, 1)];
  const core = new RaftCore(config('n1'), {
    hardState: { term: 1, vote: 'n1', commit: 4 },
    conf,
    snapshotIndex: 0,
    snapshotTerm: 0,
    entries,
    applied: 2,
  });
  assert.equal(core.status.commit, 4);
  assert.equal(core.status.applied, 2);
  const rd = core.ready();
  assert.deepEqual(
    rd.committedEntries.map((e) => e.index),
    [3, 4],
  );
  assert.equal(rd.entries.length, 0, 'the log is already durable');
  assert.equal(rd.hardState, null, 'nothing changed that needs saving');
  core.advance(rd);
  assert.equal(core.status.applied, 4);
  assert.equal(core.hasReady(), false);
  // Applied is never ahead of commit after a restart where the hard state lagged.
  const core2 = new RaftCore(config('n1'), {
    hardState: { term: 1, vote: 'n1', commit: 1 },
    conf,
    snapshotIndex: 0,
    snapshotTerm: 0,
    entries,
    applied: 3,
  });
  assert.equal(core2.status.commit, 3);
  assert.equal(core2.ready().committedEntries.length, 0);
});

test('propose is refused off the leader with NOT_LEADER, naming the leader', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  assert.throws(
    () => net.core('n2').propose(Buffer.from('x')),
    (err: unknown) => err instanceof StrataError && err.code === ErrorCode.NOT_LEADER && err.leaderAddress === 'addr-n1',
  );
  assert.equal(net.core('n2').readIndex(1), false);
});

// ---------------------------------------------------------------- ReadIndex

test('read requests before the next heartbeat round share it, and get the commit index', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  net.core('n1').propose(Buffer.from('a'));
  net.stabilize();
  const n1 = net.core('n1');
  assert.equal(n1.readIndex(1), true);
  assert.equal(n1.readIndex(2), true);
  const rd = n1.ready();
  const beats = rd.messages.filter((m) => m.type === 'heartbeat');
  assert.equal(beats.length, 2, 'one heartbeat per follower for both requests');
  assert.equal(new Set(beats.map((m) => m.context)).size, 1);
  assert.ok(beats[0].context > 0);
  assert.deepEqual(rd.readStates, []);
  n1.advance(rd);
  // The round has left: a new request gets a new round.
  n1.readIndex(3);
  const rd2 = n1.ready();
  const beats2 = rd2.messages.filter((m) => m.type === 'heartbeat');
  assert.ok(beats2.every((m) => m.context > beats[0].context));
  n1.advance(rd2);
  for (const m of [...rd.messages, ...rd2.messages]) net.queue.push(m);
  net.stabilize();
  assert.deepEqual(
    net.node('n1').readStates.map((r) => [r.requestId, r.index]),
    [
      [1, 2],
      [2, 2],
      [3, 2],
    ],
  );
});

test('a read waits until the new leader has committed an entry of its term', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.core('n1').campaign();
  // Deliver only the election: n1 leads, its no-op is not acknowledged yet.
  net.filter = (m) => m.type === 'appendResponse';
  net.stabilize();
  const n1 = net.core('n1');
  assert.equal(n1.isLeader, true);
  assert.equal(n1.readIndex(7), true);
  net.tickAll(HEARTBEAT);
  assert.deepEqual(net.node('n1').readStates, [], 'no read before its no-op commits');
  net.filter = null;
  net.tickAll(HEARTBEAT);
  assert.deepEqual(net.node('n1').readStates, [{ requestId: 7, index: 1 }]);
});

test('a deposed leader never answers a read', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  net.isolate('n1');
  assert.equal(net.core('n1').readIndex(42), true);
  // The others elect n2 and commit a write that n1 cannot see.
  for (let i = 0; i < 3 * ELECTION && net.leaders().length < 2; i++) {
    net.tick('n2');
    net.tick('n3');
    net.stabilize();
  }
  const newLeader = net.leaders().find((id) => id !== 'n1');
  assert.ok(newLeader);
  net.core(newLeader).propose(Buffer.from('w'));
  net.stabilize();
  net.heal();
  net.tickAll(3 * ELECTION);
  assert.equal(net.core('n1').isLeader, false);
  assert.deepEqual(net.node('n1').readStates, []);
  assert.equal(net.core('n1').readIndex(43), false);
});

test('a lone voter answers a read at once', () => {
  const net = new Net(['solo']);
  net.core('solo').campaign();
  net.drain('solo');
  net.core('solo').readIndex(5);
  net.drain('solo');
  assert.deepEqual(net.node('solo').readStates, [{ requestId: 5, index: 1 }]);
});

// ---------------------------------------------------------------- leadership transfer

test('leadership transfer catches the target up, then hands over; proposals are refused meanwhile', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  net.isolate('n3');
  net.core('n1').propose(Buffer.from('a'));
  net.stabilize();
  net.heal();
  net.core('n1').transferLeadership('n3'); // n3 lacks 'a': it is sent first
  expectCode(() => net.core('n1').propose(Buffer.from('b')), ErrorCode.NOT_LEADER);
  net.stabilize();
  assert.equal(net.core('n3').isLeader, true);
  assert.equal(net.core('n3').term, 2);
  assert.equal(net.core('n1').leaderId, 'n3');
  assert.deepEqual(net.node('n3').appliedData, ['a']);
  net.core('n3').propose(Buffer.from('c'));
  net.stabilize();
  assert.deepEqual(net.node('n1').appliedData, ['a', 'c']);
});

test('a leadership transfer that cannot finish is abandoned after an election timeout', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  net.isolate('n3');
  net.core('n1').transferLeadership('n3');
  expectCode(() => net.core('n1').propose(Buffer.from('b')), ErrorCode.NOT_LEADER);
  for (let i = 0; i < ELECTION; i++) {
    net.tick('n1');
    net.tick('n2');
    net.stabilize();
  }
  assert.equal(net.core('n1').isLeader, true);
  assert.deepEqual(net.core('n1').propose(Buffer.from('b')).term, 1);
});

// ---------------------------------------------------------------- membership

/**
 * A new member starts with an empty log and the membership it is joining
 * (without itself): replaying the log's changes over it ends at the right
 * membership, since each change only adds or removes one id.
 */
function freshNode(id: NodeId, joining: ConfState): TestNode {
  return new TestNode(
    id,
    new RaftCore(config(id), { hardState: { term: 0, vote: '', commit: 0 }, conf: joining, snapshotIndex: 0, snapshotTerm: 0, entries: [], applied: 0 }),
  );
}

test('adding a member: it catches up, and then counts toward the quorum', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  net.core('n1').propose(Buffer.from('a'));
  net.stabilize();
  net.add(freshNode('n4', net.core('n1').confState));
  net.tickAll(3 * ELECTION);
  assert.equal(net.core('n4').isLeader, false, 'a node outside the membership never campaigns');
  assert.equal(net.core('n4').term, 0);
  net.core('n1').proposeConfChange({ type: 'add', id: 'n4', address: 'addr-n4' });
  net.stabilize();
  net.tickAll(HEARTBEAT);
  for (const id of ['n1', 'n2', 'n3', 'n4']) {
    assert.deepEqual(
      net.core(id).confState.voters.map((p) => p.id),
      ['n1', 'n2', 'n3', 'n4'],
      id,
    );
  }
  assert.deepEqual(net.node('n4').appliedData, ['a']);
  // Four voters: a quorum is three. With n3 and n4 away, nothing commits.
  net.isolate('n3');
  net.isolate('n4');
  const at = net.core('n1').propose(Buffer.from('b'));
  net.stabilize();
  assert.ok(net.core('n1').status.commit < at.index);
  net.heal();
  net.tickAll(HEARTBEAT);
  assert.ok(net.core('n1').status.commit >= at.index);
});

test('membership changes are refused while one is pending, or when they make no sense', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  const n1 = net.core('n1');
  expectCode(() => n1.proposeConfChange({ type: 'add', id: 'n2', address: 'x' }), ErrorCode.EXISTS);
  expectCode(() => n1.proposeConfChange({ type: 'remove', id: 'n9' }), ErrorCode.NOT_FOUND);
  expectCode(() => n1.proposeConfChange({ type: 'add', id: 'n4' }), ErrorCode.INVALID_ARGUMENT);
  n1.proposeConfChange({ type: 'remove', id: 'n3' });
  expectCode(() => n1.proposeConfChange({ type: 'remove', id: 'n2' }), ErrorCode.UNAVAILABLE);
  net.stabilize();
  n1.proposeConfChange({ type: 'remove', id: 'n2' });
  net.stabilize();
  assert.deepEqual(
    n1.confState.voters.map((p) => p.id),
    ['n1'],
  );
  expectCode(() => n1.proposeConfChange({ type: 'remove', id: 'n1' }), ErrorCode.INVALID_ARGUMENT);
  expectCode(() => net.core('n2').proposeConfChange({ type: 'remove', id: 'n1' }), ErrorCode.NOT_LEADER);
});

test('a new leader accepts no membership change until the entries before its term are applied', () => {
  const conf = peers('n1', 'n2', 'n3');
  const log = [entry(1, 1), { index: 2, term: 1, type: EntryType.CONF_CHANGE, data: Buffer.from(JSON.stringify({ type: 'remove', id: 'n3' })) }];
  const core = new RaftCore(config('n1'), { hardState: { term: 1, vote: '', commit: 1 }, conf, snapshotIndex: 0, snapshotTerm: 0, entries: log, applied: 1 });
  const net = new Net(['n2', 'n3']);
  net.add(new TestNode('n1', core));
  net.core('n1').campaign();
  net.filter = (m) => m.type === 'appendResponse';
  net.stabilize();
  assert.equal(core.isLeader, true);
  expectCode(() => core.proposeConfChange({ type: 'add', id: 'n4', address: 'a4' }), ErrorCode.UNAVAILABLE);
  net.filter = null;
  net.tickAll(HEARTBEAT);
  assert.deepEqual(
    core.confState.voters.map((p) => p.id),
    ['n1', 'n2'],
  );
  core.proposeConfChange({ type: 'add', id: 'n3', address: 'addr-n3' });
});

test('a follower removed from the membership stops counting and never campaigns', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  net.core('n1').proposeConfChange({ type: 'remove', id: 'n3' });
  net.stabilize();
  net.tickAll(HEARTBEAT);
  assert.deepEqual(
    net.core('n1').confState.voters.map((p) => p.id),
    ['n1', 'n2'],
  );
  // Quorum of two is both: with n2 away, nothing commits, and n3 does not matter.
  net.isolate('n2');
  const at = net.core('n1').propose(Buffer.from('x'));
  net.stabilize();
  assert.ok(net.core('n1').status.commit < at.index);
  net.heal();
  net.isolate('n1');
  net.isolate('n2');
  const term3 = net.core('n3').term;
  net.tickAll(5 * ELECTION);
  assert.equal(net.core('n3').term, term3, 'n3 is out of the membership: it never campaigns');
});

test('a leader that removes itself steps down once the removal commits, and the rest elect a new leader', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  net.core('n1').proposeConfChange({ type: 'remove', id: 'n1' });
  net.stabilize();
  assert.equal(net.core('n1').isLeader, false);
  assert.deepEqual(
    net.core('n1').confState.voters.map((p) => p.id),
    ['n2', 'n3'],
  );
  for (let i = 0; i < 4 * ELECTION && !net.leaders().some((id) => id !== 'n1'); i++) net.tickAll();
  const leaders = net.leaders();
  assert.equal(leaders.length, 1);
  assert.notEqual(leaders[0], 'n1');
  net.core(leaders[0]).propose(Buffer.from('after'));
  net.stabilize();
  net.tickAll(HEARTBEAT);
  for (const id of ['n2', 'n3']) assert.deepEqual(net.node(id).appliedData, ['after']);
});

test('when a leader of two removes itself and the news is lost, the other learns it from a vote rejection', () => {
  // Found by the simulation: n2 leads {n1, n2}, removes itself and appends one more entry. The
  // removal commits (n1 holds it) but the commit notice to n1 is lost and n2 steps down. n1 still
  // counts n2 as a voter; n2 refuses it (n2's log is longer) and, removed, never campaigns itself.
  const net = new Net(['n1', 'n2']);
  net.elect('n2');
  const removal = net.core('n2').proposeConfChange({ type: 'remove', id: 'n2' });
  net.core('n2').propose(Buffer.from('extra'));
  net.rewrite = (m) => (m.type === 'append' ? { ...m, entries: m.entries.filter((e) => e.index <= removal.index) } : m);
  net.filter = (m) => m.from === 'n2' && (m.type === 'append' || m.type === 'heartbeat') && m.commit >= removal.index;
  net.stabilize();
  assert.equal(net.core('n2').isLeader, false, 'n2 applied its removal and stepped down');
  assert.equal(net.core('n1').termAt(removal.index), net.core('n2').term);
  assert.ok(net.core('n1').status.commit < removal.index, 'n1 did not hear of the commit');
  assert.ok(net.core('n2').status.lastIndex > net.core('n1').status.lastIndex);
  net.rewrite = null;
  net.filter = null;
  for (let i = 0; i < 6 * ELECTION && !net.core('n1').isLeader; i++) net.tickAll();
  assert.equal(net.core('n1').isLeader, true);
  assert.deepEqual(
    net.core('n1').confState.voters.map((p) => p.id),
    ['n1'],
  );
  net.core('n1').propose(Buffer.from('after'));
  net.stabilize();
  assert.deepEqual(net.node('n1').appliedData, ['after']);
});

// ---------------------------------------------------------------- snapshots

test('a follower behind the compacted log gets a snapshot, then appends', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  net.isolate('n3');
  for (let i = 0; i < 20; i++) net.core('n1').propose(Buffer.from(`v${i}`));
  net.stabilize();
  const n1 = net.core('n1');
  assert.equal(n1.status.applied, 21);
  n1.compact(15);
  net.core('n2').compact(15);
  assert.equal(n1.status.firstIndex, 16);
  assert.equal(n1.termAt(15), 1);
  assert.equal(n1.termAt(14), null);
  expectCode(() => n1.compact(30), ErrorCode.INVALID_ARGUMENT);
  net.heal();
  const before = net.sent.length;
  net.tickAll(HEARTBEAT);
  net.stabilize();
  const snaps = net.sent.slice(before).filter((m) => m.type === 'snapshot');
  assert.equal(snaps.length, 1);
  assert.equal(snaps[0].to, 'n3');
  assert.equal(snaps[0].snapshot, undefined, 'the driver fills in the snapshot');
  const n3 = net.node('n3');
  assert.equal(n3.disk.snapshot?.index, 21);
  assert.equal(n3.core.status.applied, 21);
  assert.equal(n3.core.status.firstIndex, 22);
  assert.deepEqual(n3.appliedData, [], 'snapshot contents come from the driver, not as entries');
  n1.propose(Buffer.from('after'));
  net.stabilize();
  net.tickAll(HEARTBEAT);
  assert.deepEqual(n3.appliedData, ['after']);
  assert.equal(n1.status.progress['n3'].state, 'replicate');
});

test('a failed snapshot send puts the follower back to probing, and it is retried', () => {
  const net = new Net(['n1', 'n2', 'n3']);
  net.elect('n1');
  net.isolate('n3');
  for (let i = 0; i < 5; i++) net.core('n1').propose(Buffer.from(`v${i}`));
  net.stabilize();
  net.core('n1').compact(6);
  net.heal();
  let failures = 0;
  net.filter = (m) => {
    if (m.type === 'snapshot' && failures < 1) {
      failures++;
      net.core('n1').reportSnapshot('n3', false);
      return true;
    }
    return false;
  };
  net.tickAll(HEARTBEAT);
  assert.equal(failures, 1);
  assert.equal(net.core('n1').status.progress['n3'].state, 'probe');
  net.tickAll(2 * HEARTBEAT);
  assert.equal(net.core('n3').status.applied, 6);
});

test('a snapshot the follower already covers only moves its commit', () => {
  const net = new Net(['n1', 'n2']);
  net.elect('n1');
  for (let i = 0; i < 3; i++) net.core('n1').propose(Buffer.from(`v${i}`));
  net.stabilize();
  const n2 = net.core('n2');
  const meta: SnapshotMeta = { index: 3, term: 1, conf: n2.confState };
  const msg: Message = { type: 'snapshot', from: 'n1', to: 'n2', term: 1, index: 0, logTerm: 0, entries: [], commit: 0, reject: false, rejectHint: 0, context: 0, snapshot: meta };
  n2.step(msg);
  const rd = n2.ready();
  assert.equal(rd.snapshot, null);
  assert.deepEqual(
    rd.messages.map((m) => [m.type, m.index]),
    [['appendResponse', 4]],
  );
});
