// Original file: proto/master.proto

import type { CallerId as _strata_master_CallerId, CallerId__Output as _strata_master_CallerId__Output } from '../../strata/master/CallerId';

export interface UnmountRequest {
  'caller'?: (_strata_master_CallerId | null);
  'path'?: (string);
}

export interface UnmountRequest__Output {
  'caller': (_strata_master_CallerId__Output | null);
  'path': (string);
}
