// The Raft core: a pure state machine in the shape of etcd's raft library.
// It owns the in-memory log, the term and vote, the role, and per-follower
// replication progress. Input arrives as tick(), step(msg), propose(...) and
// readIndex(...); output leaves only through ready(): what to persist, what to
// send, what to apply. No I/O, no clock, no Math.random: time is tick() and
// randomness is config.random, so a seeded simulation replays exactly.
//
// Conventions taken from etcd (and the reasons):
// - Pre-vote (thesis §9.6): a node asks "would you vote for me?" at term+1
//   before bumping its term, so a partitioned node rejoining cannot depose a
//   healthy leader.
// - Check-quorum: a leader that has not heard from a quorum for an election
//   timeout steps down; a node that heard from a leader within the minimum
//   election timeout ignores (pre)votes ("leader lease", thesis §4.2.3),
//   except a vote of a leadership transfer (context = CAMPAIGN_TRANSFER).
// - A leader counts itself toward commit only for durable entries (thesis
//   §10.2.1), so it may send appends before its own write.
// - Membership changes take effect when their entry is applied (handed out
//   and advanced), one at a time. A joining node starts with the membership
//   it joins (or the bootstrap peers): replaying the log's changes over that
//   ends at the right membership.
// - A (pre)vote rejection carries the voter's commit index and its term, so
//   a candidate holding that entry learns it is committed. This is ours, not
//   etcd's: without it, a voter with a stale membership can wait forever for
//   the vote of a removed node that holds a longer log (see the test 'when a
//   leader of two removes itself and the news is lost ...').

import { ErrorCode, StrataError } from '../common/errors';
import { Progress, type ProgressState } from './progress';
import {
  applyConfChange,
  decodeConfChange,
  encodeConfChange,
  EntryType,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type MessageType,
  type NodeId,
  type RaftConfig,
  type RaftInitialState,
  type ReadState,
  type Ready,
  type Role,
  type SnapshotMeta,
} from './types';

/** Message.context of a 'vote' sent because the old leader asked (timeoutNow): it overrides the lease. */
export const CAMPAIGN_TRANSFER = 1;


export interface PeerStatus {
  match: number;
  next: number;
  state: ProgressState;
}

export interface RaftStatus {
  id: NodeId;
  term: number;
  vote: NodeId;
  role: Role;
  leader: NodeId | null;
  commit: number;
  applied: number;
  lastIndex: number;
  firstIndex: number;
  conf: ConfState;
  /** Leader only (itself included, match = its durable index); empty otherwise. */
  progress: Record<NodeId, PeerStatus>;
}

/** ReadIndex requests waiting for a quorum to confirm this leader after they arrived. */
interface PendingRead {
  requestId: number;
  index: number;
  round: number;
}

const NO_LEADER = null;

export class RaftCore {
  private readonly id: NodeId;
  private readonly cfg: RaftConfig;

  // ---- persistent state (HardState) and membership
  private currentTerm: number;
  private vote: NodeId;
  private conf: ConfState;

  // ---- the log: entries after snapshotIndex, in memory
  private log: Entry[];
  private snapshotIndex: number;
  private snapshotTerm: number;
  private commit: number;
  /** Handed out in committedEntries and advanced: the state machine has (or will have) these. */
  private applied: number;
  /** Handed out in committedEntries, maybe not advanced yet. */
  private applying: number;
  /** Durable: advanced after a Ready that carried them. */
  private stableIndex: number;
  /** Handed out in a Ready's entries, maybe not advanced yet. */
  private entriesSentTo: number;

  // ---- role
  private role: Role = 'follower';
  private lead: NodeId | null = NO_LEADER;
  private electionElapsed = 0;
  /**
   * Ticks since this node last heard a leader (or led), counted up to
   * electionTicks; only leader contact resets it, not a term change, so a
   * stray message of a higher term does not end the vote lease (see step).
   * With holdVotesAtStart it starts at 0: a node that restarted may have
   * heard a leader just before.
   */
  private leaderContactElapsed: number;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readonly votes = new Map<NodeId, boolean>();

  // ---- leader only
  private readonly progress = new Map<NodeId, Progress>();
  /** Index of the last conf change that may not be applied yet (etcd's pendingConfIndex). */
  private pendingConfIndex = 0;
  private leadTransferee: NodeId | null = null;
  /** Proposals appended since the last broadcast: sent at ready(), batched. */
  private proposalsUnsent = false;
  /** ReadIndex requests that came before an entry of this term was committed. */
  private readsBeforeCommit: number[] = [];
  private pendingReads: PendingRead[] = [];
  /** Round -> voters that answered a heartbeat of that round or a later one (itself included). */
  private readonly roundAcks = new Map<number, Set<NodeId>>();
  /** The round whose heartbeats have not left in a Ready yet: later requests may join it. */
  private openRound = 0;
  private lastRound = 0;

  // ---- output, gathered until ready()
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private pendingSnapshot: SnapshotMeta | null = null;
  private prevHardState: HardState;
  private prevLeader: NodeId | null = NO_LEADER;
  private prevRole: Role = 'follower';

  constructor(config: RaftConfig, initial: RaftInitialState) {
    if (config.heartbeatTicks <= 0 || config.electionTicks <= config.heartbeatTicks) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'raft: need 0 < heartbeatTicks < electionTicks');
    }
    if (config.maxEntriesPerMessage < 1 || config.maxInflight < 1) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'raft: maxEntriesPerMessage and maxInflight must be >= 1');
    }
    this.id = config.id;
    this.cfg = config;
    this.leaderContactElapsed = config.holdVotesAtStart === true ? 0 : config.electionTicks;
    this.snapshotIndex = initial.snapshotIndex;
    this.snapshotTerm = initial.snapshotTerm;
    initial.entries.forEach((e, i) => {
      if (e.index !== initial.snapshotIndex + 1 + i) {
        throw new StrataError(ErrorCode.INTERNAL, `raft: log entry ${i} has index ${e.index}, expected ${initial.snapshotIndex + 1 + i}`);
      }
    });
    this.log = initial.entries.slice();
    const last = this.lastIndex;
    if (initial.applied < initial.snapshotIndex || initial.applied > last) {
      throw new StrataError(ErrorCode.INTERNAL, `raft: applied ${initial.applied} outside the log [${initial.snapshotIndex}, ${last}]`);
    }
    this.currentTerm = initial.hardState.term;
    this.vote = initial.hardState.vote;
    this.conf = { voters: initial.conf.voters.slice() };
    // The saved commit is a hint; the durable log bounds it.
    this.commit = Math.min(Math.max(initial.hardState.commit, initial.applied), last);
    this.applied = initial.applied;
    this.applying = initial.applied;
    this.stableIndex = last;
    this.entriesSentTo = last;
    this.prevHardState = { ...initial.hardState };
    this.resetElectionTimeout();
  }

  // ================================================================ getters

  get term(): number {
    return this.currentTerm;
  }

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  get leaderId(): NodeId | null {
    return this.lead;
  }

  get confState(): ConfState {
    return { voters: this.conf.voters.slice() };
  }

  get status(): RaftStatus {
    const progress: Record<NodeId, PeerStatus> = {};
    if (this.role === 'leader') {
      progress[this.id] = { match: this.stableIndex, next: this.lastIndex + 1, state: 'replicate' };
      for (const [id, pr] of this.progress) progress[id] = { match: pr.match, next: pr.next, state: pr.state };
    }
    return {
      id: this.id,
      term: this.currentTerm,
      vote: this.vote,
      role: this.role,
      leader: this.lead,
      commit: this.commit,
      applied: this.applied,
      lastIndex: this.lastIndex,
      firstIndex: this.snapshotIndex + 1,
      conf: this.confState,
      progress,
    };
  }

  /** The term of the entry at index, or null if it is compacted away or not there yet. */
  termAt(index: number): number | null {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex) return null;
    return this.log[index - this.snapshotIndex - 1].term;
  }

  private get lastIndex(): number {
    return this.snapshotIndex + this.log.length;
  }

  private get lastTerm(): number {
    return this.log.length > 0 ? this.log[this.log.length - 1].term : this.snapshotTerm;
  }

  private entryAt(index: number): Entry {
    return this.log[index - this.snapshotIndex - 1];
  }

  /** Entries in [from, to] (both inside the log). */
  private slice(from: number, to: number): Entry[] {
    if (to < from) return [];
    return this.log.slice(from - this.snapshotIndex - 1, to - this.snapshotIndex);
  }

  private isVoter(id: NodeId): boolean {
    return this.conf.voters.some((p) => p.id === id);
  }

  private get quorum(): number {
    return Math.floor(this.conf.voters.length / 2) + 1;
  }

  // ================================================================ inputs

  tick(): void {
    if (this.leaderContactElapsed < this.cfg.electionTicks) this.leaderContactElapsed++;
    if (this.role === 'leader') {
      this.leaderContactElapsed = 0; // it hears itself
      this.tickLeader();
    } else {
      this.tickElection();
    }
  }

  /** Starts an election now (pre-vote first). A sole voter wins at once. */
  campaign(): void {
    this.hup(false);
  }

  propose(data: Buffer): { index: number; term: number } {
    this.checkCanPropose();
    const e = this.appendEntry(EntryType.NORMAL, data);
    return { index: e.index, term: e.term };
  }

  proposeConfChange(change: ConfChange): { index: number; term: number } {
    this.checkCanPropose();
    if (this.pendingConfIndex > this.applied) {
      throw new StrataError(ErrorCode.UNAVAILABLE, 'an earlier membership change is not applied yet; retry later');
    }
    const member = this.isVoter(change.id);
    if (change.type === 'add') {
      if (member) throw new StrataError(ErrorCode.EXISTS, `${change.id} is already a voter`);
      if (!change.address) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `adding ${change.id} needs an address`);
    } else if (change.type === 'remove') {
      if (!member) throw new StrataError(ErrorCode.NOT_FOUND, `${change.id} is not a voter`);
      if (this.conf.voters.length === 1) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `cannot remove ${change.id}, the last voter`);
    } else {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `unknown membership change ${String((change as { type: unknown }).type)}`);
    }
    const e = this.appendEntry(EntryType.CONF_CHANGE, encodeConfChange(change));
    this.pendingConfIndex = e.index;
    return { index: e.index, term: e.term };
  }

  /**
   * Asks for a linearizable read point. False if this node is not the leader.
   * The answer is a ReadState in a later Ready, or none if leadership is lost.
   */
  readIndex(requestId: number): boolean {
    if (this.role !== 'leader') return false;
    // Before an entry of its term is committed, a new leader's commit index
    // may be behind what the previous leader acknowledged (thesis §6.4).
    if (this.termAt(this.commit) !== this.currentTerm) {
      this.readsBeforeCommit.push(requestId);
      return true;
    }
    this.startRead(requestId);
    return true;
  }

  /**
   * Hands leadership to `to` (etcd semantics): proposals are refused, `to` is
   * brought up to date and told to campaign at once; abandoned after an
   * election timeout.
   */
  transferLeadership(to: NodeId): void {
    if (this.role !== 'leader') throw this.notLeader();
    if (to === this.id) return;
    const pr = this.progress.get(to);
    if (pr === undefined) throw new StrataError(ErrorCode.NOT_FOUND, `${to} is not a voter`);
    if (this.leadTransferee === to) return;
    this.leadTransferee = to;
    this.electionElapsed = 0; // the transfer gets one election timeout
    if (pr.match === this.lastIndex) this.send(to, 'timeoutNow', {});
    else this.sendAppend(to, true);
  }

  reportSnapshot(to: NodeId, ok: boolean): void {
    this.step({ ...emptyMessage('snapshotStatus', to, this.id, 0), reject: !ok });
  }

  /** Drops entries <= index (index <= applied) from memory. */
  compact(index: number): void {
    if (index <= this.snapshotIndex) return;
    if (index > this.applied) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `cannot compact to ${index}: only ${this.applied} is applied`);
    }
    this.snapshotTerm = this.entryAt(index).term;
    this.log = this.log.slice(index - this.snapshotIndex);
    this.snapshotIndex = index;
  }

  step(m: Message): void {
    if (m.type === 'snapshotStatus') {
      // Local, from the driver: no term.
      if (this.role === 'leader') this.stepLeader(m);
      return;
    }
    if (m.term > this.currentTerm) {
      if (m.type === 'preVote' || m.type === 'vote') {
        // A leader heard within an election timeout is alive: ignore. The
        // leader's lease (store-fence.ts) rests on this: every quorum that
        // could elect a successor holds a node that heard it.
        const inLease = this.leaderContactElapsed < this.cfg.electionTicks;
        if (inLease && m.context !== CAMPAIGN_TRANSFER) return;
      }
      if (m.type === 'preVote') {
        // A pre-vote never changes our term.
      } else if (m.type === 'preVoteResponse' && !m.reject) {
        // A grant carries the term we would campaign in; keep ours until we do.
      } else if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NO_LEADER);
      }
    } else if (m.term < this.currentTerm) {
      if (m.type === 'append' || m.type === 'heartbeat') {
        // A stale leader (e.g. back from a partition): our term makes it step down.
        this.send(m.from, 'appendResponse', {});
      } else if (m.type === 'preVote') {
        this.send(m.from, 'preVoteResponse', { reject: true, index: this.commit, logTerm: this.termAt(this.commit) ?? 0 });
      }
      return;
    }

    if (m.type === 'preVote' || m.type === 'vote') {
      this.handleVoteRequest(m);
      return;
    }
    if ((m.type === 'preVoteResponse' || m.type === 'voteResponse') && m.reject) this.learnCommit(m.index, m.logTerm);
    if (this.role === 'leader') this.stepLeader(m);
    else if (this.role === 'follower') this.stepFollower(m);
    else this.stepCandidate(m);
  }

  // ================================================================ Ready

  hasReady(): boolean {
    if (this.proposalsUnsent && this.role === 'leader') return true;
    if (this.msgs.length > 0 || this.readStates.length > 0 || this.pendingSnapshot !== null) return true;
    if (this.lastIndex > this.entriesSentTo) return true;
    if (Math.min(this.commit, this.stableIndex) > this.applying) return true;
    if (this.lead !== this.prevLeader || this.role !== this.prevRole) return true;
    return this.hardStateChanged();
  }

  /** Everything new since the last ready(); hand it back with advance() once done. */
  ready(): Ready {
    this.flushProposals();
    const hardChanged = this.hardStateChanged();
    const softChanged = this.lead !== this.prevLeader || this.role !== this.prevRole;
    const committedTo = Math.min(this.commit, this.stableIndex);
    const rd: Ready = {
      hardState: hardChanged ? { term: this.currentTerm, vote: this.vote, commit: this.commit } : null,
      entries: this.slice(this.entriesSentTo + 1, this.lastIndex),
      snapshot: this.pendingSnapshot,
      messages: this.msgs,
      committedEntries: this.slice(this.applying + 1, committedTo),
      readStates: this.readStates,
      softState: softChanged ? { leader: this.lead, role: this.role } : null,
    };
    if (rd.hardState !== null) this.prevHardState = { ...rd.hardState };
    this.prevLeader = this.lead;
    this.prevRole = this.role;
    this.entriesSentTo = this.lastIndex;
    this.applying = Math.max(this.applying, committedTo);
    this.pendingSnapshot = null;
    this.msgs = [];
    this.readStates = [];
    // Heartbeats of the open round are leaving: a later request needs a new round.
    this.openRound = 0;
    return rd;
  }

  /** rd's entries are durable, its committed entries applied, its snapshot installed. */
  advance(rd: Ready): void {
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1];
      // Unless a conflicting append replaced them since ready().
      if (this.termAt(last.index) === last.term && last.index > this.stableIndex) {
        this.stableIndex = last.index;
        this.entriesSentTo = Math.max(this.entriesSentTo, this.stableIndex);
      }
    }
    for (const e of rd.committedEntries) {
      if (e.index <= this.applied) continue; // a snapshot installed since covers it
      this.applied = e.index;
      if (e.type === EntryType.CONF_CHANGE) this.applyConf(decodeConfChange(e.data));
    }
    this.applying = Math.max(this.applying, this.applied);
    if (this.role === 'leader') this.maybeCommit(); // our own durable entries count now
  }

  // ================================================================ elections

  private resetElectionTimeout(): void {
    const n = this.cfg.electionTicks;
    this.randomizedElectionTimeout = n + Math.floor(this.cfg.random() * n);
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.isVoter(this.id) && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (!this.quorumActive()) {
        this.becomeFollower(this.currentTerm, NO_LEADER); // check-quorum
        return;
      }
      this.leadTransferee = null; // a transfer that took an election timeout has failed
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.lastRound > 0 && this.roundAcks.size > 0 ? this.lastRound : 0);
    }
  }

  /** Counts voters heard from since the last check, and starts a new period. */
  private quorumActive(): boolean {
    let active = 0;
    for (const p of this.conf.voters) {
      if (p.id === this.id) active++;
      else if (this.progress.get(p.id)?.recentActive) active++;
    }
    for (const pr of this.progress.values()) pr.recentActive = false;
    return active >= this.quorum;
  }

  private hup(transfer: boolean): void {
    if (this.role === 'leader' || !this.isVoter(this.id)) return;
    // A committed but unapplied membership change may change who votes: apply it first.
    for (let i = this.applied + 1; i <= this.commit; i++) {
      if (this.entryAt(i).type === EntryType.CONF_CHANGE) return;
    }
    this.startElection(transfer ? 'vote' : 'preVote', transfer);
  }

  private startElection(kind: 'preVote' | 'vote', transfer: boolean): void {
    let voteTerm: number;
    if (kind === 'preVote') {
      this.becomePreCandidate();
      voteTerm = this.currentTerm + 1;
    } else {
      this.becomeCandidate();
      voteTerm = this.currentTerm;
    }
    if (this.poll(this.id, true) === 'won') {
      if (kind === 'preVote') this.startElection('vote', transfer);
      else this.becomeLeader();
      return;
    }
    for (const p of this.conf.voters) {
      if (p.id === this.id) continue;
      this.send(p.id, kind, {
        term: voteTerm,
        index: this.lastIndex,
        logTerm: this.lastTerm,
        context: transfer ? CAMPAIGN_TRANSFER : 0,
      });
    }
  }

  private poll(from: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const p of this.conf.voters) {
      const v = this.votes.get(p.id);
      if (v === true) yes++;
      else if (v === false) no++;
    }
    if (yes >= this.quorum) return 'won';
    if (no >= this.quorum) return 'lost';
    return 'pending';
  }

  private handleVoteRequest(m: Message): void {
    const respType: MessageType = m.type === 'preVote' ? 'preVoteResponse' : 'voteResponse';
    const canVote =
      this.vote === m.from ||
      (this.vote === '' && this.lead === NO_LEADER) ||
      (m.type === 'preVote' && m.term > this.currentTerm);
    const upToDate = m.logTerm > this.lastTerm || (m.logTerm === this.lastTerm && m.index >= this.lastIndex);
    if (canVote && upToDate) {
      // A grant answers in the candidate's term, so a pre-candidate can count it.
      this.send(m.from, respType, { term: m.term });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      // Our commit point rides along: a candidate holding that entry learns it is committed.
      // Without this, a voter with a stale membership could wait forever for a vote from a
      // node that was removed (and holds a longer log), not knowing the removal committed.
      this.send(m.from, respType, { reject: true, index: this.commit, logTerm: this.termAt(this.commit) ?? 0 });
    }
  }

  private stepCandidate(m: Message): void {
    const myResponse: MessageType = this.role === 'preCandidate' ? 'preVoteResponse' : 'voteResponse';
    switch (m.type) {
      case 'append':
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case 'snapshot':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case myResponse: {
        // A grant of a pre-vote carries term+1; one carrying anything else is from an older round.
        if (!m.reject && m.type === 'preVoteResponse' && m.term !== this.currentTerm + 1) return;
        const result = this.poll(m.from, !m.reject);
        if (result === 'won') {
          if (this.role === 'preCandidate') this.startElection('vote', false);
          else this.becomeLeader();
        } else if (result === 'lost') {
          this.becomeFollower(this.currentTerm, NO_LEADER);
        }
        return;
      }
      default:
        return; // timeoutNow, stray responses
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'append':
        this.electionElapsed = 0;
        this.leaderContactElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.leaderContactElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case 'snapshot':
        this.electionElapsed = 0;
        this.leaderContactElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case 'timeoutNow':
        this.hup(true);
        return;
      default:
        return;
    }
  }

  // ================================================================ role changes

  private reset(term: number): void {
    if (this.currentTerm !== term) {
      this.currentTerm = term;
      this.vote = '';
    }
    this.lead = NO_LEADER;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetElectionTimeout();
    this.votes.clear();
    this.progress.clear();
    this.pendingConfIndex = 0;
    this.leadTransferee = null;
    this.proposalsUnsent = false;
    // Reads in progress are dropped: only a confirmed leader may answer them.
    this.readsBeforeCommit = [];
    this.pendingReads = [];
    this.roundAcks.clear();
    this.openRound = 0;
  }

  private becomeFollower(term: number, lead: NodeId | null): void {
    this.reset(term);
    this.role = 'follower';
    this.lead = lead;
  }

  private becomePreCandidate(): void {
    // Term and vote stay: this is only a poll.
    this.reset(this.currentTerm);
    this.role = 'preCandidate';
  }

  private becomeCandidate(): void {
    this.reset(this.currentTerm + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    this.reset(this.currentTerm);
    this.role = 'leader';
    this.lead = this.id;
    const next = this.lastIndex + 1;
    for (const p of this.conf.voters) {
      if (p.id !== this.id) this.progress.set(p.id, new Progress(next, this.cfg.maxInflight));
    }
    // Any conf change in the log may be unapplied: none may be proposed until it is.
    this.pendingConfIndex = this.lastIndex;
    // The no-op: entries of earlier terms commit only under one of ours (§5.4.2).
    this.appendEntry(EntryType.NORMAL, Buffer.alloc(0));
  }

  // ================================================================ leader

  private checkCanPropose(): void {
    if (this.role !== 'leader') throw this.notLeader();
    if (this.leadTransferee !== null) {
      throw new StrataError(ErrorCode.NOT_LEADER, `leadership is being transferred to ${this.leadTransferee}`);
    }
  }

  private notLeader(): StrataError {
    const leader = this.lead !== null && this.lead !== this.id ? this.conf.voters.find((p) => p.id === this.lead) : undefined;
    return new StrataError(ErrorCode.NOT_LEADER, leader ? `not the leader; the leader is ${leader.id}` : 'not the leader', {
      leaderAddress: leader?.address ?? '',
    });
  }

  private appendEntry(type: EntryType, data: Buffer): Entry {
    const e: Entry = { index: this.lastIndex + 1, term: this.currentTerm, type, data };
    this.log.push(e);
    this.proposalsUnsent = true;
    return e;
  }

  /** Sends appended proposals in as few messages as the limits allow (batching). */
  private flushProposals(): void {
    if (!this.proposalsUnsent) return;
    this.proposalsUnsent = false;
    if (this.role === 'leader') this.bcastAppend(false);
  }

  private stepLeader(m: Message): void {
    const pr = this.progress.get(m.from);
    switch (m.type) {
      case 'appendResponse':
        if (pr === undefined) return;
        pr.recentActive = true;
        if (m.reject) this.handleAppendReject(m, pr);
        else this.handleAppendAccept(m, pr);
        return;
      case 'heartbeatResponse':
        if (pr === undefined) return;
        pr.recentActive = true;
        pr.probeSent = false;
        // Acks may have been lost: free a slot so replication cannot stall.
        if (pr.state === 'replicate' && pr.isPaused()) pr.inflight.shift();
        if (pr.match < this.lastIndex || pr.state === 'probe') this.sendAppends(m.from, true);
        if (m.context > 0) this.ackRound(m.from, m.context);
        return;
      case 'snapshotStatus':
        if (pr === undefined || pr.state !== 'snapshot') return;
        if (!m.reject) {
          pr.becomeProbe();
          // Wait for the follower's answer before probing (etcd): it may still be installing.
          pr.probeSent = true;
        } else {
          pr.becomeProbe();
          pr.probeSent = true; // retry after the next heartbeat answer
        }
        return;
      default:
        return;
    }
  }

  private handleAppendReject(m: Message, pr: Progress): void {
    // The follower's hint names the last index its log may agree with ours
    // at, and that entry's term: skip every entry of ours with a greater term.
    let hint = m.rejectHint;
    if (m.logTerm > 0) hint = this.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo(m.index, hint)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      this.sendAppend(m.from, true);
    }
  }

  private handleAppendAccept(m: Message, pr: Progress): void {
    const wasPaused = pr.isPaused();
    if (!(pr.maybeUpdate(m.index) || (pr.match === m.index && pr.state === 'probe'))) return;
    if (pr.state === 'probe') {
      pr.becomeReplicate();
    } else if (pr.state === 'snapshot' && pr.match >= this.snapshotIndex) {
      // The follower caught up (its snapshot arrived): appends can carry on.
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') {
      pr.freeUpTo(m.index);
    }
    if (!this.maybeCommit() && wasPaused) this.sendAppend(m.from, true);
    this.sendAppends(m.from, false);
    if (m.from === this.leadTransferee && pr.match === this.lastIndex) this.send(m.from, 'timeoutNow', {});
  }

  /** Advances commit to what a quorum holds durably, if of this term (§5.4.2). True if it moved. */
  private maybeCommit(): boolean {
    if (this.role !== 'leader') return false;
    const matches: number[] = [];
    for (const p of this.conf.voters) {
      matches.push(p.id === this.id ? this.stableIndex : (this.progress.get(p.id)?.match ?? 0));
    }
    matches.sort((a, b) => b - a);
    const candidate = matches[this.quorum - 1];
    if (candidate <= this.commit || this.termAt(candidate) !== this.currentTerm) return false;
    this.commit = candidate;
    // Reads that waited for this term's first commit can start now.
    const waiting = this.readsBeforeCommit;
    this.readsBeforeCommit = [];
    for (const id of waiting) this.startRead(id);
    this.bcastAppend(true); // followers learn the new commit index
    return true;
  }

  /** Sends an append (or a snapshot) to `to` if its progress allows; true if a message went out. */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.termAt(prevIndex);
    if (prevTerm === null) {
      // Compacted away: the follower needs a snapshot (taken by the driver at its applied index).
      if (!pr.recentActive) return false; // no snapshot to a peer that seems down
      pr.becomeSnapshot(this.applied);
      this.send(to, 'snapshot', { index: this.applied, logTerm: this.termAt(this.applied) ?? 0 });
      return true;
    }
    const entries = this.slice(pr.next, Math.min(this.lastIndex, prevIndex + this.cfg.maxEntriesPerMessage));
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send(to, 'append', { index: prevIndex, logTerm: prevTerm, entries, commit: this.commit });
    pr.onSent(entries);
    return true;
  }

  /** Sends to `to` what its window allows: in replicate state, several appends (pipelining). */
  private sendAppends(to: NodeId, sendIfEmpty: boolean): void {
    if (!this.sendAppend(to, sendIfEmpty)) return;
    while (this.sendAppend(to, false)) {
      // keep going while there are entries and room in the window
    }
  }

  private bcastAppend(sendIfEmpty: boolean): void {
    for (const id of this.progress.keys()) this.sendAppends(id, sendIfEmpty);
  }

  private bcastHeartbeat(context: number): void {
    for (const [id, pr] of this.progress) {
      // Never tell a follower to commit past what it is known to hold.
      this.send(id, 'heartbeat', { commit: Math.min(pr.match, this.commit), context });
    }
  }

  private applyConf(change: ConfChange): void {
    this.conf = applyConfChange(this.conf, change);
    if (this.role !== 'leader') {
      // A removed node campaigns no more: an election it started is moot.
      if (change.type === 'remove' && change.id === this.id && this.role !== 'follower') this.becomeFollower(this.currentTerm, this.lead);
      return;
    }
    if (change.type === 'remove') {
      if (change.id === this.id) {
        this.becomeFollower(this.currentTerm, NO_LEADER); // removed: step down
        return;
      }
      this.progress.delete(change.id);
      if (this.leadTransferee === change.id) this.leadTransferee = null;
    } else if (change.id !== this.id && !this.progress.has(change.id)) {
      const pr = new Progress(this.lastIndex + 1, this.cfg.maxInflight);
      pr.recentActive = true; // give it an election timeout before check-quorum counts it
      this.progress.set(change.id, pr);
      this.sendAppend(change.id, true);
    }
    // The quorum changed: commit and pending reads may move.
    this.maybeCommit();
    this.releaseConfirmedReads();
  }

  // ================================================================ ReadIndex

  private startRead(requestId: number): void {
    if (this.conf.voters.length === 1 && this.conf.voters[0].id === this.id) {
      this.readStates.push({ requestId, index: this.commit });
      return;
    }
    if (this.openRound === 0) {
      this.openRound = ++this.lastRound;
      this.roundAcks.set(this.openRound, new Set([this.id]));
      this.bcastHeartbeat(this.openRound);
    }
    this.pendingReads.push({ requestId, index: this.commit, round: this.openRound });
  }

  /** A heartbeat of round `round` was answered: that confirms every round up to it. */
  private ackRound(from: NodeId, round: number): void {
    for (const [r, acks] of this.roundAcks) {
      if (r <= round) acks.add(from);
    }
    this.releaseConfirmedReads();
  }

  private releaseConfirmedReads(): void {
    let confirmed = 0;
    for (const [r, acks] of this.roundAcks) {
      let n = 0;
      for (const p of this.conf.voters) if (acks.has(p.id)) n++;
      if (n >= this.quorum) confirmed = Math.max(confirmed, r);
    }
    if (confirmed === 0) return;
    for (const r of [...this.roundAcks.keys()]) if (r <= confirmed) this.roundAcks.delete(r);
    const keep: PendingRead[] = [];
    for (const read of this.pendingReads) {
      if (read.round <= confirmed) this.readStates.push({ requestId: read.requestId, index: read.index });
      else keep.push(read);
    }
    this.pendingReads = keep;
  }

  // ================================================================ follower

  private handleAppend(m: Message): void {
    if (m.index < this.commit) {
      this.send(m.from, 'appendResponse', { index: this.commit });
      return;
    }
    if (this.termAt(m.index) === m.logTerm) {
      const lastNew = m.index + m.entries.length;
      const conflict = this.findConflict(m.entries);
      if (conflict !== 0) {
        if (conflict <= this.commit) {
          throw new StrataError(ErrorCode.INTERNAL, `raft: entry ${conflict} conflicts with the committed log (commit ${this.commit})`);
        }
        this.appendFrom(m.entries.slice(conflict - m.index - 1));
      }
      this.commitTo(Math.min(m.commit, lastNew));
      this.send(m.from, 'appendResponse', { index: lastNew });
      return;
    }
    // Reject, and tell the leader where our logs may agree: the last index
    // <= its probe whose term is <= the term it sent (skips whole terms).
    const hint = this.findConflictByTerm(Math.min(m.index, this.lastIndex), m.logTerm);
    this.send(m.from, 'appendResponse', { index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term });
  }

  private handleHeartbeat(m: Message): void {
    this.commitTo(m.commit);
    this.send(m.from, 'heartbeatResponse', { context: m.context });
  }

  private handleSnapshot(m: Message): void {
    const meta = m.snapshot;
    if (meta === undefined) return; // the driver fills it in before stepping
    if (meta.index <= this.commit) {
      this.send(m.from, 'appendResponse', { index: this.commit });
      return;
    }
    if (this.termAt(meta.index) === meta.term) {
      // We hold the snapshot's last entry: everything up to it is committed.
      this.commitTo(meta.index);
      this.send(m.from, 'appendResponse', { index: this.commit });
      return;
    }
    this.log = [];
    this.snapshotIndex = meta.index;
    this.snapshotTerm = meta.term;
    this.commit = meta.index;
    this.applied = meta.index;
    this.applying = meta.index;
    this.stableIndex = meta.index;
    this.entriesSentTo = meta.index;
    this.conf = { voters: meta.conf.voters.slice() };
    this.pendingSnapshot = meta;
    this.send(m.from, 'appendResponse', { index: meta.index });
  }

  /** The index of the first entry that is new or conflicts with ours; 0 if none. */
  private findConflict(entries: Entry[]): number {
    for (const e of entries) {
      if (this.termAt(e.index) !== e.term) return e.index;
    }
    return 0;
  }

  /** The last index <= index whose term is <= term (term 0 if below what we hold). */
  private findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (; index > 0; index--) {
      const t = this.termAt(index);
      if (t === null) return { index, term: 0 };
      if (t <= term) return { index, term: t };
    }
    return { index: 0, term: 0 };
  }

  /** Appends entries, cutting back a conflicting suffix first. */
  private appendFrom(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0].index;
    if (first <= this.lastIndex) {
      this.log.length = first - this.snapshotIndex - 1;
      this.stableIndex = Math.min(this.stableIndex, first - 1);
      this.entriesSentTo = Math.min(this.entriesSentTo, first - 1);
    }
    for (const e of entries) this.log.push(e);
  }

  /**
   * Another node says (index, term) is committed. If we hold that very entry,
   * our log up to it is the same as theirs (Log Matching): committed too.
   */
  private learnCommit(index: number, term: number): void {
    if (index > this.commit && term > 0 && this.termAt(index) === term) this.commitTo(index);
  }

  private commitTo(index: number): void {
    if (index <= this.commit) return;
    if (index > this.lastIndex) {
      throw new StrataError(ErrorCode.INTERNAL, `raft: commit ${index} is beyond the last index ${this.lastIndex}`);
    }
    this.commit = index;
  }

  // ================================================================ output

  private send(to: NodeId, type: MessageType, fields: Partial<Message>): void {
    this.msgs.push({ ...emptyMessage(type, this.id, to, this.currentTerm), ...fields });
  }

  private hardStateChanged(): boolean {
    const p = this.prevHardState;
    return p.term !== this.currentTerm || p.vote !== this.vote || p.commit !== this.commit;
  }
}

function emptyMessage(type: MessageType, from: NodeId, to: NodeId, term: number): Message {
  return { type, from, to, term, index: 0, logTerm: 0, entries: [], commit: 0, reject: false, rejectHint: 0, context: 0 };
}
