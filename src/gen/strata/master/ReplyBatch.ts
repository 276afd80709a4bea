// Original file: proto/master.proto

import type { Reply as _strata_master_Reply, Reply__Output as _strata_master_Reply__Output } from '../../strata/master/Reply';

export interface ReplyBatch {
  'replies'?: (_strata_master_Reply)[];
}

export interface ReplyBatch__Output {
  'replies': (_strata_master_Reply__Output)[];
}
