import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { EchoClient as _strata_bench_EchoClient, EchoDefinition as _strata_bench_EchoDefinition } from './strata/bench/Echo';
import type { EchoMessage as _strata_bench_EchoMessage, EchoMessage__Output as _strata_bench_EchoMessage__Output } from './strata/bench/EchoMessage';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  strata: {
    bench: {
      Echo: SubtypeConstructor<typeof grpc.Client, _strata_bench_EchoClient> & { service: _strata_bench_EchoDefinition }
      EchoMessage: MessageTypeDefinition<_strata_bench_EchoMessage, _strata_bench_EchoMessage__Output>
    }
  }
}

