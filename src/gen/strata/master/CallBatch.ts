// Original file: proto/master.proto

import type { Call as _strata_master_Call, Call__Output as _strata_master_Call__Output } from '../../strata/master/Call';
import type { Long } from '@grpc/proto-loader';

export interface CallBatch {
  'calls'?: (_strata_master_Call)[];
  'acks'?: (number | string | Long)[];
  'ping'?: (number | string | Long);
}

export interface CallBatch__Output {
  'calls': (_strata_master_Call__Output)[];
  'acks': (number)[];
  'ping': (number);
}
