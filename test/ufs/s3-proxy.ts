// An HTTP proxy in the test process between strata and the S3 test server,
// to stop a store conversation at an exact request: a rule picks requests to
// hold unanswered (never forwarded until released). Requests go through
// unchanged, the Host header too, which their signature covers.

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyRule {
  /** Whether to hold this request instead of forwarding it. */
  hold(req: http.IncomingMessage): boolean;
  /** Called when a forwarded request's response has been relayed whole. */
  answered?(req: http.IncomingMessage): void;
  /** Whether to fail this request as a network error would: its connection closed, no response. */
  fail?(req: http.IncomingMessage): boolean;
}

export function isCopyObject(req: http.IncomingMessage): boolean {
  return req.method === 'PUT' && req.headers['x-amz-copy-source'] !== undefined;
}

/** DeleteObject, or DeleteObjects (POST ?delete). */
export function isDelete(req: http.IncomingMessage): boolean {
  return req.method === 'DELETE' || (req.method === 'POST' && /[?&]delete(=|&|$)/.test(req.url ?? ''));
}

/** A ListObjectsV2 request for a page after the first. */
export function isListContinuation(req: http.IncomingMessage): boolean {
  return req.method === 'GET' && (req.url ?? '').includes('continuation-token=');
}

/** A request the proxy holds, and when its client gave up on it (closed the connection), if it did. */
export interface HeldRequest {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  heldAt: number;
  abandonedAt: number | null;
  dropped: boolean;
}

export class S3Proxy {
  private readonly server: http.Server;
  private held: HeldRequest[] = [];
  /** Every request held so far (released or dropped ones too), in order. */
  readonly heldLog: HeldRequest[] = [];
  private rule: ProxyRule | null = null;
  endpoint = '';

  constructor(private readonly upstream: URL) {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The rule for requests from now on; null forwards everything. */
  setRule(rule: ProxyRule | null): void {
    this.rule = rule;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Forwards the held requests now (the rule is not asked again). */
  releaseHeld(): void {
    for (const { req, res } of this.held.splice(0)) this.forward(req, res);
  }

  /** Drops the held requests unanswered: they never reach the store. */
  dropHeld(): void {
    for (const entry of this.held.splice(0)) {
      entry.dropped = true;
      entry.res.destroy();
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.rule?.fail?.(req) === true) {
      res.socket?.destroy();
      return;
    }
    if (this.rule !== null && this.rule.hold(req)) {
      const entry: HeldRequest = { req, res, heldAt: Date.now(), abandonedAt: null, dropped: false };
      res.once('close', () => {
        if (!res.writableFinished && !entry.dropped) entry.abandonedAt = Date.now();
      });
      this.held.push(entry);
      this.heldLog.push(entry);
      return;
    }
    this.forward(req, res, this.rule);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, rule: ProxyRule | null = null): void {
    const out = http.request(
      { host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
        upstreamRes.once('end', () => rule?.answered?.(req));
      },
    );
    out.once('error', () => res.destroy());
    req.pipe(out);
  }

  /** Drops what is held, then stops listening. Safe to call twice. */
  async close(): Promise<void> {
    this.rule = null;
    this.dropHeld();
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
