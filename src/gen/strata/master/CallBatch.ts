// Original file: proto/master.proto

import type { Call as _strata_master_Call, Call__Output as _strata_master_Call__Output } from '../../strata/master/Call';

export interface CallBatch {
  'calls'?: (_strata_master_Call)[];
}

export interface CallBatch__Output {
  'calls': (_strata_master_Call__Output)[];
}
