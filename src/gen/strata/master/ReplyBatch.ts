// Original file: proto/master.proto

import type { Reply as _strata_master_Reply, Reply__Output as _strata_master_Reply__Output } from '../../strata/master/Reply';
import type { Invalidation as _strata_master_Invalidation, Invalidation__Output as _strata_master_Invalidation__Output } from '../../strata/master/Invalidation';
import type { Long } from '@grpc/proto-loader';

export interface ReplyBatch {
  'replies'?: (_strata_master_Reply)[];
  'invalidations'?: (_strata_master_Invalidation)[];
  'pong'?: (number | string | Long);
  'leaseMs'?: (number | string | Long);
}

export interface ReplyBatch__Output {
  'replies': (_strata_master_Reply__Output)[];
  'invalidations': (_strata_master_Invalidation__Output)[];
  'pong': (number);
  'leaseMs': (number);
}
