// The master client of strata's own tools (CLI, bench, FUSE): every call goes
// through one Session stream per client, many calls in flight at once, and
// the calls issued in one turn of the event loop leave as one message. It
// finds the serving master among the configured ones, follows NOT_LEADER
// redirects, and when the stream breaks it reconnects and re-sends what was
// in flight; mutating calls carry (client id, seq), so a re-sent call that
// was already applied is answered from the master's memory, not applied twice.

import * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import type { Call, CallInput, FileInfo, Reply, ReplyBatch } from '../common/api';
import { ErrorCode, StrataError, isErrorCode } from '../common/errors';
import type { FileSystemMasterClient } from '../gen/strata/master/FileSystemMaster';
import { loadMasterProto } from '../master/service';

export type OpName = NonNullable<Call['op']>;

/** Calls that change the namespace and so carry a caller id. */
const MUTATING: ReadonlySet<OpName> = new Set<OpName>([
  'createFile',
  'completeFile',
  'createDirectory',
  'delete',
  'rename',
  'setAttribute',
  'createSymlink',
  'mount',
  'unmount',
  'setXattr',
  'removeXattr',
]);

export interface MasterClientOptions {
  /** How long a call may take, retries included, before it fails with UNAVAILABLE. */
  callTimeoutMs?: number;
  /** Pause between reconnection attempts. */
  retryIntervalMs?: number;
  /**
   * Unset: only callTimeoutMs applies. Set (a CLI's fail-fast): calls also
   * fail with UNAVAILABLE once no master has been connected for this long
   * while they wait; a call on a live connection may still take up to
   * callTimeoutMs (a recursive delete, the first listing of a huge directory).
   */
  connectTimeoutMs?: number;
}

interface PendingCall {
  callId: number;
  op: OpName;
  request: Record<string, unknown>;
  seq: number;
  deadline: number;
  resolve: (value: unknown) => void;
  reject: (err: StrataError) => void;
}

type SessionStream = grpc.ClientDuplexStream<{ calls: CallInput[]; acks?: number[]; ping?: number }, ReplyBatch>;

/**
 * Who is told of the master's callbacks (master/callbacks.ts) on this
 * client's Session stream: onInvalidate before the round is acknowledged,
 * onSessionLost whenever the stream the registrations were made on is gone
 * (broken, cut off, redirected, closed): they died with it.
 */
export interface CallbackListener {
  onInvalidate(keys: string[]): void;
  onSessionLost(): void;
}

/** How often a client with callbacks asks for its cache lease, and how long an answer lasts (counted from the ask). */
const PING_INTERVAL_MS = 200;
/** Below the master's 2 s acknowledgement limit: a client that stops hearing from its master stops using its cache before the master gives up on it. */
export const CACHE_LEASE_MS = 1000;

export class MasterClient {
  readonly clientId = randomBytes(12).toString('hex');
  private readonly masters: string[];
  private current = 0;
  private client: FileSystemMasterClient | null = null;
  private stream: SessionStream | null = null;
  private readonly pending = new Map<number, PendingCall>();
  private outbox: CallInput[] = [];
  private flushScheduled = false;
  private nextCallId = 1;
  private nextSeq = 1;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly callTimeoutMs: number;
  private readonly retryIntervalMs: number;
  private readonly connectTimeoutMs: number | null;
  /** Since when calls have been waiting with no master connected (connectTimeoutMs). */
  private disconnectedSince: number | null = null;
  private listener: CallbackListener | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private nextPing = 1;
  private readonly pingsSent = new Map<number, number>();
  /** Until when invalidations sent to us have surely arrived (the cache lease): a pong's ping time plus CACHE_LEASE_MS. */
  private leaseUntil = 0;

  constructor(masters: string[], options: MasterClientOptions = {}) {
    if (masters.length === 0) throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'no master address given');
    this.masters = [...masters];
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.retryIntervalMs = options.retryIntervalMs ?? 200;
    this.connectTimeoutMs = options.connectTimeoutMs ?? null;
    this.sweepTimer = setInterval(() => this.failExpired(), 250);
    this.sweepTimer.unref();
  }

  get address(): string {
    return this.masters[this.current];
  }

  /**
   * Hands the master's invalidations to listener, acknowledging each round
   * after it returns, and keeps a cache lease (pings) while the stream lives.
   */
  setCallbackListener(listener: CallbackListener): void {
    this.listener = listener;
    if (this.pingTimer !== null) return;
    this.pingTimer = setInterval(() => this.ping(), PING_INTERVAL_MS);
    this.pingTimer.unref();
  }

  /** Whether every invalidation the master sent before a moment within the last CACHE_LEASE_MS has been handled. */
  leaseValid(): boolean {
    return this.stream !== null && Date.now() < this.leaseUntil;
  }

  private ping(): void {
    if (this.closed) return;
    const stream = this.ensureStream();
    if (stream === null) return;
    const n = this.nextPing++;
    this.pingsSent.set(n, Date.now());
    if (this.pingsSent.size > 50) this.pingsSent.delete(this.pingsSent.keys().next().value as number);
    stream.write({ calls: [], ping: n });
  }

  private sessionLost(): void {
    this.leaseUntil = 0;
    this.pingsSent.clear();
    this.listener?.onSessionLost();
  }

  /** Sends one call and resolves with its result message. */
  call<T = unknown>(op: OpName, request: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new StrataError(ErrorCode.CLOSED, 'client is closed'));
    return new Promise<T>((resolve, reject) => {
      const pending: PendingCall = {
        callId: this.nextCallId++,
        op,
        request,
        seq: MUTATING.has(op) ? this.nextSeq++ : 0,
        deadline: Date.now() + this.callTimeoutMs,
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      this.pending.set(pending.callId, pending);
      this.enqueue(pending);
    });
  }

  private enqueue(p: PendingCall): void {
    const request = p.seq === 0 ? p.request : { ...p.request, caller: { clientId: this.clientId, seq: p.seq, firstIncomplete: this.firstIncomplete() } };
    this.outbox.push({ callId: p.callId, [p.op]: request });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** The lowest seq still waiting for its reply: the master may forget replies below it. */
  private firstIncomplete(): number {
    let min = this.nextSeq;
    for (const p of this.pending.values()) if (p.seq !== 0 && p.seq < min) min = p.seq;
    return min;
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0 || this.closed) return;
    const stream = this.ensureStream();
    if (stream === null) return; // reconnecting: the outbox is re-sent from pending
    const calls = this.outbox;
    this.outbox = [];
    stream.write({ calls });
  }

  private ensureStream(): SessionStream | null {
    if (this.stream !== null) return this.stream;
    if (this.reconnectTimer !== null) return null;
    if (this.client === null) {
      const proto = loadMasterProto();
      this.client = new proto.strata.master.FileSystemMaster(this.address, grpc.credentials.createInsecure(), {
        'grpc.max_receive_message_length': 64 * 1024 * 1024,
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1000,
      });
    }
    const stream = this.client.Session() as unknown as SessionStream;
    stream.on('data', (batch: ReplyBatch) => {
      if (this.stream !== stream) return;
      if (batch.invalidations !== undefined && batch.invalidations.length > 0) {
        const acks: number[] = [];
        for (const inv of batch.invalidations) {
          this.listener?.onInvalidate(inv.keys);
          acks.push(Number(inv.round));
        }
        stream.write({ calls: [], acks });
      }
      if (batch.pong) {
        const sent = this.pingsSent.get(Number(batch.pong));
        this.pingsSent.delete(Number(batch.pong));
        // Never longer than the master's own leadership lease (counted from the ping's sending: earlier than its answer).
        const leaseMs = Math.min(CACHE_LEASE_MS, Number(batch.leaseMs ?? 0));
        if (sent !== undefined && leaseMs > 0) this.leaseUntil = Math.max(this.leaseUntil, sent + leaseMs);
      }
      for (const reply of batch.replies) this.onReply(reply, stream);
    });
    const broken = (err?: Error) => this.onStreamBroken(stream, err);
    stream.on('error', broken);
    stream.on('end', () => broken());
    this.stream = stream;
    return stream;
  }

  private onReply(reply: Reply, stream: SessionStream): void {
    const p = this.pending.get(reply.callId);
    if (p === undefined) return; // answered before a reconnect, or timed out
    if (reply.error) {
      const code = isErrorCode(reply.error.code) ? reply.error.code : ErrorCode.INTERNAL;
      if (code === ErrorCode.NOT_LEADER || code === ErrorCode.CLOSED) {
        // Not served here (a follower, or a master shutting down): re-sent to
        // the leader, or to the next master, after the reconnect pause. Only
        // the first such reply of a stream redirects: the rest of its batch
        // would otherwise move past the next master too, one step per reply.
        if (this.stream === stream) this.redirect(reply.error.leaderAddress);
        return;
      }
      this.pending.delete(p.callId);
      p.reject(new StrataError(code, reply.error.message));
      return;
    }
    this.pending.delete(p.callId);
    p.resolve(reply.result === undefined ? {} : (reply as unknown as Record<string, unknown>)[reply.result]);
  }

  private redirect(leaderAddress: string): void {
    if (leaderAddress !== '' && !this.masters.includes(leaderAddress)) this.masters.push(leaderAddress);
    const next = leaderAddress !== '' ? this.masters.indexOf(leaderAddress) : (this.current + 1) % this.masters.length;
    this.switchTo(next);
  }

  private onStreamBroken(stream: SessionStream, _err?: Error): void {
    if (this.stream !== stream) return;
    this.switchTo((this.current + 1) % this.masters.length);
  }

  /** Drops the connection, and after a pause re-sends every pending call to masters[index]. */
  private switchTo(index: number): void {
    const old = this.stream;
    this.stream = null;
    if (old !== null) this.sessionLost();
    if (old !== null) {
      old.removeAllListeners('data');
      old.on('error', () => undefined);
      old.cancel();
    }
    if (index !== this.current || this.masters.length > 1) {
      this.client?.close();
      this.client = null;
    }
    this.current = index;
    if (this.closed || this.reconnectTimer !== null) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.outbox = [];
      for (const p of this.pending.values()) this.enqueue(p);
    }, this.retryIntervalMs);
  }

  private failExpired(): void {
    const now = Date.now();
    if (this.connectTimeoutMs !== null) this.failUnconnected(now, this.connectTimeoutMs);
    for (const p of this.pending.values()) {
      if (p.deadline <= now) {
        this.pending.delete(p.callId);
        p.reject(new StrataError(ErrorCode.UNAVAILABLE, `no master answered within ${this.callTimeoutMs} ms (tried ${this.masters.join(', ')})`));
      }
    }
  }

  /** Fails every pending call once no master has been connected for limitMs while they wait. */
  private failUnconnected(now: number, limitMs: number): void {
    const connected =
      this.stream !== null && this.client !== null && this.client.getChannel().getConnectivityState(false) === grpc.connectivityState.READY;
    if (connected || this.pending.size === 0) {
      this.disconnectedSince = null;
      return;
    }
    this.disconnectedSince ??= now;
    if (now - this.disconnectedSince < limitMs) return;
    this.disconnectedSince = null;
    for (const p of this.pending.values()) {
      this.pending.delete(p.callId);
      p.reject(new StrataError(ErrorCode.UNAVAILABLE, `no master reachable within ${limitMs} ms (tried ${this.masters.join(', ')})`));
    }
  }

  /** Every page of a directory, as an async iterable of entries. */
  async *list(path: string, pageSize = 1000, syncIntervalMs?: number): AsyncGenerator<FileInfo> {
    let startAfter = '';
    for (;;) {
      const page = await this.call<{ entries: FileInfo[]; hasMore: boolean }>('listStatus', { path, startAfter, limit: pageSize, syncIntervalMs: startAfter === '' ? syncIntervalMs : undefined });
      for (const entry of page.entries) yield entry;
      if (!page.hasMore || page.entries.length === 0) return;
      startAfter = page.entries[page.entries.length - 1].name;
    }
  }

  /** Fails what is pending with CLOSED and drops the connection; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    if (this.stream !== null) this.sessionLost();
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    for (const p of this.pending.values()) p.reject(new StrataError(ErrorCode.CLOSED, 'client is closed'));
    this.pending.clear();
    if (this.stream !== null) {
      this.stream.removeAllListeners();
      this.stream.on('error', () => undefined);
      this.stream.end();
    }
    this.stream = null;
    this.client?.close();
    this.client = null;
  }
}
