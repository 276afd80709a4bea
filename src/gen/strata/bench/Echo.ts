// Original file: proto/bench.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { EchoMessage as _strata_bench_EchoMessage, EchoMessage__Output as _strata_bench_EchoMessage__Output } from '../../strata/bench/EchoMessage';

export interface EchoClient extends grpc.Client {
  Stream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_strata_bench_EchoMessage, _strata_bench_EchoMessage__Output>;
  Stream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_strata_bench_EchoMessage, _strata_bench_EchoMessage__Output>;
  stream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_strata_bench_EchoMessage, _strata_bench_EchoMessage__Output>;
  stream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_strata_bench_EchoMessage, _strata_bench_EchoMessage__Output>;
  
  Unary(argument: _strata_bench_EchoMessage, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_bench_EchoMessage__Output>): grpc.ClientUnaryCall;
  Unary(argument: _strata_bench_EchoMessage, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_bench_EchoMessage__Output>): grpc.ClientUnaryCall;
  Unary(argument: _strata_bench_EchoMessage, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_bench_EchoMessage__Output>): grpc.ClientUnaryCall;
  Unary(argument: _strata_bench_EchoMessage, callback: grpc.requestCallback<_strata_bench_EchoMessage__Output>): grpc.ClientUnaryCall;
  unary(argument: _strata_bench_EchoMessage, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_bench_EchoMessage__Output>): grpc.ClientUnaryCall;
  unary(argument: _strata_bench_EchoMessage, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_bench_EchoMessage__Output>): grpc.ClientUnaryCall;
  unary(argument: _strata_bench_EchoMessage, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_bench_EchoMessage__Output>): grpc.ClientUnaryCall;
  unary(argument: _strata_bench_EchoMessage, callback: grpc.requestCallback<_strata_bench_EchoMessage__Output>): grpc.ClientUnaryCall;
  
}

export interface EchoHandlers extends grpc.UntypedServiceImplementation {
  Stream: grpc.handleBidiStreamingCall<_strata_bench_EchoMessage__Output, _strata_bench_EchoMessage>;
  
  Unary: grpc.handleUnaryCall<_strata_bench_EchoMessage__Output, _strata_bench_EchoMessage>;
  
}

export interface EchoDefinition extends grpc.ServiceDefinition {
  Stream: MethodDefinition<_strata_bench_EchoMessage, _strata_bench_EchoMessage, _strata_bench_EchoMessage__Output, _strata_bench_EchoMessage__Output>
  Unary: MethodDefinition<_strata_bench_EchoMessage, _strata_bench_EchoMessage, _strata_bench_EchoMessage__Output, _strata_bench_EchoMessage__Output>
}
