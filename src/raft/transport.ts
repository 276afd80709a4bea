// The Raft transport between masters, over the masters' own gRPC port
// (proto/raft.proto). One long-lived client stream per peer carries message
// batches: everything sent to a peer in one turn of the event loop leaves as
// one gRPC message. Raft tolerates loss, so a broken stream drops what it
// held and the next send opens a new one; nothing here retries.
//
// Snapshots travel on their own call, in chunks, with backpressure.
//
// Fault injection for tests (STRATA_RAFT_FAULTS=1): SetFaults names peers
// whose messages are dropped in both directions, which cuts links without
// killing processes.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import path from 'node:path';
import { PROTO_OPTIONS } from '../common/api';
import { ErrorCode, StrataError } from '../common/errors';
import type { ProtoGrpcType } from '../gen/raft';
import type { RaftClient } from '../gen/strata/raft/Raft';
import type { SnapshotChunk__Output } from '../gen/strata/raft/SnapshotChunk';
import { decodeMessage, encodeMessage } from './codec';
import type { Message, NodeId, Peer } from './types';

/** A snapshot stream that takes longer than this is cut (a dead peer must not pin the sender). */
const SNAPSHOT_DEADLINE_MS = 10 * 60 * 1000;
const RAFT_PROTO = path.join(__dirname, '..', '..', '..', 'proto', 'raft.proto');

export function loadRaftProto(): ProtoGrpcType {
  return grpc.loadPackageDefinition(protoLoader.loadSync(RAFT_PROTO, PROTO_OPTIONS)) as unknown as ProtoGrpcType;
}

export interface TransportHandler {
  /** A message from a peer (already checked to be for this node). */
  onMessage(msg: Message): void;
  /** A snapshot from the leader: store the chunks; resolve true once stored. */
  onSnapshot(header: Message, chunks: AsyncIterable<Buffer>): Promise<boolean>;
}

interface PeerLink {
  address: string;
  client: RaftClient;
  stream: grpc.ClientWritableStream<{ messages: Buffer[] }> | null;
  queue: Buffer[];
  scheduled: boolean;
  closed: boolean;
}

export class RaftTransport {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly proto = loadRaftProto();
  private dropPeers = new Set<NodeId>();
  private closed = false;
  private handler: TransportHandler | null = null;
  /** Finishers of the peers' incoming Send streams, to end them at shutdown. */
  private readonly incoming = new Set<() => void>();

  constructor(
    private readonly selfId: NodeId,
    private readonly faultsAllowed = process.env.STRATA_RAFT_FAULTS === '1',
  ) {}

  /** The Raft service for the master's gRPC server. */
  service(): { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation } {
    return { definition: this.proto.strata.raft.Raft.service, implementation: this.implementation() };
  }

  start(handler: TransportHandler): void {
    this.handler = handler;
  }

  /** Keeps one link per peer at its current address; links to peers gone are closed. */
  setPeers(peers: Peer[]): void {
    const wanted = new Map(peers.filter((p) => p.id !== this.selfId).map((p) => [p.id, p.address]));
    for (const [id, link] of this.links) {
      if (wanted.get(id) !== link.address) this.closeLink(id, link);
    }
    for (const [id, address] of wanted) {
      if (!this.links.has(id)) this.links.set(id, this.newLink(address));
    }
  }

  send(messages: Message[]): void {
    for (const msg of messages) {
      if (this.closed || this.dropPeers.has(msg.to)) continue;
      const link = this.links.get(msg.to);
      if (link === undefined) continue; // not a known peer (removed): Raft copes with the loss
      link.queue.push(encodeMessage(msg));
      if (!link.scheduled) {
        link.scheduled = true;
        setImmediate(() => this.flush(link));
      }
    }
  }

  /** Streams a snapshot to a peer; resolves true when the peer stored it. */
  async sendSnapshot(header: Message, chunks: AsyncIterable<Buffer>): Promise<boolean> {
    const link = this.links.get(header.to);
    if (link === undefined || link.closed || this.closed || this.dropPeers.has(header.to)) return false;
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const done = (ok: boolean) => {
        if (!settled) {
          settled = true;
          resolve(ok);
        }
      };
      const call = link.client.InstallSnapshot({ deadline: Date.now() + SNAPSHOT_DEADLINE_MS }, (err, reply) => done(err === null && reply?.accepted === true));
      // 'drain' never comes once the call has ended (refused, peer gone): wait for either.
      let callEnded = false;
      let wakePump = () => undefined as void;
      const ended = new Promise<void>((resolve) => (wakePump = resolve));
      const iterator = chunks[Symbol.asyncIterator]();
      void (async () => {
        try {
          call.write({ header: encodeMessage(header) });
          for (;;) {
            if (settled || callEnded) return;
            const next = await iterator.next();
            if (next.done === true) break;
            if (!call.write({ data: next.value })) await Promise.race([new Promise((r) => call.once('drain', r)), ended]);
          }
          call.write({ last: true });
          call.end();
        } catch {
          call.cancel();
          done(false);
        } finally {
          await iterator.return?.(undefined); // closes the source (and its RocksDB snapshot) early
        }
      })();
      void (async () => {
        await new Promise<void>((resolve) => {
          const wake = () => resolve();
          call.once('status', wake);
          call.once('error', wake);
          call.once('close', wake);
        });
        callEnded = true;
        wakePump();
      })();
    });
  }

  setFaults(dropPeers: string[]): void {
    this.dropPeers = new Set(dropPeers);
    for (const id of dropPeers) {
      const link = this.links.get(id);
      if (link !== undefined) link.queue = [];
    }
  }

  /** Answers the peers' open Send streams, so the gRPC server can shut down. */
  endIncoming(): void {
    for (const finish of [...this.incoming]) finish();
  }

  close(): void {
    this.closed = true;
    this.endIncoming();
    for (const [id, link] of this.links) this.closeLink(id, link);
  }

  private newLink(address: string): PeerLink {
    const client = new this.proto.strata.raft.Raft(address, grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 500,
      // A silently dead connection must not hold a peer's stream for minutes.
      'grpc.keepalive_time_ms': 5000,
      'grpc.keepalive_timeout_ms': 3000,
      'grpc.keepalive_permit_without_calls': 1,
    });
    return { address, client, stream: null, queue: [], scheduled: false, closed: false };
  }

  private closeLink(id: NodeId, link: PeerLink): void {
    link.closed = true; // a flush already scheduled must not use the closed client
    link.stream?.end();
    link.stream = null;
    link.client.close();
    this.links.delete(id);
  }

  private flush(link: PeerLink): void {
    link.scheduled = false;
    if (this.closed || link.closed || link.queue.length === 0) return;
    const messages = link.queue;
    link.queue = [];
    if (link.stream === null) {
      const stream = link.client.Send(() => {
        // The call ended (peer down, restarted, or closed): the next send opens a new one.
        if (link.stream === stream) link.stream = null;
      });
      stream.on('error', () => {
        if (link.stream === stream) link.stream = null;
      });
      link.stream = stream;
    }
    link.stream.write({ messages });
  }

  private implementation(): grpc.UntypedServiceImplementation {
    const send: grpc.handleClientStreamingCall<{ messages: Buffer[] }, object> = (call, callback) => {
      call.on('data', (batch: { messages: Buffer[] }) => {
        for (const raw of batch.messages) {
          let msg: Message;
          try {
            msg = decodeMessage(raw);
          } catch {
            continue; // garbage on the port: ignored, never fatal
          }
          if (msg.to !== this.selfId || this.dropPeers.has(msg.from) || this.closed) continue;
          this.handler?.onMessage(msg);
        }
      });
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        this.incoming.delete(finish);
        callback(null, {});
      };
      this.incoming.add(finish);
      call.on('end', finish);
      call.on('error', () => this.incoming.delete(finish));
      call.on('cancelled', () => this.incoming.delete(finish));
    };

    const installSnapshot: grpc.handleClientStreamingCall<SnapshotChunk__Output, object> = (call, callback) => {
      const iterator = call[Symbol.asyncIterator]() as AsyncIterator<SnapshotChunk__Output>;
      void (async () => {
        const first = await iterator.next();
        if (first.done === true || first.value.header.length === 0) throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'snapshot without a header');
        const header = decodeMessage(first.value.header);
        if (header.to !== this.selfId || this.dropPeers.has(header.from) || this.handler === null) {
          throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'snapshot not for this master');
        }
        let sawLast = false;
        async function* data(): AsyncGenerator<Buffer> {
          for (;;) {
            const next = await iterator.next();
            if (next.done === true) break;
            if (next.value.data.length > 0) yield next.value.data;
            if (next.value.last) {
              sawLast = true;
              break;
            }
          }
        }
        const stored = await this.handler.onSnapshot(header, data());
        // A stream cut short (leader died mid-send) is not a snapshot.
        return stored && sawLast;
      })().then(
        (accepted) => callback(null, { accepted }),
        (err: unknown) => callback({ code: grpc.status.INVALID_ARGUMENT, details: String(err) }),
      );
    };

    const setFaults: grpc.handleUnaryCall<{ dropPeers: string[] }, object> = (call, callback) => {
      if (!this.faultsAllowed) {
        callback({ code: grpc.status.PERMISSION_DENIED, details: 'fault injection is off (STRATA_RAFT_FAULTS=1 enables it)' });
        return;
      }
      this.setFaults(call.request.dropPeers);
      callback(null, {});
    };

    return { Send: send, InstallSnapshot: installSnapshot, SetFaults: setFaults };
  }
}
