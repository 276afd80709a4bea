// Figures for benchmarks: rates, percentiles, and the machine they ran on.

import os from 'node:os';

export interface OpFigures {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  ops: number;
}

export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function figures(ops: number, seconds: number, latenciesMs: number[]): OpFigures {
  const sorted = Float64Array.from(latenciesMs).sort();
  return {
    opsPerSec: round(seconds > 0 ? ops / seconds : 0),
    p50Ms: round(percentile(sorted, 50), 3),
    p99Ms: round(percentile(sorted, 99), 3),
    ops,
  };
}

export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function machine(): string {
  const gib = Math.round(os.totalmem() / 2 ** 30);
  return `${os.cpus().length} cores, ${gib} GiB, node ${process.version}`;
}
