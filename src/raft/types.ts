// The vocabulary shared by the Raft core (core.ts, pure: no I/O, no clock),
// its driver (node.ts: disk, network, timers) and the simulation tests.
// The shape follows etcd's raft library: the driver feeds the core messages,
// ticks and proposals, then asks for a Ready (what to persist, what to send,
// what to apply), carries it out in that order, and calls advance().

export type NodeId = string;

export enum EntryType {
  /** A state-machine entry; empty data is the leader's no-op of its term. */
  NORMAL = 0,
  /** A membership change; data is an encoded ConfChange (encodeConfChange). */
  CONF_CHANGE = 1,
}

export interface Entry {
  index: number;
  term: number;
  type: EntryType;
  data: Buffer;
}

/** Persisted before any message that depends on it is sent. */
export interface HardState {
  term: number;
  /** '' when no vote was cast in `term`. */
  vote: NodeId;
  /** Persisted for convenience only; commit is recovered from the leader. */
  commit: number;
}

export interface Peer {
  id: NodeId;
  /** host:port of the master's gRPC server (client API and Raft on one port). */
  address: string;
}

/** The voting members. Single-server changes: at most one pending at a time. */
export interface ConfState {
  voters: Peer[];
}

export interface ConfChange {
  type: 'add' | 'remove';
  id: NodeId;
  /** Required for 'add'. */
  address?: string;
  /**
   * The whole membership after the change, as the proposing leader computed
   * it: applied verbatim, so every member stores the same list whatever
   * spelling of the peers it was started with.
   */
  voters?: Peer[];
}

export interface SnapshotMeta {
  /** The last index the snapshot covers, and its term. */
  index: number;
  term: number;
  /** Membership as of `index`. */
  conf: ConfState;
}

export type MessageType =
  | 'append' // leader → follower: entries after (index, logTerm), and commit
  | 'appendResponse' // follower → leader: index = last matching index, or reject with rejectHint
  | 'heartbeat' // leader → follower: commit (min of follower's match), context for ReadIndex
  | 'heartbeatResponse'
  | 'preVote' // candidate-to-be → all: term = the term it would campaign in; index/logTerm = its last entry
  | 'preVoteResponse'
  | 'vote'
  | 'voteResponse'
  | 'snapshot' // leader → follower: install the snapshot (meta + data handled by the driver)
  | 'snapshotStatus' // local only (driver → core): a snapshot send finished or failed
  | 'timeoutNow'; // leader → transferee: campaign now, skipping pre-vote

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** append: index and term of the entry before `entries`; votes: candidate's last index/term. */
  index: number;
  logTerm: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  /**
   * appendResponse reject: where the leader should probe next (etcd's hint:
   * the follower's last index at or below the probe whose term is at most
   * the leader's; that term rides in logTerm), so a whole term is skipped at
   * once. (Pre)vote rejections carry the voter's commit index and its term
   * in index/logTerm instead, so a removed leader holding that very entry
   * can learn the commit and finish a membership change.
   */
  rejectHint: number;
  /**
   * heartbeat(Response): the ReadIndex round id echoed back, 0 when none.
   * vote: 1 (CAMPAIGN_TRANSFER) when the campaign is a leadership transfer,
   * which voters honour even while they hear from a leader.
   */
  context: number;
  /** snapshot: what is being installed. The bytes travel outside the core. */
  snapshot?: SnapshotMeta;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

export interface SoftState {
  leader: NodeId | null;
  role: Role;
}

export interface ReadState {
  /** The caller's request id given to readIndex(). */
  requestId: number;
  /** Reads may be served once the applied index reaches this. */
  index: number;
}

export interface Ready {
  /** Set when term, vote or commit changed: persist before sending messages. */
  hardState: HardState | null;
  /**
   * Entries to append to the durable log. If the first one's index is <= the
   * durable log's last index, the durable log is cut back first (a conflicting
   * suffix is replaced).
   */
  entries: Entry[];
  /**
   * A snapshot to install (a follower catching up): replaces the state and the
   * whole log before anything else in this Ready is done.
   */
  snapshot: SnapshotMeta | null;
  /** To send once hardState/entries/snapshot are durable. */
  messages: Message[];
  /** Committed and durable: apply in order. */
  committedEntries: Entry[];
  readStates: ReadState[];
  /** Set when leader or role changed. */
  softState: SoftState | null;
}

export interface RaftConfig {
  id: NodeId;
  /** Ticks without hearing from a leader before a follower campaigns (randomised in [n, 2n)). */
  electionTicks: number;
  /** Ticks between leader heartbeats; < electionTicks. */
  heartbeatTicks: number;
  /** Most entries per append message (batching). */
  maxEntriesPerMessage: number;
  /** Most append messages in flight per follower before waiting for acks (pipelining). */
  maxInflight: number;
  /** Seeded randomness for election timeouts; the simulation passes its own. */
  random: () => number;
  /**
   * Grant no (pre-)vote for the first electionTicks ticks after start, as if
   * a leader had just been heard: a leader's lease (reads, store changes)
   * must hold across a follower's restart. Off only in unit tests that
   * campaign before any tick.
   */
  holdVotesAtStart?: boolean;
}

/** What a node starts from after a restart (or a fresh start with an empty log). */
export interface RaftInitialState {
  hardState: HardState;
  /**
   * Membership as of `applied`; on a fresh start, the peers it is started
   * with. A master joining a running group must start with the membership it
   * joins (every member, itself included): the log's changes are replayed
   * over it, and the bootstrap members are never in the log.
   */
  conf: ConfState;
  /** Index and term of the last entry dropped from the log (0, 0 for a fresh log). */
  snapshotIndex: number;
  snapshotTerm: number;
  /** The durable log after snapshotIndex, in order. */
  entries: Entry[];
  /** The state machine has applied up to here (>= snapshotIndex). */
  applied: number;
}

export function encodeConfChange(change: ConfChange): Buffer {
  return Buffer.from(JSON.stringify(change), 'utf8');
}

export function decodeConfChange(data: Buffer): ConfChange {
  return JSON.parse(data.toString('utf8')) as ConfChange;
}

/** Applies a committed change to a membership (pure; also used by the driver). */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  if (change.voters !== undefined) return { voters: change.voters.map((p) => ({ ...p })) };
  const others = conf.voters.filter((p) => p.id !== change.id);
  if (change.type === 'remove') return { voters: others };
  return { voters: [...others, { id: change.id, address: change.address ?? '' }].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
}
