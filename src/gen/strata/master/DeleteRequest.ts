// Original file: proto/master.proto

import type { CallerId as _strata_master_CallerId, CallerId__Output as _strata_master_CallerId__Output } from '../../strata/master/CallerId';

export interface DeleteRequest {
  'caller'?: (_strata_master_CallerId | null);
  'path'?: (string);
  'recursive'?: (boolean);
}

export interface DeleteRequest__Output {
  'caller': (_strata_master_CallerId__Output | null);
  'path': (string);
  'recursive': (boolean);
}
