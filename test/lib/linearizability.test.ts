// The linearizability checker against hand-made histories, against a brute
// force over every order on thousands of tiny random ones, and on histories
// of a few hundred ops recorded from a sequential execution (which must
// pass). Random tests print their seed on failure; set LIN_SEED to replay.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';

import { CheckResult, KvInput, KvOutput, KvState, Model, Operation, checkLinearizable, kvModel } from './linearizability';
import { Rng } from '../master/harness';
import { NamespaceInput, NamespaceOutput, NamespaceState, applyNamespaceOp, namespaceModel } from './namespace-model';

const BASE_SEED = process.env.LIN_SEED !== undefined ? Number(process.env.LIN_SEED) : Date.now() % 1_000_000_007;

type KvOp = Operation<KvInput, KvOutput>;
type NsOp = Operation<NamespaceInput, NamespaceOutput>;

function op<I, O>(client: number, input: I, call: number, ret: number, output: O | undefined): Operation<I, O> {
  return { client, input, call, ret, output };
}
const put = (client: number, key: string, value: string, call: number, ret: number): KvOp => op(client, { op: 'put', key, value }, call, ret, {});
const get = (client: number, key: string, value: string | undefined, call: number, ret: number): KvOp =>
  op(client, { op: 'get', key }, call, ret, { value });
const cas = (client: number, key: string, expected: string | undefined, value: string, ok: boolean, call: number, ret: number): KvOp =>
  op(client, { op: 'cas', key, expected, value }, call, ret, { ok });
const unknownPut = (client: number, key: string, value: string, call: number): KvOp => op<KvInput, KvOutput>(client, { op: 'put', key, value }, call, Infinity, undefined);

function assertVerdict(result: CheckResult, expected: boolean, context = ''): void {
  if (expected) assert.deepEqual(result, { ok: true }, context);
  else assert.equal(result.ok, false, `expected a violation ${context}`);
}

// ----------------------------------------------------------- brute force

/**
 * The definition, checked by enumeration: some subset of the ops of unknown
 * outcome took effect, and some order of the completed ops and that subset
 * respects real time (a before b when a.ret < b.call) and the model.
 * Exponential: for the tiny histories the checker is compared on.
 */
function bruteForce<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[]): boolean {
  const pending = ops.filter((o) => o.ret === Infinity);
  const done = ops.filter((o) => o.ret !== Infinity);
  for (let mask = 0; mask < 1 << pending.length; mask++) {
    const chosen = [...done, ...pending.filter((_, i) => (mask >> i) & 1)];
    const placed = new Array<boolean>(chosen.length).fill(false);
    const orderFrom = (state: S, count: number): boolean => {
      if (count === chosen.length) return true;
      for (let i = 0; i < chosen.length; i++) {
        if (placed[i]) continue;
        // i may go next only if nothing left had returned before i was called.
        if (chosen.some((b, j) => !placed[j] && j !== i && b.ret < chosen[i].call)) continue;
        const r = model.step(state, chosen[i].input, chosen[i].output);
        if (!r.ok) continue;
        placed[i] = true;
        const found = orderFrom(r.state, count + 1);
        placed[i] = false;
        if (found) return true;
      }
      return false;
    };
    if (orderFrom(model.init(), 0)) return true;
  }
  return false;
}

// ------------------------------------------------ recorded random histories

interface Workload<S, I, O> {
  init: S;
  input(rng: Rng): I;
  /** The real sequential object: the state after input and what it answers. */
  run(state: S, input: I): { state: S; output: O };
  /** Another output a buggy system might have given, or null when op has none to change. */
  mutate(rng: Rng, op: Operation<I, O>): O | null;
}

/**
 * A history of n ops by `clients` clients, each op taking effect at an instant
 * inside its interval in one sequential execution: linearizable by
 * construction. With probability pUnknown an op's outcome is lost (it takes
 * effect or not, half and half) and its client carries on under a new id,
 * as a client whose connection dropped would.
 */
function record<S, I, O>(rng: Rng, w: Workload<S, I, O>, n: number, clients: number, pUnknown: number): Operation<I, O>[] {
  const free = new Array<number>(clients).fill(0);
  const ids = Array.from({ length: clients }, (_, i) => i);
  let nextId = clients;
  const planned: { op: Operation<I, O>; at: number; applied: boolean }[] = [];
  for (let k = 0; k < n; k++) {
    const c = rng.int(clients);
    const call = free[c] + rng.int(3);
    const at = call + rng.int(4);
    const lost = rng.next() < pUnknown;
    const ret = lost ? Infinity : at + rng.int(4);
    planned.push({ op: { client: ids[c], input: w.input(rng), call, ret, output: undefined }, at, applied: !lost || rng.next() < 0.5 });
    if (lost) {
      ids[c] = nextId++;
      free[c] = at + rng.int(4);
    } else {
      free[c] = ret;
    }
  }
  let state = w.init;
  for (const p of [...planned].sort((a, b) => a.at - b.at)) {
    if (!p.applied) continue;
    const r = w.run(state, p.op.input);
    state = r.state;
    if (p.op.ret !== Infinity) p.op.output = r.output;
  }
  return planned.map((p) => p.op);
}

/** Changes one completed op's output, if some op has an output worth changing. */
function mutateOne<S, I, O>(rng: Rng, w: Workload<S, I, O>, ops: Operation<I, O>[]): Operation<I, O>[] | null {
  const start = rng.int(ops.length);
  for (let k = 0; k < ops.length; k++) {
    const i = (start + k) % ops.length;
    if (ops[i].ret === Infinity) continue;
    const output = w.mutate(rng, ops[i]);
    if (output === null) continue;
    const copy = [...ops];
    copy[i] = { ...ops[i], output };
    return copy;
  }
  return null;
}

const VALUES = [undefined, '1', '2', '3'];

function kvWorkload(keys: string[]): Workload<KvState, KvInput, KvOutput> {
  return {
    init: new Map(),
    input(rng) {
      const key = rng.pick(keys);
      const r = rng.next();
      if (r < 0.4) return { op: 'get', key };
      if (r < 0.75) return { op: 'put', key, value: rng.pick(VALUES.slice(1)) as string };
      return { op: 'cas', key, expected: rng.pick(VALUES), value: rng.pick(VALUES.slice(1)) as string };
    },
    run(state, input) {
      const current = state.get(input.key);
      const write = (value: string | undefined) => new Map(state).set(input.key, value as string);
      if (input.op === 'get') return { state, output: { value: current } };
      if (input.op === 'put') return { state: write(input.value), output: {} };
      const swapped = current === input.expected;
      return { state: swapped ? write(input.value) : state, output: { ok: swapped } };
    },
    mutate(rng, o) {
      const out = o.output as KvOutput;
      if (o.input.op === 'get') return { value: rng.pick(VALUES.filter((v) => v !== out.value)) };
      if (o.input.op === 'cas') return { ok: !out.ok };
      return null;
    },
  };
}

const NS_PATHS = ['/a', '/b', '/a/x', '/a/y', '/b/x', '/c'];
const NS_OUTPUTS: NamespaceOutput[] = [
  { ok: true },
  { ok: true, kind: 'file' },
  { ok: true, kind: 'dir' },
  { ok: true, kind: 'dir', names: [] },
  { ok: true, kind: 'dir', names: ['x'] },
  { ok: false, code: 'NOT_FOUND' },
  { ok: false, code: 'EXISTS' },
  { ok: false, code: 'NOT_EMPTY' },
  { ok: false, code: 'NOT_DIRECTORY' },
];

function namespaceWorkload(paths: string[]): Workload<NamespaceState, NamespaceInput, NamespaceOutput> {
  return {
    init: NamespaceState.of(),
    input(rng) {
      const path = rng.pick(paths);
      const r = rng.next();
      if (r < 0.2) return { op: 'mkdir', path };
      if (r < 0.35) return { op: 'create', path };
      if (r < 0.45) return { op: 'delete', path };
      if (r < 0.65) return { op: 'rename', src: path, dst: rng.pick(paths) };
      if (r < 0.85) return { op: 'stat', path };
      return { op: 'list', path: rng.next() < 0.3 ? '/' : path };
    },
    run: applyNamespaceOp,
    mutate(rng, o) {
      const seen = JSON.stringify(o.output);
      return rng.pick(NS_OUTPUTS.filter((out) => JSON.stringify(out) !== seen));
    },
  };
}

function showHistory<I, O>(ops: Operation<I, O>[]): string {
  return ops.map((o) => `  ${JSON.stringify(o)}`).join('\n').replace(/null/g, 'Infinity');
}

/**
 * count tiny histories: each recorded one must pass (checker and brute force),
 * and each mutated one must get the brute force's verdict.
 */
function compareWithBruteForce<S, I, O>(name: string, model: Model<S, I, O>, w: Workload<S, I, O>, count: number, seed: number): { rejected: number } {
  let rejected = 0;
  for (let k = 0; k < count; k++) {
    const rng = new Rng(seed + k);
    const n = 2 + rng.int(6);
    const ops = record(rng, w, n, 1 + rng.int(3), rng.next() < 0.5 ? 0.2 : 0);
    const where = `(${name}, seed ${seed + k}: LIN_SEED=${seed} history ${k})\n${showHistory(ops)}`;
    assert.equal(bruteForce(model, ops), true, `brute force rejects a recorded history ${where}`);
    assertVerdict(checkLinearizable(model, ops), true, `on a recorded history ${where}`);
    const mutated = mutateOne(rng, w, ops);
    if (mutated === null) continue;
    const expected = bruteForce(model, mutated);
    if (!expected) rejected++;
    assertVerdict(checkLinearizable(model, mutated), expected, `on a mutated history ${name}, seed ${seed + k}\n${showHistory(mutated)}`);
  }
  return { rejected };
}

// ------------------------------------------------------------------ kv

describe('linearizability checker, kv model', () => {
  test('a read after a completed write must see it', () => {
    assertVerdict(checkLinearizable(kvModel, [put(0, 'x', '1', 0, 1), get(1, 'x', undefined, 2, 3)]), false);
    assertVerdict(checkLinearizable(kvModel, [put(0, 'x', '1', 0, 1), get(1, 'x', '1', 2, 3)]), true);
  });

  test('a read overlapping a write may see the old or the new value', () => {
    assertVerdict(checkLinearizable(kvModel, [put(0, 'x', '1', 0, 10), get(1, 'x', undefined, 2, 3)]), true);
    assertVerdict(checkLinearizable(kvModel, [put(0, 'x', '1', 0, 10), get(1, 'x', '1', 2, 3)]), true);
  });

  test('intervals are closed: a return and a call at the same instant overlap', () => {
    assertVerdict(checkLinearizable(kvModel, [put(0, 'x', '1', 0, 10), get(1, 'x', undefined, 10, 20)]), true);
    assertVerdict(checkLinearizable(kvModel, [put(0, 'x', '1', 0, 10), get(1, 'x', undefined, 11, 20)]), false);
    // Zero-length intervals are fine too.
    assertVerdict(checkLinearizable(kvModel, [put(0, 'x', '1', 5, 5), get(1, 'x', '1', 5, 5), get(2, 'x', undefined, 5, 5)]), true);
  });

  test('concurrent writes may be seen in either order, but once both are done all readers agree', () => {
    const writes = [put(0, 'x', '1', 0, 10), put(1, 'x', '2', 0, 10)];
    assertVerdict(checkLinearizable(kvModel, [...writes, get(2, 'x', '1', 1, 9), get(3, 'x', '2', 1, 9)]), true);
    assertVerdict(checkLinearizable(kvModel, [...writes, get(2, 'x', '2', 1, 9), get(3, 'x', '1', 1, 9)]), true);
    assertVerdict(checkLinearizable(kvModel, [...writes, get(2, 'x', '1', 11, 12), get(3, 'x', '2', 11, 12)]), false);
    // One reader seeing 1 then 2 then 1 again would need put(1) twice.
    assertVerdict(checkLinearizable(kvModel, [...writes, get(2, 'x', '1', 1, 2), get(2, 'x', '2', 3, 4), get(2, 'x', '1', 5, 6)]), false);
  });

  test('of two concurrent compare-and-sets from the same value only one succeeds', () => {
    assertVerdict(checkLinearizable(kvModel, [cas(0, 'x', undefined, '1', true, 0, 5), cas(1, 'x', undefined, '2', true, 0, 5)]), false);
    assertVerdict(
      checkLinearizable(kvModel, [cas(0, 'x', undefined, '1', true, 0, 5), cas(1, 'x', undefined, '2', false, 0, 5), get(2, 'x', '1', 6, 7)]),
      true,
    );
    assertVerdict(
      checkLinearizable(kvModel, [cas(0, 'x', undefined, '1', true, 0, 5), cas(1, 'x', undefined, '2', false, 0, 5), get(2, 'x', '2', 6, 7)]),
      false,
    );
    // A cas that failed against a value nobody wrote is a violation.
    assertVerdict(checkLinearizable(kvModel, [put(0, 'x', '1', 0, 1), cas(1, 'x', '1', '2', false, 2, 3)]), false);
  });

  test('a write of unknown outcome may explain a read, or not have happened', () => {
    assertVerdict(checkLinearizable(kvModel, [unknownPut(0, 'x', '1', 0), get(1, 'x', '1', 5, 6)]), true);
    assertVerdict(checkLinearizable(kvModel, [unknownPut(0, 'x', '1', 0), get(1, 'x', undefined, 5, 6)]), true);
    // It takes effect at most once: seen, then unseen, is a violation.
    assertVerdict(checkLinearizable(kvModel, [unknownPut(0, 'x', '1', 0), get(1, 'x', '1', 5, 6), get(1, 'x', undefined, 7, 8)]), false);
    // It cannot explain a value it did not write, nor take effect before it was called.
    assertVerdict(checkLinearizable(kvModel, [unknownPut(0, 'x', '1', 0), get(1, 'x', '2', 5, 6)]), false);
    assertVerdict(checkLinearizable(kvModel, [get(1, 'x', '1', 0, 1), unknownPut(0, 'x', '1', 2)]), false);
    // It may take effect long after its client gave up, after later writes...
    assertVerdict(
      checkLinearizable(kvModel, [put(1, 'x', '2', 0, 1), unknownPut(0, 'x', '1', 0), put(1, 'x', '3', 2, 3), get(2, 'x', '1', 4, 5)]),
      true,
    );
    // ...but only once.
    const seenEarly = [put(1, 'x', '2', 0, 1), unknownPut(0, 'x', '1', 0), get(2, 'x', '1', 2, 3), put(1, 'x', '3', 4, 5)];
    assertVerdict(checkLinearizable(kvModel, [...seenEarly, get(2, 'x', '3', 6, 7)]), true);
    assertVerdict(checkLinearizable(kvModel, [...seenEarly, get(2, 'x', '1', 6, 7)]), false);
  });

  test('keys are checked apart, and a violation on one key is found among many', () => {
    const ops: KvOp[] = [];
    for (let i = 0; i < 50; i++) ops.push(put(i % 5, `k${i}`, '1', i, i + 1), get((i + 1) % 5, `k${i}`, '1', i + 2, i + 3));
    assertVerdict(checkLinearizable(kvModel, ops), true);
    ops.push(get(7, 'k17', undefined, 100, 101));
    const result = checkLinearizable(kvModel, ops);
    assert.equal(result.ok, false);
    assert.match((result as { reason: string }).reason, /in part 18 of 50 .*\n[^]*cannot be placed: client 7 \[100, 101\] get\(k17\) -> absent/);
  });

  test('a violation names the longest linearizable prefix and the op that cannot follow it', () => {
    const result = checkLinearizable(kvModel, [put(0, 'x', '1', 0, 1), put(0, 'x', '2', 2, 3), get(1, 'x', '1', 4, 5)]);
    assert.equal(result.ok, false);
    const reason = (result as { reason: string }).reason;
    assert.match(reason, /at most 2 of 3 ops/);
    assert.match(reason, /1\. client 0 \[0, 1\] put\(x, "1"\)/);
    assert.match(reason, /2\. client 0 \[2, 3\] put\(x, "2"\)/);
    assert.match(reason, /cannot be placed: client 1 \[4, 5\] get\(x\) -> "1" \(the model rejects its output in this state\)/);
  });

  test('a search that cannot finish in time answers unknown', () => {
    // 300 overlapping writes of distinct values and a read of a value nobody
    // wrote: refuting it means trying every subset of the writes.
    const ops: KvOp[] = [];
    for (let i = 0; i < 300; i++) ops.push(put(i, 'x', `v${i}`, 0, 100));
    ops.push(get(999, 'x', 'never', 50, 200));
    const started = Date.now();
    assert.deepEqual(checkLinearizable(kvModel, ops, { timeoutMs: 200 }), { ok: 'unknown' });
    assert.ok(Date.now() - started < 2000);
  });

  test('agrees with a brute force over all orders on thousands of tiny histories', (t) => {
    t.diagnostic(`LIN_SEED=${BASE_SEED}`);
    const oneKey = compareWithBruteForce('kv, one key', kvModel, kvWorkload(['x']), 2000, BASE_SEED);
    const twoKeys = compareWithBruteForce('kv, two keys', kvModel, kvWorkload(['x', 'y']), 1000, BASE_SEED + 7_000_000);
    // Without Model.readOnly every read is searched like a write.
    compareWithBruteForce('kv, one key, no readOnly', { ...kvModel, readOnly: undefined }, kvWorkload(['x']), 500, BASE_SEED + 9_000_000);
    // The mutations must produce violations, or the comparison proves little.
    assert.ok(oneKey.rejected > 500, `only ${oneKey.rejected} mutated histories rejected`);
    assert.ok(twoKeys.rejected > 200, `only ${twoKeys.rejected} mutated histories rejected`);
  });
});

// ------------------------------------------------------------- namespace

/** Runs inputs one after another from the empty namespace; returns the outputs. */
function runSequence(inputs: NamespaceInput[]): NamespaceOutput[] {
  let state = NamespaceState.of();
  return inputs.map((input) => {
    const r = applyNamespaceOp(state, input);
    state = r.state;
    return r.output;
  });
}

const mkdir = (path: string): NamespaceInput => ({ op: 'mkdir', path });
const create = (path: string): NamespaceInput => ({ op: 'create', path });
const del = (path: string): NamespaceInput => ({ op: 'delete', path });
const rename = (src: string, dst: string): NamespaceInput => ({ op: 'rename', src, dst });
const stat = (path: string): NamespaceInput => ({ op: 'stat', path });
const list = (path: string): NamespaceInput => ({ op: 'list', path });
const OK = { ok: true } as const;
const fail = (code: string): NamespaceOutput => ({ ok: false, code });

describe('namespace model', () => {
  test('answers as the master does for create, mkdir, delete, stat and list', () => {
    assert.deepEqual(
      runSequence([
        mkdir('/a'),
        mkdir('/a'),
        create('/a'),
        create('/a/f'),
        create('/a/f'),
        mkdir('/a/f/g'),
        create('/missing/f'),
        stat('/a/f/g'),
        stat('/a/'),
        list('/a'),
        list('/a/f'),
        list('/'),
        del('/a'),
        del('/a/f'),
        del('/a'),
        del('/a'),
        del('/'),
        mkdir('/'),
        create('/'),
        stat('/'),
        stat('relative'),
      ]),
      [
        { ok: true, kind: 'dir' },
        fail('EXISTS'),
        fail('EXISTS'),
        { ok: true, kind: 'file' },
        fail('EXISTS'),
        fail('NOT_DIRECTORY'),
        fail('NOT_FOUND'),
        fail('NOT_DIRECTORY'),
        { ok: true, kind: 'dir' },
        { ok: true, kind: 'dir', names: ['f'] },
        { ok: true, kind: 'file', names: ['f'] },
        { ok: true, kind: 'dir', names: ['a'] },
        fail('NOT_EMPTY'),
        OK,
        OK,
        fail('NOT_FOUND'),
        fail('NOT_PERMITTED'),
        fail('EXISTS'),
        fail('EXISTS'),
        { ok: true, kind: 'dir' },
        fail('INVALID_ARGUMENT'),
      ],
    );
  });

  test('rename follows rename(2) with the master\'s codes', () => {
    const setup = [mkdir('/d'), create('/d/f'), create('/g'), mkdir('/e'), mkdir('/full'), create('/full/x')];
    const cases: [NamespaceInput, NamespaceOutput, string][] = [
      [rename('/g', '/d/f'), OK, 'file over file replaces it'],
      [rename('/e', '/d'), fail('NOT_EMPTY'), 'dir over a non-empty dir'],
      [rename('/d', '/e'), OK, 'dir over an empty dir replaces it'],
      [rename('/g', '/e'), fail('IS_DIRECTORY'), 'file over a dir'],
      [rename('/e', '/g'), fail('NOT_DIRECTORY'), 'dir over a file'],
      [rename('/d', '/d/sub'), fail('INVALID_ARGUMENT'), 'into its own subtree'],
      [rename('/nothing', '/nothing/sub'), fail('INVALID_ARGUMENT'), 'into its own subtree, checked before src exists'],
      [rename('/nothing', '/z'), fail('NOT_FOUND'), 'src missing'],
      [rename('/g', '/nowhere/g'), fail('NOT_FOUND'), 'dst parent missing'],
      [rename('/d', '/g/x'), fail('NOT_DIRECTORY'), 'dst parent a file'],
      [rename('/d', '/d'), OK, 'same path'],
      [rename('/d/f', '/d'), fail('IS_DIRECTORY'), 'file over its own parent'],
      [rename('/full/x', '/full'), fail('IS_DIRECTORY'), 'file over its own non-empty parent'],
      [rename('/', '/z'), fail('NOT_PERMITTED'), 'the root'],
      [rename('/g', '/'), fail('NOT_PERMITTED'), 'onto the root'],
    ];
    for (const [input, expected, what] of cases) {
      assert.deepEqual(runSequence([...setup, input]).at(-1), expected, what);
    }
    assert.deepEqual(runSequence([...setup, rename('/g', '/d/f'), stat('/g'), stat('/d/f'), list('/d')]).slice(-3), [
      fail('NOT_FOUND'),
      { ok: true, kind: 'file' },
      { ok: true, kind: 'dir', names: ['f'] },
    ]);
    // A directory moves with everything below it.
    assert.deepEqual(runSequence([...setup, rename('/d', '/e'), stat('/e/f'), stat('/d/f'), list('/')]).slice(-3), [
      { ok: true, kind: 'file' },
      fail('NOT_FOUND'),
      { ok: true, kind: 'dir', names: ['e', 'full', 'g'] },
    ]);
  });

  test('the checker accepts either order of concurrent changes and refuses what no order explains', () => {
    const h = (...ops: [NamespaceInput, NamespaceOutput | undefined, number, number][]): NsOp[] =>
      ops.map(([input, output, call, ret], client) => op(client, input, call, ret, output));
    // Two concurrent creates of one name: exactly one wins.
    assertVerdict(checkLinearizable(namespaceModel, h([create('/f'), { ok: true }, 0, 5], [create('/f'), fail('EXISTS'), 0, 5])), true);
    assertVerdict(checkLinearizable(namespaceModel, h([create('/f'), { ok: true }, 0, 5], [create('/f'), { ok: true }, 0, 5])), false);
    // A stat during a rename sees the old name or the new one, and not neither once it is done.
    const setup: [NamespaceInput, NamespaceOutput, number, number] = [mkdir('/a'), { ok: true, kind: 'dir' }, 0, 1];
    assertVerdict(checkLinearizable(namespaceModel, h(setup, [rename('/a', '/b'), OK, 2, 10], [stat('/a'), { ok: true, kind: 'dir' }, 3, 4])), true);
    assertVerdict(checkLinearizable(namespaceModel, h(setup, [rename('/a', '/b'), OK, 2, 10], [stat('/a'), fail('NOT_FOUND'), 3, 4])), true);
    assertVerdict(checkLinearizable(namespaceModel, h(setup, [rename('/a', '/b'), OK, 2, 10], [stat('/a'), { ok: true }, 11, 12])), false);
    // A list sees a whole rename or none of it.
    assertVerdict(
      checkLinearizable(
        namespaceModel,
        h(setup, [create('/c'), { ok: true }, 0, 1], [rename('/c', '/a/c'), OK, 2, 10], [list('/'), { ok: true, names: ['a'] }, 3, 4], [list('/a'), { ok: true, names: [] }, 5, 6]),
      ),
      false,
    );
    // A rename whose reply was lost (leader killed) explains a later stat, or did not happen.
    for (const seen of [{ ok: true, kind: 'dir' } as const, fail('NOT_FOUND')]) {
      assertVerdict(checkLinearizable(namespaceModel, h(setup, [rename('/a', '/b'), undefined, 2, Infinity], [stat('/b'), seen, 5, 6])), true);
    }
    // A create retried after failover that answers EXISTS for its own first attempt is a violation
    // (the master answers a retry from its reply table instead).
    assertVerdict(checkLinearizable(namespaceModel, h([create('/f'), fail('EXISTS'), 0, 5])), false);
  });

  test('agrees with a brute force over all orders on thousands of tiny histories', (t) => {
    t.diagnostic(`LIN_SEED=${BASE_SEED}`);
    const { rejected } = compareWithBruteForce('namespace', namespaceModel, namespaceWorkload(NS_PATHS), 2000, BASE_SEED + 13_000_000);
    assert.ok(rejected > 500, `only ${rejected} mutated histories rejected`);
  });
});

// ----------------------------------------------------------- long histories

/**
 * Recorded histories of n ops by 8 clients must pass; mutated ones are
 * checked too (their verdict is not known: a change may still be
 * explainable), and no check may run out of time. Returns the rates.
 */
function runLong<S, I, O>(model: Model<S, I, O>, w: Workload<S, I, O>, n: number, pUnknown: number, histories: number, seed: number): string {
  const ms = { recorded: 0, mutated: 0, slowest: 0 };
  let rejected = 0;
  let lost = 0;
  for (let k = 0; k < histories; k++) {
    const rng = new Rng(seed + k);
    const ops = record(rng, w, n, 8, pUnknown);
    lost += ops.filter((o) => o.ret === Infinity).length;
    const mutated = mutateOne(rng, w, ops);
    for (const [history, kind] of [[ops, 'recorded'], [mutated, 'mutated']] as const) {
      if (history === null) continue;
      const t0 = process.hrtime.bigint();
      const result = checkLinearizable(model, history, { timeoutMs: 10_000 });
      const took = Number(process.hrtime.bigint() - t0) / 1e6;
      ms[kind] += took;
      ms.slowest = Math.max(ms.slowest, took);
      const where = `(seed ${seed + k}: LIN_SEED=${seed} history ${k})`;
      assert.notEqual(result.ok, 'unknown', `timed out ${where}`);
      if (kind === 'recorded') assert.deepEqual(result, { ok: true }, `recorded history rejected ${where}`);
      else if (result.ok === false) rejected++;
    }
  }
  const rate = (total: number) => `${((histories * 1000) / total).toFixed(0)} histories/s (${((histories * n) / total).toFixed(0)}k ops/s)`;
  return (
    `${histories} histories of ${n} ops, ${(lost / histories).toFixed(1)} lost replies each: recorded ${rate(ms.recorded)}, ` +
    `mutated ${rate(ms.mutated)} (${rejected} rejected), slowest ${ms.slowest.toFixed(0)} ms`
  );
}

describe('linearizability checker on long histories', () => {
  const machine = `${os.cpus()[0]?.model ?? 'unknown cpu'} x${os.cpus().length}, load ${os.loadavg()[0].toFixed(1)}, node ${process.version}, ${new Date().toISOString()}`;

  test('checks 500-op kv histories of 8 clients in milliseconds, over five keys or one', (t) => {
    t.diagnostic(machine);
    t.diagnostic(`kv, 5 keys: ${runLong(kvModel, kvWorkload(['a', 'b', 'c', 'd', 'e']), 500, 0.01, 30, BASE_SEED + 21_000_000)}`);
    t.diagnostic(`kv, 1 key: ${runLong(kvModel, kvWorkload(['x']), 500, 0.01, 30, BASE_SEED + 22_000_000)}`);
  });

  test('checks 300-op namespace histories of 8 clients with lost replies in milliseconds', (t) => {
    t.diagnostic(machine);
    t.diagnostic(`namespace: ${runLong(namespaceModel, namespaceWorkload(NS_PATHS), 300, 0.01, 30, BASE_SEED + 31_000_000)}`);
    t.diagnostic(`namespace, more lost: ${runLong(namespaceModel, namespaceWorkload(NS_PATHS), 300, 0.05, 30, BASE_SEED + 32_000_000)}`);
  });
});
