// The gRPC face of the master: the unary methods and the Session stream,
// both dispatched to the same FileSystemMaster handlers. Errors cross the
// wire as a gRPC status plus the strata code in trailing metadata (unary) or
// as a CallError (Session); src/client maps them back.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Call, CallBatch, ListStatusRequest, MasterInfo, ReplyInput } from '../common/api';
import { MASTER_PROTO, PROTO_OPTIONS } from '../common/api';
import { ErrorCode, StrataError, toStrataError } from '../common/errors';
import type { ProtoGrpcType } from '../gen/master';
import type { CallbackSession, Callbacks } from './callbacks';
import type { FileSystemMaster } from './file-system-master';
import { NeedsLoad } from './inode-tree';
import type { ConfChange, Peer } from '../raft/types';

/** code -> gRPC status, used on the server; the client maps back with the metadata. */
export const GRPC_STATUS: Record<ErrorCode, grpc.status> = {
  NOT_FOUND: grpc.status.NOT_FOUND,
  EXISTS: grpc.status.ALREADY_EXISTS,
  NOT_EMPTY: grpc.status.FAILED_PRECONDITION,
  NOT_DIRECTORY: grpc.status.FAILED_PRECONDITION,
  IS_DIRECTORY: grpc.status.FAILED_PRECONDITION,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  NOT_PERMITTED: grpc.status.PERMISSION_DENIED,
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NAME_TOO_LONG: grpc.status.INVALID_ARGUMENT,
  CROSS_DEVICE: grpc.status.FAILED_PRECONDITION,
  READ_ONLY: grpc.status.FAILED_PRECONDITION,
  NO_ATTRIBUTE: grpc.status.NOT_FOUND,
  OUT_OF_RANGE: grpc.status.OUT_OF_RANGE,
  TOO_BIG: grpc.status.INVALID_ARGUMENT,
  NOT_LEADER: grpc.status.UNAVAILABLE,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  CLOSED: grpc.status.UNAVAILABLE,
  IO: grpc.status.INTERNAL,
  INTERNAL: grpc.status.INTERNAL,
};

export const CODE_METADATA_KEY = 'strata-code';
export const LEADER_METADATA_KEY = 'strata-leader';

export function loadMasterProto(): ProtoGrpcType {
  const definition = protoLoader.loadSync(MASTER_PROTO, PROTO_OPTIONS);
  return grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
}

/** session: the Session stream's callback state (unary calls have none). */
type Handler = (request: never, session?: CallbackSession) => Promise<unknown> | unknown;

/** What the service needs of the master beyond the file system: its Raft role. */
export interface MasterControl {
  info(): MasterInfo;
  /** Throws NOT_LEADER (with the leader's address) unless this master serves; returns its term. */
  checkServing(): number;
  /** Confirms with a quorum that this master still leads in `term` (ReadIndex). */
  confirmLead(term: number): Promise<void>;
  /** How long from now no other master can lead (0 when that is not known now): the bound of a client's cache lease. */
  leaseLeft(): number;
  changeMembership(change: ConfChange): Promise<{ peers: Peer[]; leaderId: string }>;
  transferLeadership(id: string): Promise<{ peers: Peer[]; leaderId: string }>;
}

type OpName = NonNullable<Call['op']>;

/** Calls that only read: their answers are confirmed by a quorum before they leave (linearizable reads). */
const READS: ReadonlySet<OpName> = new Set<OpName>(['getStatus', 'listStatus', 'getMountTable', 'getMountCredentials', 'getXattr', 'listXattr', 'syncProgress']);
/** Calls any master answers, leader or not. */
const UNGATED: ReadonlySet<OpName> = new Set<OpName>(['getMasterInfo', 'addMaster', 'removeMaster', 'transferLeader']);
/** Errors that say nothing about the namespace: no confirmation needed (or possible). */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([ErrorCode.NOT_LEADER, ErrorCode.CLOSED, ErrorCode.UNAVAILABLE, ErrorCode.IO, ErrorCode.INTERNAL]);

/**
 * Runs a call on the leader only, and makes what it answers linearizable: a
 * read, or a change refused because of what the namespace holds, was decided
 * on this master's applied state, which is current only if this master still
 * led when it decided; a ReadIndex round after the decision confirms it (a
 * deposed leader that did not yet know gets NOT_LEADER, and the client asks
 * the new one). A change that committed needs no round: its commit proves it;
 * one that committed nothing is confirmed by FileSystemMaster.mutate, which
 * also binds the call's proposals to the term it began in.
 */
function gated(op: OpName, handler: Handler, control: MasterControl, callbacks: Callbacks): Handler {
  if (UNGATED.has(op)) return handler;
  const read = READS.has(op);
  return async (request: never, session?: CallbackSession) => {
    const term = control.checkServing();
    let value: unknown;
    try {
      value = await handler(request, session);
    } catch (err) {
      // A refusal can reveal a change as well as an answer can.
      await callbacks.settled();
      const e = toStrataError(err);
      if (!TRANSIENT.has(e.code)) await control.confirmLead(term);
      throw err;
    }
    // Nothing this call saw or made leaves before the holders of what
    // changed have forgotten it (callbacks.ts).
    await callbacks.settled();
    if (read) await control.confirmLead(term);
    return value;
  };
}

/**
 * getStatus, registering the session on the inodes on the way (register):
 * registered first, then read again, so that any change after the
 * registration is announced to it and any change before it is in what it
 * reads; the answer says registered only if both reads took the same inodes.
 */
async function getStatusRegistering(fs: FileSystemMaster, callbacks: Callbacks, path: string, syncIntervalMs: number | undefined, session: CallbackSession) {
  const first = await fs.getStatusWithIds(path, syncIntervalMs);
  // A mount that syncs on an interval must see each stat: its changes come from the store, not through calls.
  if (first.syncs || !callbacks.register(session, first.keys)) return { info: first.info, registered: false, pathIds: [] };
  const second = await fs.getStatusWithIds(path, -1);
  const same = second.ids.length === first.ids.length && second.ids.every((id, i) => id === first.ids[i]);
  return { info: second.info, registered: same, pathIds: same ? second.ids : [] };
}

/** The handler of each call, by the name of its oneof field in Call. */
function handlersOf(fs: FileSystemMaster, control: MasterControl, callbacks: Callbacks): Record<OpName, Handler> {
  // Read once at start; never logged. Unset or empty: no credentials leave the master.
  const clusterToken = process.env.STRATA_CLUSTER_TOKEN === undefined || process.env.STRATA_CLUSTER_TOKEN === '' ? null : process.env.STRATA_CLUSTER_TOKEN;
  const raw: Record<OpName, Handler> = {
    getStatus: async (req: { path: string; syncIntervalMs?: number; register?: boolean }, session?: CallbackSession) =>
      req.register === true && session !== undefined
        ? getStatusRegistering(fs, callbacks, req.path, req.syncIntervalMs, session)
        : { info: await fs.getStatus(req.path, req.syncIntervalMs) },
    listStatus: (req: ListStatusRequest & { syncIntervalMs?: number }) =>
      fs.listStatus(req.path, req.startAfter, req.limit, {
        ifChanged: req.ifChanged,
        knownId: req.knownId,
        knownVersion: req.knownVersion,
        compact: req.compact,
        syncIntervalMs: req.syncIntervalMs,
      }),
    createFile: (req: Parameters<FileSystemMaster['createFile']>[0]) => fs.createFile(req),
    completeFile: (req: Parameters<FileSystemMaster['completeFile']>[0]) => fs.completeFile(req),
    createDirectory: (req: Parameters<FileSystemMaster['createDirectory']>[0]) => fs.createDirectory(req),
    delete: (req: Parameters<FileSystemMaster['delete']>[0]) => fs.delete(req),
    rename: (req: Parameters<FileSystemMaster['rename']>[0]) => fs.rename(req),
    setAttribute: (req: Parameters<FileSystemMaster['setAttribute']>[0]) => fs.setAttribute(req),
    createSymlink: (req: Parameters<FileSystemMaster['createSymlink']>[0]) => fs.createSymlink(req),
    getMountTable: () => fs.getMountTable(),
    getMountCredentials: (req: { mountId: number; clusterToken: string }) => fs.getMountCredentials(req.mountId, req.clusterToken, clusterToken),
    getMasterInfo: () => control.info(),
    mount: (req: Parameters<FileSystemMaster['mount']>[0]) => fs.mount(req),
    unmount: (req: Parameters<FileSystemMaster['unmount']>[0]) => fs.unmount(req),
    sync: (req: { path: string; recursive: boolean; progressId: string }) => fs.syncMetadata(req.path, req.recursive, req.progressId),
    syncProgress: (req: { progressId: string }) => fs.syncProgress(req.progressId),
    setXattr: (req: Parameters<FileSystemMaster['setXattr']>[0]) => fs.setXattr(req),
    getXattr: async (req: { path: string; name: string }) => ({ value: await fs.getXattr(req.path, req.name) }),
    listXattr: async (req: { path: string }) => ({ names: await fs.listXattr(req.path) }),
    removeXattr: (req: Parameters<FileSystemMaster['removeXattr']>[0]) => fs.removeXattr(req),
    addMaster: (req: { id: string; address: string }) => control.changeMembership({ type: 'add', id: req.id, address: req.address }),
    removeMaster: (req: { id: string }) => control.changeMembership({ type: 'remove', id: req.id }),
    transferLeader: (req: { id: string }) => control.transferLeadership(req.id),
  };
  const handlers = {} as Record<OpName, Handler>;
  for (const op of Object.keys(raw) as OpName[]) handlers[op] = gated(op, raw[op], control, callbacks);
  return handlers;
}

function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  const e = err instanceof NeedsLoad ? new StrataError(ErrorCode.INTERNAL, err.message) : toStrataError(err);
  const metadata = new grpc.Metadata();
  metadata.set(CODE_METADATA_KEY, e.code);
  if (e.leaderAddress) metadata.set(LEADER_METADATA_KEY, e.leaderAddress);
  return { code: GRPC_STATUS[e.code], details: e.message, metadata };
}

/** Wraps a promise-returning handler as a grpc-js unary handler. */
function unary(handler: Handler): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => handler(call.request as never))
      .then(
        (reply) => callback(null, reply),
        (err: unknown) => callback(toServiceError(err)),
      );
  };
}

/**
 * The Session streams: calls arrive in batches, run concurrently, and their
 * replies leave in batches: everything that completes in one turn of the
 * event loop goes out as one message. A stream ends once the client has
 * half-closed it and its calls are answered, or, when the master shuts down
 * (drain), once its calls in flight are answered; calls that arrive after
 * that get CLOSED, which clients retry elsewhere or later.
 */
export class SessionStreams {
  private readonly open = new Set<() => void>();
  private draining = false;

  constructor(
    private readonly callbacks: Callbacks,
    private readonly control: Pick<MasterControl, 'checkServing' | 'leaseLeft'>,
  ) {}

  handler(handlers: Record<string, Handler>): grpc.handleBidiStreamingCall<CallBatch, ReplyInput[] | object> {
    return (stream) => {
      let outbox: ReplyInput[] = [];
      let scheduled = false;
      let ended = false;
      let inflight = 0;
      let halfClosed = false;
      const flush = () => {
        scheduled = false;
        if (ended || outbox.length === 0) return;
        const replies = outbox;
        outbox = [];
        stream.write({ replies });
      };
      const endIfIdle = () => {
        if (ended || inflight > 0 || !(halfClosed || this.draining)) return;
        flush();
        ended = true;
        this.open.delete(endIfIdle);
        this.callbacks.close(session);
        stream.end();
      };
      const reply = (r: ReplyInput) => {
        outbox.push(r);
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => {
            flush();
            endIfIdle();
          });
        }
      };
      this.open.add(endIfIdle);
      // Invalidations and pongs are written at once, after the replies
      // already waiting: a pong follows every Invalidation sent before it.
      const session = this.callbacks.open({
        invalidate: (round, keys) => {
          if (ended) return;
          flush();
          stream.write({ replies: [], invalidations: [{ round, keys }] });
        },
        cutOff: (reason) => {
          if (ended) return;
          ended = true;
          this.open.delete(endIfIdle);
          const details = `session cut off: ${reason}`;
          stream.emit('error', Object.assign(new Error(details), { code: grpc.status.UNAVAILABLE, details }));
        },
      });
      stream.on('data', (batch: CallBatch) => {
        if (ended) return; // cut off: its client re-sends on a new stream
        for (const round of batch.acks ?? []) this.callbacks.ack(session, Number(round));
        if (batch.ping) {
          // No lease from a master that does not serve, nor one longer than
          // its own leadership lease: a partitioned leader's clients stop
          // serving their caches before a successor can change anything.
          let leaseMs = 0;
          try {
            leaseMs = this.control.leaseLeft();
          } catch {
            leaseMs = 0; // starting or closing: no lease; a throw here would end the process
          }
          if (leaseMs > 0 && !ended) {
            flush();
            stream.write({ replies: [], pong: batch.ping, leaseMs });
          }
        }
        for (const call of batch.calls) {
          const caller = (call.op === undefined ? undefined : (call[call.op] as { caller?: { clientId?: string } } | undefined))?.caller;
          if (caller?.clientId) session.clientId = caller.clientId;
          const op = call.op;
          const handler = op === undefined ? undefined : handlers[op];
          if (this.draining) {
            reply({ callId: call.callId, error: { code: ErrorCode.CLOSED, message: 'the master is shutting down' } });
            continue;
          }
          if (op === undefined || handler === undefined) {
            reply({ callId: call.callId, error: { code: ErrorCode.INVALID_ARGUMENT, message: 'call without an operation' } });
            continue;
          }
          inflight++;
          Promise.resolve()
            .then(() => handler(call[op] as never, session))
            .then(
              (result) => reply({ callId: call.callId, [op]: result }),
              (err: unknown) => {
                const e = toStrataError(err);
                reply({ callId: call.callId, error: { code: e.code, message: e.message, leaderAddress: e.leaderAddress } });
              },
            )
            .finally(() => {
              inflight--;
            });
        }
      });
      stream.on('end', () => {
        halfClosed = true;
        endIfIdle();
      });
      const gone = () => {
        ended = true;
        this.open.delete(endIfIdle);
        this.callbacks.close(session);
      };
      stream.on('close', () => this.callbacks.close(session));
      stream.on('finish', () => this.callbacks.close(session));
      stream.on('error', gone);
      stream.on('cancelled', gone);
    };
  }

  /** Ends every stream once its calls in flight are answered; new calls get CLOSED. */
  drain(): void {
    this.draining = true;
    for (const endIfIdle of [...this.open]) endIfIdle();
  }

  /** Resolves once every stream has ended after drain(), or after timeoutMs. */
  async drained(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.open.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }
}

export function masterServiceImplementation(fs: FileSystemMaster, control: MasterControl, sessions: SessionStreams, callbacks: Callbacks): grpc.UntypedServiceImplementation {
  const handlers = handlersOf(fs, control, callbacks);
  return {
    GetStatus: unary(handlers.getStatus),
    ListStatus: ((call: grpc.ServerWritableStream<ListStatusRequest, unknown>) => {
      // The server-streaming form: every page, one message each.
      void (async () => {
        let startAfter = call.request.startAfter;
        for (;;) {
          const page = (await handlers.listStatus({ ...call.request, startAfter } as never)) as Awaited<ReturnType<FileSystemMaster['listStatus']>>;
          const writable = call.write(page);
          const last = page.compactEntries.length > 0 ? page.compactEntries[page.compactEntries.length - 1] : page.entries[page.entries.length - 1];
          if (!page.hasMore || last === undefined || call.cancelled) break;
          startAfter = last.name;
          if (!writable) await new Promise((resolve) => call.once('drain', resolve));
        }
        call.end();
      })().catch((err: unknown) => {
        // emit('error'), not destroy(err): grpc-js turns an 'error' event into
        // the call's status (with our trailing metadata) and ends the call; a
        // destroyed stream never sends a status, and the client waits forever.
        call.emit('error', Object.assign(new Error(toStrataError(err).message), toServiceError(err)));
      });
    }) as grpc.handleServerStreamingCall<unknown, unknown>,
    CreateFile: unary(handlers.createFile),
    CompleteFile: unary(handlers.completeFile),
    CreateDirectory: unary(handlers.createDirectory),
    Delete: unary(handlers.delete),
    Rename: unary(handlers.rename),
    SetAttribute: unary(handlers.setAttribute),
    CreateSymlink: unary(handlers.createSymlink),
    GetMountTable: unary(handlers.getMountTable),
    GetMountCredentials: unary(handlers.getMountCredentials),
    GetMasterInfo: unary(handlers.getMasterInfo),
    Mount: unary(handlers.mount),
    Unmount: unary(handlers.unmount),
    Sync: unary(handlers.sync),
    SyncProgress: unary(handlers.syncProgress),
    SetXattr: unary(handlers.setXattr),
    GetXattr: unary(handlers.getXattr),
    ListXattr: unary(handlers.listXattr),
    RemoveXattr: unary(handlers.removeXattr),
    AddMaster: unary(handlers.addMaster),
    RemoveMaster: unary(handlers.removeMaster),
    TransferLeader: unary(handlers.transferLeader),
    Session: sessions.handler(handlers) as grpc.handleBidiStreamingCall<unknown, unknown>,
  };
}
