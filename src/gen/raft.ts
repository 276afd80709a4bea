import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Ack as _strata_raft_Ack, Ack__Output as _strata_raft_Ack__Output } from './strata/raft/Ack';
import type { FaultRequest as _strata_raft_FaultRequest, FaultRequest__Output as _strata_raft_FaultRequest__Output } from './strata/raft/FaultRequest';
import type { MessageBatch as _strata_raft_MessageBatch, MessageBatch__Output as _strata_raft_MessageBatch__Output } from './strata/raft/MessageBatch';
import type { RaftClient as _strata_raft_RaftClient, RaftDefinition as _strata_raft_RaftDefinition } from './strata/raft/Raft';
import type { SnapshotChunk as _strata_raft_SnapshotChunk, SnapshotChunk__Output as _strata_raft_SnapshotChunk__Output } from './strata/raft/SnapshotChunk';
import type { SnapshotReply as _strata_raft_SnapshotReply, SnapshotReply__Output as _strata_raft_SnapshotReply__Output } from './strata/raft/SnapshotReply';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  strata: {
    raft: {
      Ack: MessageTypeDefinition<_strata_raft_Ack, _strata_raft_Ack__Output>
      FaultRequest: MessageTypeDefinition<_strata_raft_FaultRequest, _strata_raft_FaultRequest__Output>
      MessageBatch: MessageTypeDefinition<_strata_raft_MessageBatch, _strata_raft_MessageBatch__Output>
      Raft: SubtypeConstructor<typeof grpc.Client, _strata_raft_RaftClient> & { service: _strata_raft_RaftDefinition }
      SnapshotChunk: MessageTypeDefinition<_strata_raft_SnapshotChunk, _strata_raft_SnapshotChunk__Output>
      SnapshotReply: MessageTypeDefinition<_strata_raft_SnapshotReply, _strata_raft_SnapshotReply__Output>
    }
  }
}

