// Original file: proto/bench.proto

import type { Long } from '@grpc/proto-loader';

export interface EchoMessage {
  'id'?: (number | string | Long);
  'path'?: (string);
}

export interface EchoMessage__Output {
  'id': (number);
  'path': (string);
}
