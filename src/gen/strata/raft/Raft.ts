// Original file: proto/raft.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Ack as _strata_raft_Ack, Ack__Output as _strata_raft_Ack__Output } from '../../strata/raft/Ack';
import type { FaultRequest as _strata_raft_FaultRequest, FaultRequest__Output as _strata_raft_FaultRequest__Output } from '../../strata/raft/FaultRequest';
import type { MessageBatch as _strata_raft_MessageBatch, MessageBatch__Output as _strata_raft_MessageBatch__Output } from '../../strata/raft/MessageBatch';
import type { SnapshotChunk as _strata_raft_SnapshotChunk, SnapshotChunk__Output as _strata_raft_SnapshotChunk__Output } from '../../strata/raft/SnapshotChunk';
import type { SnapshotReply as _strata_raft_SnapshotReply, SnapshotReply__Output as _strata_raft_SnapshotReply__Output } from '../../strata/raft/SnapshotReply';

export interface RaftClient extends grpc.Client {
  InstallSnapshot(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_raft_SnapshotReply__Output>): grpc.ClientWritableStream<_strata_raft_SnapshotChunk>;
  InstallSnapshot(metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_raft_SnapshotReply__Output>): grpc.ClientWritableStream<_strata_raft_SnapshotChunk>;
  InstallSnapshot(options: grpc.CallOptions, callback: grpc.requestCallback<_strata_raft_SnapshotReply__Output>): grpc.ClientWritableStream<_strata_raft_SnapshotChunk>;
  InstallSnapshot(callback: grpc.requestCallback<_strata_raft_SnapshotReply__Output>): grpc.ClientWritableStream<_strata_raft_SnapshotChunk>;
  installSnapshot(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_raft_SnapshotReply__Output>): grpc.ClientWritableStream<_strata_raft_SnapshotChunk>;
  installSnapshot(metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_raft_SnapshotReply__Output>): grpc.ClientWritableStream<_strata_raft_SnapshotChunk>;
  installSnapshot(options: grpc.CallOptions, callback: grpc.requestCallback<_strata_raft_SnapshotReply__Output>): grpc.ClientWritableStream<_strata_raft_SnapshotChunk>;
  installSnapshot(callback: grpc.requestCallback<_strata_raft_SnapshotReply__Output>): grpc.ClientWritableStream<_strata_raft_SnapshotChunk>;
  
  Send(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientWritableStream<_strata_raft_MessageBatch>;
  Send(metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientWritableStream<_strata_raft_MessageBatch>;
  Send(options: grpc.CallOptions, callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientWritableStream<_strata_raft_MessageBatch>;
  Send(callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientWritableStream<_strata_raft_MessageBatch>;
  send(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientWritableStream<_strata_raft_MessageBatch>;
  send(metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientWritableStream<_strata_raft_MessageBatch>;
  send(options: grpc.CallOptions, callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientWritableStream<_strata_raft_MessageBatch>;
  send(callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientWritableStream<_strata_raft_MessageBatch>;
  
  SetFaults(argument: _strata_raft_FaultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientUnaryCall;
  SetFaults(argument: _strata_raft_FaultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientUnaryCall;
  SetFaults(argument: _strata_raft_FaultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientUnaryCall;
  SetFaults(argument: _strata_raft_FaultRequest, callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientUnaryCall;
  setFaults(argument: _strata_raft_FaultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientUnaryCall;
  setFaults(argument: _strata_raft_FaultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientUnaryCall;
  setFaults(argument: _strata_raft_FaultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientUnaryCall;
  setFaults(argument: _strata_raft_FaultRequest, callback: grpc.requestCallback<_strata_raft_Ack__Output>): grpc.ClientUnaryCall;
  
}

export interface RaftHandlers extends grpc.UntypedServiceImplementation {
  InstallSnapshot: grpc.handleClientStreamingCall<_strata_raft_SnapshotChunk__Output, _strata_raft_SnapshotReply>;
  
  Send: grpc.handleClientStreamingCall<_strata_raft_MessageBatch__Output, _strata_raft_Ack>;
  
  SetFaults: grpc.handleUnaryCall<_strata_raft_FaultRequest__Output, _strata_raft_Ack>;
  
}

export interface RaftDefinition extends grpc.ServiceDefinition {
  InstallSnapshot: MethodDefinition<_strata_raft_SnapshotChunk, _strata_raft_SnapshotReply, _strata_raft_SnapshotChunk__Output, _strata_raft_SnapshotReply__Output>
  Send: MethodDefinition<_strata_raft_MessageBatch, _strata_raft_Ack, _strata_raft_MessageBatch__Output, _strata_raft_Ack__Output>
  SetFaults: MethodDefinition<_strata_raft_FaultRequest, _strata_raft_Ack, _strata_raft_FaultRequest__Output, _strata_raft_Ack__Output>
}
