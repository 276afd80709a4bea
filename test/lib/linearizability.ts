// A linearizability checker for histories recorded by tests (Herlihy & Wing's
// definition), with the search of Wing & Gong as improved by Lowe ("Testing
// for linearizability", 2017) and used by Porcupine: a list of call and
// return events in time order, a depth-first search that linearizes one call
// at a time and backtracks at the first return it cannot get past, and a
// cache of (set of linearized ops, model state) so that no configuration is
// explored twice. A model may split a history into independent parts
// (P-compositionality, Horn & Kroening 2015), each checked on its own.
//
// Beyond that scheme: ops of unknown outcome (lost replies) are kept out of
// the event list and offered on the side, a configuration is skipped when
// one with the same state and fewer unknown ops linearized was explored
// (ExploredSet), a read that fits is placed at once instead of everywhere
// (Model.readOnly, a partial-order reduction), and model.step is asked once
// per (op, state key).
//
// Also here: kvModel, a put/get/cas register map partitioned per key. The
// namespace model lives in namespace-model.ts.

/**
 * One completed or pending call as a client saw it. Times are closed
 * intervals on one clock: the op took effect at some instant in [call, ret].
 * ret = Infinity and output = undefined when the outcome is unknown (timed
 * out, connection lost, leader crashed): it may or may not have taken effect.
 * A finite ret with output undefined is an op that did take effect but
 * whose answer is not checked.
 */
export interface Operation<I, O> {
  client: number;
  input: I;
  call: number;
  ret: number;
  output: O | undefined;
}

/**
 * A sequential specification. States are values: step returns a new state
 * and never changes the one it was given, and gives the same answer for
 * states with the same key (the checker remembers its answers by key).
 */
export interface Model<S, I, O> {
  init(): S;
  /** output undefined: any outcome is acceptable, take the transition. */
  step(state: S, input: I, output: O | undefined): { ok: boolean; state: S };
  /** Canonical form of a state: equal keys for equal states, different keys otherwise. */
  key(state: S): string;
  /** Independent sub-histories (P-compositionality). */
  partition?(ops: Operation<I, O>[]): Operation<I, O>[][];
  /**
   * Optional: true when step, whenever it accepts this output, leaves the
   * state as it was (a read, a refused change). The checker then places such
   * an op as soon as it fits instead of trying it everywhere, which cuts the
   * search many times over; a wrong true makes it miss linearizations.
   */
  readOnly?(input: I, output: O): boolean;
  describe?(input: I, output: O | undefined): string;
}

export type CheckResult = { ok: true } | { ok: false; reason: string } | { ok: 'unknown' };

/** How many ops of the longest linearizable prefix a failure reason shows. */
const REASON_PREFIX_OPS = 12;
/** The search looks at the clock once per this many steps. */
const CLOCK_EVERY = 1024;

/**
 * Whether ops can be ordered so that each takes effect within its interval
 * and the model accepts every output in that order. 'unknown' only when
 * options.timeoutMs ran out first (shared by all partitions).
 */
export function checkLinearizable<S, I, O>(
  model: Model<S, I, O>,
  ops: Operation<I, O>[],
  options: { timeoutMs?: number } = {},
): CheckResult {
  for (const op of ops) {
    if (!Number.isFinite(op.call) || !(op.call <= op.ret)) {
      throw new Error(`operation of client ${op.client} has call ${op.call} and ret ${op.ret}: need call <= ret, call finite`);
    }
    if (op.ret === Infinity && op.output !== undefined) {
      throw new Error(`operation of client ${op.client} has an output but no return time`);
    }
  }
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const parts = model.partition ? model.partition(ops) : [ops];
  let timedOut = false;
  for (let i = 0; i < parts.length; i++) {
    const result = checkPart(model, parts[i], deadline);
    if (result.ok === false) {
      const where = parts.length > 1 ? ` (in part ${i + 1} of ${parts.length} of the history)` : '';
      return { ok: false, reason: `not linearizable${where}: ${result.reason}` };
    }
    // Keep checking the other parts: one of them may still prove a violation.
    if (result.ok === 'unknown') timedOut = true;
  }
  return timedOut ? { ok: 'unknown' } : { ok: true };
}

/** A call or return event of an op that returned, linked into the list the search walks. */
interface Entry {
  /** Index of the op in the part being checked. */
  readonly op: number;
  readonly isCall: boolean;
  /** Position in time order (see buildEvents). */
  readonly seq: number;
  /** For a call: its return. */
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

/**
 * The events in time order: a list head for the ops that returned, and the
 * ops of unknown outcome by call, each with the position of its call.
 *
 * Intervals are closed, so an op returning at t and another called at t
 * overlap at t and may be linearized either way round: at equal times calls
 * go before returns. Sorting the return first would claim the first op
 * finished before the second began, which equal timestamps (a coarse clock,
 * two machines) cannot show, and would report violations that are not there.
 *
 * Ops of unknown outcome stay out of the list: they never have to be
 * linearized, and the search offers them separately (see checkPart).
 */
function buildEvents<I, O>(ops: Operation<I, O>[]): { head: Entry; calls: Entry[]; unknownOps: number[]; callSeq: Int32Array } {
  const events: { time: number; op: number; isCall: boolean }[] = [];
  ops.forEach((op, i) => {
    events.push({ time: op.call, op: i, isCall: true });
    if (op.ret !== Infinity) events.push({ time: op.ret, op: i, isCall: false });
  });
  events.sort((a, b) => {
    if (a.time !== b.time) return a.time < b.time ? -1 : 1;
    if (a.isCall !== b.isCall) return a.isCall ? -1 : 1;
    return a.op - b.op; // deterministic, so failures reproduce
  });
  const head: Entry = { op: -1, isCall: false, seq: -1, match: null, prev: null, next: null };
  const calls: Entry[] = new Array(ops.length);
  const returns: Entry[] = new Array(ops.length);
  const callSeq = new Int32Array(ops.length);
  const unknownOps: number[] = [];
  let last = head;
  events.forEach((e, seq) => {
    if (e.isCall) callSeq[e.op] = seq;
    if (ops[e.op].ret === Infinity) {
      unknownOps.push(e.op);
      return;
    }
    const entry: Entry = { op: e.op, isCall: e.isCall, seq, match: null, prev: last, next: null };
    (e.isCall ? calls : returns)[e.op] = entry;
    last.next = entry;
    last = entry;
  });
  for (const call of calls) if (call !== undefined) call.match = returns[call.op];
  return { head, calls, unknownOps, callSeq };
}

/** Takes a call and its return out of the list (the op is linearized). */
function lift(call: Entry): void {
  const ret = call.match as Entry;
  (call.prev as Entry).next = call.next;
  (call.next as Entry).prev = call.prev; // a call is always followed by its own return
  (ret.prev as Entry).next = ret.next;
  if (ret.next !== null) ret.next.prev = ret.prev;
}

/** Undoes lift (in reverse order, so the neighbours are as lift left them). */
function unlift(call: Entry): void {
  const ret = call.match as Entry;
  (ret.prev as Entry).next = ret;
  if (ret.next !== null) ret.next.prev = ret;
  (call.prev as Entry).next = call;
  (call.next as Entry).prev = call;
}

type PartResult = { ok: true } | { ok: false; reason: string } | { ok: 'unknown' };

/** A set of ops of unknown outcome: a number while there are at most 30 of them (no allocation), else a bitset. */
type UnknownSet = number | Uint32Array;

/**
 * Configurations already explored, each a set of linearized ops and a model
 * state. A configuration dominates every other with the same state, the
 * same returned ops linearized and more ops of unknown outcome linearized:
 * anything the latter can still do the former can, since the extra unknown
 * ops can always go at the end. Only configurations that no explored one
 * dominates are explored, which keeps each lost reply from doubling the
 * search. (A configuration is explored and failed, or is an ancestor of the
 * current one in the search: either way its successors need no second look.)
 *
 * Lookup is by state key, then by a Zobrist hash of the returned ops
 * linearized (kept up to date as ops go in and out), then by comparing the
 * bitsets: no string is built per step.
 */
class ExploredSet {
  private readonly byState = new Map<string, Map<number, Explored[]>>();

  /** Records the configuration; false when it, or one dominating it, was recorded before. */
  add(stateKey: string, hash: number, returned: Uint32Array, unknown: UnknownSet): boolean {
    let byHash = this.byState.get(stateKey);
    if (byHash === undefined) this.byState.set(stateKey, (byHash = new Map()));
    let bucket = byHash.get(hash);
    if (bucket === undefined) byHash.set(hash, (bucket = []));
    let same: Explored | undefined;
    for (const e of bucket) {
      if (equalBits(e.returned, returned)) {
        same = e;
        break;
      }
    }
    const copy = typeof unknown === 'number' ? unknown : unknown.slice();
    if (same === undefined) {
      bucket.push({ returned: returned.slice(), unknown: [copy] });
      return true;
    }
    for (const seen of same.unknown) if (isSubset(seen, unknown)) return false;
    same.unknown.push(copy);
    return true;
  }
}

interface Explored {
  returned: Uint32Array;
  /** The sets of unknown ops it was explored with, none a superset of one seen before it. */
  unknown: UnknownSet[];
}

function equalBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isSubset(a: UnknownSet, b: UnknownSet): boolean {
  if (typeof a === 'number') return (a & ~(b as number)) === 0;
  const words = b as Uint32Array;
  for (let i = 0; i < a.length; i++) if ((a[i] & ~words[i]) !== 0) return false;
  return true;
}

/** Random 30-bit words (small integers in V8), from a fixed seed: Zobrist hashing needs no secrecy. */
function zobristWords(count: number): Int32Array {
  const words = new Int32Array(count);
  let x = 0x9e3779b9;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x & 0x3fffffff;
  }
  return words;
}

/**
 * The search. From a configuration, the ops that may go next are the calls
 * before the first return left in the list (that op must be linearized
 * before anything called after it returned), and the ops of unknown outcome
 * called before that return. They are tried in three passes:
 *
 *   0. read-only ops (Model.readOnly). One that fits is the only branch
 *      taken: it changes nothing, and nothing that could go before it must,
 *      so any linearization from here can be reordered to start with it.
 *   1. the other ops that returned;
 *   2. ops of unknown outcome, last, so a configuration with fewer of them
 *      is usually explored before those it dominates (see ExploredSet).
 *
 * When the list is empty every op that returned is linearized: the unknown
 * ones left can go at the end (or never have happened), and the history is
 * linearizable.
 */
function checkPart<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[], deadline: number): PartResult {
  const { head, calls, unknownOps, callSeq } = buildEvents(ops);
  const pending = ops.map((op) => op.ret === Infinity);
  const readOnly = ops.map((op, i) => !pending[i] && op.output !== undefined && model.readOnly !== undefined && model.readOnly(op.input, op.output));
  // Each op's index among the returned ops, or among those of unknown outcome.
  const bit = new Int32Array(ops.length);
  let returnedCount = 0;
  for (let i = 0; i < ops.length; i++) if (!pending[i]) bit[i] = returnedCount++;
  unknownOps.forEach((op, i) => (bit[op] = i));
  const returned = new Uint32Array(Math.ceil(returnedCount / 32));
  const zobrist = zobristWords(returnedCount);
  let hash = 0;
  const smallUnknown = unknownOps.length <= 30;
  let unknownSmall = 0;
  const unknownLarge = new Uint32Array(smallUnknown ? 0 : Math.ceil(unknownOps.length / 32));
  /** Puts op into the linearized set, or takes it out (the same flip). */
  const flip = (op: number) => {
    const b = bit[op];
    if (!pending[op]) {
      returned[b >>> 5] ^= 1 << (b & 31);
      hash ^= zobrist[b];
    } else if (smallUnknown) {
      unknownSmall ^= 1 << b;
    } else {
      unknownLarge[b >>> 5] ^= 1 << (b & 31);
    }
  };
  const isLinearized = (op: number) => {
    const b = bit[op];
    return smallUnknown ? (unknownSmall & (1 << b)) !== 0 : (unknownLarge[b >>> 5] & (1 << (b & 31))) !== 0;
  };
  const explored = new ExploredSet();
  // model.step per op and state key, computed once: the search asks the
  // same few questions many times, and equal keys mean equal states.
  const transitions: Map<string, { ok: boolean; state: S; key: string }>[] = ops.map(() => new Map());
  const step = (op: number) => {
    let t = transitions[op].get(stateKey);
    if (t === undefined) {
      const result = model.step(state, ops[op].input, ops[op].output);
      t = { ok: result.ok, state: result.state, key: result.ok ? model.key(result.state) : '' };
      transitions[op].set(stateKey, t);
    }
    return t;
  };

  // The linearized ops in order, each with the configuration before it: the
  // state, and where the scan was (pass, and for pass 2 the unknown op and the bounding return).
  const stackOp: number[] = [];
  const stackState: S[] = [];
  const stackKey: string[] = [];
  const stackPass: number[] = [];
  const stackUnknownAt: number[] = [];
  const stackFirstReturn: (Entry | null)[] = [];
  let state = model.init();
  let stateKey = model.key(state);
  let pass = 0;
  let entry = head.next; // passes 0 and 1: the event looked at
  let firstReturn: Entry | null = null; // pass 2: the first return in the list
  let unknownAt = 0; // pass 2: the index in unknownOps looked at
  // For the failure reason: the deepest point the search reached, and the return it could not get past.
  let best: { order: number[]; stuck: number; state: S } | null = null;
  let steps = 0;

  const PUSHED = 0;
  const PASSED = 1; // does not fit here, or leads only where the search has been
  const DEAD = 2; // a read-only op fits, and what follows it fails: so does this configuration
  const attempt = (op: number): number => {
    const t = step(op);
    if (!t.ok) return PASSED;
    const forced = pass === 0 && t.key === stateKey; // (a model whose readOnly is wrong is searched in full)
    if (pass === 0 && !forced) return PASSED;
    flip(op);
    const fresh = explored.add(t.key, hash, returned, smallUnknown ? unknownSmall : unknownLarge);
    flip(op);
    if (!fresh) return forced ? DEAD : PASSED;
    stackOp.push(op);
    stackState.push(state);
    stackKey.push(stateKey);
    stackPass.push(pass);
    stackUnknownAt.push(unknownAt);
    stackFirstReturn.push(firstReturn);
    flip(op);
    if (!pending[op]) lift(calls[op]);
    state = t.state;
    stateKey = t.key;
    pass = 0;
    entry = head.next;
    return PUSHED;
  };

  for (;;) {
    if (++steps % CLOCK_EVERY === 0 && Date.now() > deadline) return { ok: 'unknown' };
    if (pass < 2) {
      if (entry === null) return { ok: true };
      if (entry.isCall) {
        if (pass === 1 || readOnly[entry.op]) {
          const tried = attempt(entry.op);
          if (tried === PUSHED) continue;
          if (tried === PASSED) {
            entry = entry.next;
            continue;
          }
          // DEAD: fall through to backing up.
        } else {
          entry = entry.next;
          continue;
        }
      } else if (pass === 0) {
        pass = 1;
        entry = head.next;
        continue;
      } else {
        pass = 2;
        firstReturn = entry;
        unknownAt = 0;
        continue;
      }
    } else {
      const bound = (firstReturn as Entry).seq;
      if (unknownAt < unknownOps.length && callSeq[unknownOps[unknownAt]] < bound) {
        const op = unknownOps[unknownAt];
        if (!isLinearized(op) && attempt(op) === PUSHED) continue;
        unknownAt++;
        continue;
      }
      // Nothing more can go before firstReturn from here.
      if (best === null || stackOp.length > best.order.length) {
        best = { order: [...stackOp], stuck: (firstReturn as Entry).op, state };
      }
    }
    // Back up to the last configuration with branches left; one whose branch
    // was forced (pass 0) fails with it.
    let op: number | undefined;
    do {
      op = stackOp.pop();
      if (op === undefined) return { ok: false, reason: explain(model, ops, best) };
      flip(op);
      if (!pending[op]) unlift(calls[op]);
      state = stackState.pop() as S;
      stateKey = stackKey.pop() as string;
      pass = stackPass.pop() as number;
      unknownAt = stackUnknownAt.pop() as number;
      firstReturn = stackFirstReturn.pop() as Entry | null;
    } while (pass === 0);
    if (pass === 1) entry = calls[op].next;
    else unknownAt++;
  }
}

function describeOp<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[], i: number): string {
  const op = ops[i];
  const what = model.describe ? model.describe(op.input, op.output) : `${JSON.stringify(op.input)} -> ${op.output === undefined ? '?' : JSON.stringify(op.output)}`;
  const ret = op.ret === Infinity ? 'unknown' : String(op.ret);
  return `client ${op.client} [${op.call}, ${ret}] ${what}`;
}

/**
 * The longest linearizable prefix found, the op whose return the search
 * could not get past after it, and what the model says about the ops that
 * could have gone next.
 */
function explain<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[], best: { order: number[]; stuck: number; state: S } | null): string {
  if (best === null) return 'no op could be linearized';
  const lines: string[] = [];
  const { order, stuck, state } = best;
  lines.push(`at most ${order.length} of ${ops.length} ops can be linearized in a row.`);
  if (order.length > 0) {
    const shown = order.slice(-REASON_PREFIX_OPS);
    const skipped = order.length - shown.length;
    lines.push(`longest linearizable prefix${skipped > 0 ? ` (its last ${shown.length})` : ''}:`);
    shown.forEach((i, k) => lines.push(`  ${skipped + k + 1}. ${describeOp(model, ops, i)}`));
  }
  lines.push(`state then: ${model.key(state)}`);
  const stuckStep = model.step(state, ops[stuck].input, ops[stuck].output);
  lines.push(
    `then this op cannot be placed: ${describeOp(model, ops, stuck)}` +
      (stuckStep.ok ? ' (the model accepts it here, but nothing that would follow works out)' : ' (the model rejects its output in this state)'),
  );
  // The other ops that were called before it returned and are not in the prefix.
  const inPrefix = new Set(order);
  const others: string[] = [];
  const candidates = ops.map((_, i) => i).filter((i) => !inPrefix.has(i) && i !== stuck && ops[i].call <= ops[stuck].ret);
  for (const i of candidates.sort((a, b) => ops[a].call - ops[b].call)) {
    const ok = model.step(state, ops[i].input, ops[i].output).ok;
    others.push(`  ${describeOp(model, ops, i)}${ok ? '' : ' (rejected here)'}`);
  }
  if (others.length > 0) lines.push('other ops that could have gone next:', ...others.slice(0, REASON_PREFIX_OPS));
  if (others.length > REASON_PREFIX_OPS) lines.push(`  ... and ${others.length - REASON_PREFIX_OPS} more`);
  return lines.join('\n');
}

// ---------------------------------------------------------------- kv model

export interface KvInput {
  op: 'put' | 'get' | 'cas';
  key: string;
  value?: string;
  expected?: string;
}
export interface KvOutput {
  value?: string;
  ok?: boolean;
}
/** key -> value; a key absent from the map has no value. */
export type KvState = ReadonlyMap<string, string>;

function withValue(state: KvState, key: string, value: string | undefined): KvState {
  if (value === undefined) throw new Error(`kv model: put or cas of ${key} without a value`);
  const next = new Map(state);
  next.set(key, value);
  return next;
}

/**
 * Registers on string keys. get answers output.value (undefined when absent);
 * put always succeeds; cas(key, expected, value) succeeds, and writes, iff the
 * current value === expected (expected undefined: iff the key is absent).
 */
export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => new Map(),
  step(state, input, output) {
    const current = state.get(input.key);
    switch (input.op) {
      case 'get':
        return { ok: output === undefined || output.value === current, state };
      case 'put':
        return { ok: true, state: withValue(state, input.key, input.value) };
      case 'cas': {
        const swapped = current === input.expected;
        const ok = output === undefined || output.ok === swapped;
        return { ok, state: swapped ? withValue(state, input.key, input.value) : state };
      }
    }
  },
  key(state) {
    // Partitioned per key, a state holds one key at most: the common case is cheap.
    if (state.size <= 1) {
      for (const [key, value] of state) return JSON.stringify(key) + '=' + JSON.stringify(value);
      return '';
    }
    return JSON.stringify([...state].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  },
  readOnly: (input, output) => input.op === 'get' || (input.op === 'cas' && output.ok === false),
  partition(ops) {
    const byKey = new Map<string, Operation<KvInput, KvOutput>[]>();
    for (const op of ops) {
      let part = byKey.get(op.input.key);
      if (part === undefined) byKey.set(op.input.key, (part = []));
      part.push(op);
    }
    return [...byKey.values()];
  },
  describe(input, output) {
    const shown = (v: string | undefined) => (v === undefined ? 'absent' : JSON.stringify(v));
    switch (input.op) {
      case 'get':
        return `get(${input.key}) -> ${output === undefined ? '?' : shown(output.value)}`;
      case 'put':
        return `put(${input.key}, ${shown(input.value)})${output === undefined ? ' -> ?' : ''}`;
      case 'cas':
        return `cas(${input.key}, ${shown(input.expected)} => ${shown(input.value)}) -> ${output === undefined ? '?' : String(output.ok)}`;
    }
  },
};
