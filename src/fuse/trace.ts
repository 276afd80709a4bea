// A request trace of the mount, for profiling (docs/benchmarks.md): with
// STRATA_FUSE_TRACE=FILE in the mount process's environment, every kernel
// request the adapter answers and every master call it makes is appended to
// FILE as one line: start time (µs since the mount started), duration (µs),
// kind (fuse, rpc, or gc: a garbage collection, which pauses every request),
// operation, path. Off (no cost but one check) otherwise.

import { createWriteStream, type WriteStream } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import type { MasterClient } from '../client/master-client';

export class RequestTrace {
  private readonly t0 = process.hrtime.bigint();
  /** performance.now() (ns) when t0 was taken: GC entries are timed on that clock. */
  private readonly perfAtT0 = BigInt(Math.round(performance.now() * 1e6));
  private lines: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly out: WriteStream;

  private constructor(file: string) {
    this.out = createWriteStream(file, { flags: 'a' });
    // Garbage collections too: a pause of the event loop is a pause of every request.
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const start = BigInt(Math.round(e.startTime * 1e6)) - this.perfAtT0;
        const kind = (e as { detail?: { kind?: number } }).detail?.kind ?? 0; // 1 minor, 2 major, 4 incremental, 8 weak callbacks
        this.lines.push(`${start / 1000n} ${Math.round(e.duration * 1000)} gc kind${kind} -`);
      }
    }).observe({ entryTypes: ['gc'] });
  }

  /** The trace the environment asks for, or null. */
  static fromEnv(): RequestTrace | null {
    const file = process.env.STRATA_FUSE_TRACE;
    return file === undefined || file === '' ? null : new RequestTrace(file);
  }

  now(): bigint {
    return process.hrtime.bigint();
  }

  record(kind: 'fuse' | 'rpc', op: string, path: string, start: bigint): void {
    const end = process.hrtime.bigint();
    this.lines.push(`${(start - this.t0) / 1000n} ${(end - start) / 1000n} ${kind} ${op} ${path}`);
    // Written in batches, off the request path.
    this.timer ??= setTimeout(() => this.flush(), 200);
  }

  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.lines.length === 0) return;
    this.out.write(this.lines.join('\n') + '\n'); // asynchronous: the trace must not stall the requests it times
    this.lines = [];
  }

  /** Records every call the master client makes. */
  wrapMaster(master: MasterClient): void {
    const call = master.call.bind(master);
    master.call = <T>(op: Parameters<MasterClient['call']>[0], request: Record<string, unknown>): Promise<T> => {
      const start = this.now();
      const p = call<T>(op, request);
      const path = typeof request.path === 'string' ? request.path : '';
      p.then(
        () => this.record('rpc', op, path, start),
        () => this.record('rpc', `${op}!`, path, start),
      );
      return p;
    };
  }
}
