// Original file: proto/master.proto

import type { Long } from '@grpc/proto-loader';

export interface CallerId {
  'clientId'?: (string);
  'seq'?: (number | string | Long);
  'firstIncomplete'?: (number | string | Long);
}

export interface CallerId__Output {
  'clientId': (string);
  'seq': (number);
  'firstIncomplete': (number);
}
