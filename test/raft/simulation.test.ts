// Runs the deterministic Raft simulation (sim.ts) over many seeds: 3-node
// groups on seeds 1..N, 5-node groups on seeds FIVE_NODES+1..FIVE_NODES+N/2,
// so a seed alone says which group it was.
//
//   RAFT_SEED=12345 node --test dist/test/raft/simulation.test.js   one seed again, exactly
//   RAFT_TRACE=1 (with RAFT_SEED)                                    print what happened in it
//   RAFT_SEEDS=500                                                   how many seeds (3 nodes; half as many of 5)
//   RAFT_STEPS=1000                                                  steps of faults per seed

import { test } from 'node:test';
import { runSimulation, SimFailure, type SimStats } from './sim';

const FIVE_NODES = 1_000_000;
const DEFAULT_SEEDS = 3000;
const DEFAULT_STEPS = 400;
const MAX_FAILURES_SHOWN = 3;

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not ${raw}`);
  return n;
}

function nodesForSeed(seed: number): number {
  return seed > FIVE_NODES ? 5 : 3;
}

const steps = envInt('RAFT_STEPS') ?? DEFAULT_STEPS;
const oneSeed = envInt('RAFT_SEED');
const rerun = (seed: number) => `RAFT_SEED=${seed} node --test dist/test/raft/simulation.test.js`;

function runSeeds(first: number, count: number): { stats: SimStats[]; failures: string[] } {
  const stats: SimStats[] = [];
  const failures: string[] = [];
  for (let seed = first; seed < first + count; seed++) {
    try {
      stats.push(runSimulation({ seed, nodes: nodesForSeed(seed), steps }));
    } catch (err) {
      if (!(err instanceof SimFailure)) throw err;
      failures.push(`${err.message}\n  rerun: ${rerun(seed)}`);
      if (failures.length >= MAX_FAILURES_SHOWN) break;
    }
  }
  return { stats, failures };
}

function summary(stats: SimStats[]): string {
  const sum = (key: keyof SimStats) => stats.reduce((acc, s) => acc + (typeof s[key] === 'number' ? (s[key] as number) : 0), 0);
  const unknown = stats.filter((s) => s.linearizable === 'unknown').length;
  return (
    `${stats.length} seeds x ${steps} steps: ${sum('committed')} entries committed, ${sum('terms')} terms with a leader, ` +
    `${sum('crashes')} crashes, ${sum('snapshotsInstalled')} snapshots installed, ${sum('confChanges')} membership changes, ` +
    `${sum('transfers')} transfers, ${sum('puts')} puts, ${sum('gets')} gets` +
    (unknown > 0 ? `, ${unknown} histories too long to check in time` : '')
  );
}

if (oneSeed !== undefined) {
  test(`seed ${oneSeed} (${nodesForSeed(oneSeed)} nodes) keeps every invariant`, () => {
    const trace = process.env.RAFT_TRACE ? (line: string) => console.log(line) : undefined;
    const stats = runSimulation({ seed: oneSeed, nodes: nodesForSeed(oneSeed), steps, trace });
    console.log(JSON.stringify(stats));
  });
} else {
  const seeds = envInt('RAFT_SEEDS') ?? DEFAULT_SEEDS;
  for (const [nodes, first, count] of [
    [3, 1, seeds],
    [5, FIVE_NODES + 1, Math.ceil(seeds / 2)],
  ] as const) {
    test(`${nodes}-node groups under faults: one leader per term, committed entries never change, all apply one log, reads and writes linearizable, progress once healed`, (t) => {
      const { stats, failures } = runSeeds(first, count);
      t.diagnostic(summary(stats));
      if (failures.length > 0) throw new Error(`${failures.length} seed(s) failed:\n${failures.join('\n')}`);
    });
  }
}
