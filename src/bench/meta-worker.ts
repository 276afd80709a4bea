// One client process of `strata bench meta` (forked by meta.ts): it runs the
// phases the parent asks for, each with a window of calls in flight over its
// own Session stream, and sends back counts and latencies. Also hosts the
// grpc-js echo server and reference measurements, so that none of them
// shares a process (or an event loop) with what it measures.

import { StrataFileSystem } from '../client/file-system';
import { ErrorCode, StrataError } from '../common/errors';
import { measureStream, measureUnary, startEchoServer } from './echo';

export type Phase = 'setup' | 'create' | 'getStatus' | 'listStatus' | 'rename' | 'delete';

export interface PhaseRequest {
  kind: 'phase';
  phase: Phase;
  /** This worker's directory: files go in dirs of filesPerDir, or all in sharedDir. */
  dir: string;
  sharedDir: string | null;
  files: number;
  filesPerDir: number;
  window: number;
  durationMs: number;
}

export interface PhaseResult {
  kind: 'result';
  ops: number;
  seconds: number;
  /** Latencies in ms, sampled to at most MAX_SAMPLES. */
  latencies: number[];
  errors: number;
  firstError: string;
}

const MAX_SAMPLES = 50_000;

class Workload {
  private names: string[] = [];
  private dirs: string[] = [];

  constructor(private readonly fs: StrataFileSystem) {}

  async run(req: PhaseRequest): Promise<PhaseResult> {
    if (req.phase === 'setup') return this.setup(req);
    const started = process.hrtime.bigint();
    const deadline = Date.now() + req.durationMs;
    const latencies: number[] = [];
    let ops = 0;
    let errors = 0;
    let firstError = '';
    let next = 0;
    const total = this.total(req);
    const worker = async () => {
      while (Date.now() < deadline) {
        const i = next++;
        if (total !== Infinity && i >= total) return;
        const t0 = process.hrtime.bigint();
        try {
          await this.one(req, i);
          ops++;
        } catch (err) {
          errors++;
          if (firstError === '') firstError = err instanceof Error ? err.message : String(err);
        }
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (latencies.length < MAX_SAMPLES) latencies.push(ms);
        else latencies[Math.floor(Math.random() * MAX_SAMPLES)] = ms;
      }
    };
    await Promise.all(Array.from({ length: req.window }, worker));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (req.phase === 'rename') this.names = this.names.map((n, i) => (i < ops ? n + '.r' : n));
    return { kind: 'result', ops, seconds, latencies, errors, firstError };
  }

  private total(req: PhaseRequest): number {
    switch (req.phase) {
      case 'create':
        return req.files;
      case 'rename':
      case 'delete':
        return this.names.length;
      default:
        return Infinity; // reads run for the duration
    }
  }

  private async setup(req: PhaseRequest): Promise<PhaseResult> {
    this.names = [];
    this.dirs = [];
    if (req.sharedDir !== null) {
      await this.fs.mkdir(req.sharedDir, { recursive: true });
      this.dirs.push(req.sharedDir);
      const tag = req.dir.split('/').pop();
      for (let i = 0; i < req.files; i++) this.names.push(`${req.sharedDir}/${tag}-f${i}`);
    } else {
      const dirCount = Math.ceil(req.files / req.filesPerDir);
      for (let d = 0; d < dirCount; d++) {
        const dir = `${req.dir}/d${d}`;
        await this.fs.mkdir(dir, { recursive: true });
        this.dirs.push(dir);
      }
      for (let i = 0; i < req.files; i++) this.names.push(`${req.dir}/d${Math.floor(i / req.filesPerDir)}/f${i}`);
    }
    return { kind: 'result', ops: 0, seconds: 0, latencies: [], errors: 0, firstError: '' };
  }

  private async one(req: PhaseRequest, i: number): Promise<void> {
    switch (req.phase) {
      case 'create':
        await this.fs.createFile(this.names[i]);
        return;
      case 'getStatus':
        await this.fs.stat(this.names[Math.floor(Math.random() * this.names.length)]);
        return;
      case 'listStatus':
        await this.fs.master.call('listStatus', { path: this.dirs[i % this.dirs.length], startAfter: '', limit: 1000 });
        return;
      case 'rename':
        await this.fs.rename(this.names[i], this.names[i] + '.r');
        return;
      case 'delete':
        await this.fs.delete(this.names[i]);
        return;
      default:
        throw new StrataError(ErrorCode.INVALID_ARGUMENT, `unknown phase ${String(req.phase)}`);
    }
  }
}

async function main(): Promise<void> {
  const role = process.argv[2];
  const send = (msg: unknown) => process.send?.(msg);
  if (role === 'echo-server') {
    const { port, server } = await startEchoServer();
    send({ kind: 'ready', port });
    process.on('disconnect', () => server.forceShutdown());
    return;
  }
  if (role === 'reference') {
    const address = process.argv[3];
    const seconds = Number(process.argv[4]);
    const streamMsgsPerSec = await measureStream(address, seconds);
    const unaryCallsPerSec = await measureUnary(address, seconds);
    send({ kind: 'reference', streamMsgsPerSec, unaryCallsPerSec });
    process.disconnect();
    return;
  }
  const masters = (process.argv[3] ?? '').split(',');
  const fs = new StrataFileSystem(masters, { callTimeoutMs: 60_000 });
  const workload = new Workload(fs);
  process.on('message', (msg: PhaseRequest | { kind: 'exit' }) => {
    if (msg.kind === 'exit') {
      void fs.close().then(() => process.disconnect());
      return;
    }
    workload.run(msg).then(send, (err: unknown) => send({ kind: 'result', ops: 0, seconds: 0, latencies: [], errors: 1, firstError: String(err) }));
  });
  send({ kind: 'ready' });
}

void main();
