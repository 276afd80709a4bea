// Original file: proto/master.proto

import type { Long } from '@grpc/proto-loader';

export interface Invalidation {
  'round'?: (number | string | Long);
  'keys'?: (string)[];
}

export interface Invalidation__Output {
  'round': (number);
  'keys': (string)[];
}
