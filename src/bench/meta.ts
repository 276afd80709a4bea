// `strata bench meta`: metadata throughput and latency against the masters,
// from separate client processes, next to a grpc-js reference measured in
// the same run (STYLE.md: benchmarks report a ratio).
//
// Two layouts: "tree" (each client in its own directories of 100 files) and
// "shared" (every client in one directory, so the commuting parent updates
// and edge locks of one directory are what is measured).

import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { StrataFileSystem } from '../client/file-system';
import type { MasterInfo } from '../common/api';
import type { Phase, PhaseRequest, PhaseResult } from './meta-worker';
import { OpFigures, figures, machine, round } from './stats';

export const META_OPS = ['create', 'getStatus', 'listStatus', 'rename', 'delete'] as const;
export type MetaOp = (typeof META_OPS)[number];

export interface MetaBenchOptions {
  masters: string[];
  clients: number;
  /** Files per client. */
  files: number;
  /** Upper bound per phase, seconds. */
  durationSec: number;
  ops: MetaOp[];
  /** Calls in flight per client. */
  window: number;
  layouts: Array<'tree' | 'shared'>;
  referenceSec: number;
  /** Duration of the read phases (getStatus, listStatus), seconds. */
  readSec: number;
  /** Leave the files in place (e.g. to measure a large namespace). */
  keep: boolean;
}

export interface MetaBenchResult {
  date: string;
  machine: string;
  masters: number;
  clients: number;
  durationSec: number;
  window: number;
  filesPerClient: number;
  reference: { streamMsgsPerSec: number; unaryCallsPerSec: number };
  ops: Partial<Record<MetaOp, OpFigures>>;
  opsSharedDir: Partial<Record<MetaOp, OpFigures>>;
  masterRssBytes: number;
}

const WORKER = path.join(__dirname, 'meta-worker.js');

interface Worker {
  child: ChildProcess;
  next(): Promise<unknown>;
}

function startWorker(args: string[]): Worker {
  const child = fork(WORKER, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue: unknown[] = [];
  const waiters: Array<{ resolve: (m: unknown) => void; reject: (e: Error) => void }> = [];
  child.on('message', (m) => {
    const w = waiters.shift();
    if (w) w.resolve(m);
    else queue.push(m);
  });
  child.on('exit', (code) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`bench worker exited with ${code}`));
  });
  return {
    child,
    next: () =>
      queue.length > 0
        ? Promise.resolve(queue.shift())
        : new Promise((resolve, reject) => waiters.push({ resolve, reject })),
  };
}

async function measureReference(seconds: number): Promise<{ streamMsgsPerSec: number; unaryCallsPerSec: number }> {
  const server = startWorker(['echo-server']);
  try {
    const { port } = (await server.next()) as { port: number };
    const ref = startWorker(['reference', `127.0.0.1:${port}`, String(seconds)]);
    const r = (await ref.next()) as { streamMsgsPerSec: number; unaryCallsPerSec: number };
    return { streamMsgsPerSec: round(r.streamMsgsPerSec), unaryCallsPerSec: round(r.unaryCallsPerSec) };
  } finally {
    server.child.kill();
  }
}

export async function runMetaBench(o: MetaBenchOptions, progress: (line: string) => void = () => undefined): Promise<MetaBenchResult> {
  progress('measuring the grpc-js reference …');
  const reference = await measureReference(o.referenceSec);
  const admin = new StrataFileSystem(o.masters, { callTimeoutMs: 60_000 });
  const root = `/bench-${Date.now()}-${process.pid}`;
  const workers = Array.from({ length: o.clients }, () => startWorker(['client', o.masters.join(',')]));
  const result: MetaBenchResult = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: machine(),
    masters: o.masters.length,
    clients: o.clients,
    durationSec: o.durationSec,
    window: o.window,
    filesPerClient: o.files,
    reference,
    ops: {},
    opsSharedDir: {},
    masterRssBytes: 0,
  };
  try {
    await Promise.all(workers.map((w) => w.next())); // ready
    await admin.mkdir(root);
    for (const layout of o.layouts) {
      const runPhase = async (phase: Phase): Promise<OpFigures> => {
        const results = await Promise.all(
          workers.map(async (w, i) => {
            const req: PhaseRequest = {
              kind: 'phase',
              phase,
              dir: `${root}/${layout}/c${i}`,
              sharedDir: layout === 'shared' ? `${root}/shared/all` : null,
              files: o.files,
              filesPerDir: 100,
              window: o.window,
              durationMs: (phase === 'getStatus' || phase === 'listStatus' ? o.readSec : o.durationSec) * 1000,
            };
            w.child.send(req);
            return (await w.next()) as PhaseResult;
          }),
        );
        const ops = results.reduce((s, r) => s + r.ops, 0);
        const seconds = Math.max(...results.map((r) => r.seconds));
        const errors = results.reduce((s, r) => s + r.errors, 0);
        if (errors > 0) progress(`  ${phase}: ${errors} errors, e.g. ${results.find((r) => r.firstError)?.firstError}`);
        return figures(ops, seconds, results.flatMap((r) => r.latencies));
      };
      await runPhase('setup');
      const target = layout === 'tree' ? result.ops : result.opsSharedDir;
      for (const op of META_OPS) {
        // create, rename and delete build on each other: run them even when not asked for.
        const needed = o.ops.includes(op) || op === 'create' || (op === 'rename' && o.ops.includes('delete') && !o.keep);
        if (!needed) continue;
        const f = await runPhase(op);
        if (o.ops.includes(op)) {
          target[op] = f;
          progress(`  ${layout.padEnd(6)} ${op.padEnd(10)} ${String(f.opsPerSec).padStart(8)} ops/s  p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms`);
        }
      }
    }
    const info = await admin.master.call<MasterInfo>('getMasterInfo', {});
    result.masterRssBytes = info.rssBytes;
    if (!o.keep) await admin.delete(root, { recursive: true });
  } finally {
    for (const w of workers) {
      if (w.child.connected) w.child.send({ kind: 'exit' });
    }
    await Promise.all(workers.map((w) => new Promise((resolve) => (w.child.exitCode !== null ? resolve(null) : w.child.once('exit', resolve)))));
    await admin.close();
  }
  return result;
}

export function formatMetaBench(r: MetaBenchResult): string {
  const lines = [
    `strata bench meta — ${r.date} — ${r.machine}`,
    `masters ${r.masters}, clients ${r.clients} × ${r.window} in flight, ${r.filesPerClient} files each, phases ≤ ${r.durationSec} s`,
    `reference (grpc-js, same run): ${r.reference.streamMsgsPerSec} msgs/s over one stream, ${r.reference.unaryCallsPerSec} unary calls/s one in flight`,
    '',
    'layout  op            ops/s   ×stream  ×unary   p50 ms   p99 ms',
  ];
  for (const [layout, ops] of [['tree', r.ops], ['shared', r.opsSharedDir]] as const) {
    for (const [op, f] of Object.entries(ops)) {
      if (f === undefined) continue;
      lines.push(
        `${layout.padEnd(7)} ${op.padEnd(11)} ${String(f.opsPerSec).padStart(8)}   ${(f.opsPerSec / r.reference.streamMsgsPerSec).toFixed(2).padStart(6)}  ${(f.opsPerSec / r.reference.unaryCallsPerSec).toFixed(2).padStart(6)}  ${String(f.p50Ms).padStart(7)}  ${String(f.p99Ms).padStart(7)}`,
      );
    }
  }
  lines.push('', `master RSS after the run: ${Math.round(r.masterRssBytes / 2 ** 20)} MiB`);
  return lines.join('\n') + '\n';
}
