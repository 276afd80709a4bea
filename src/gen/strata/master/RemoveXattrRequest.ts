// Original file: proto/master.proto

import type { CallerId as _strata_master_CallerId, CallerId__Output as _strata_master_CallerId__Output } from '../../strata/master/CallerId';

export interface RemoveXattrRequest {
  'caller'?: (_strata_master_CallerId | null);
  'path'?: (string);
  'name'?: (string);
}

export interface RemoveXattrRequest__Output {
  'caller': (_strata_master_CallerId__Output | null);
  'path': (string);
  'name': (string);
}
