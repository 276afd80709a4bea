// Original file: proto/master.proto

import type { CallerId as _strata_master_CallerId, CallerId__Output as _strata_master_CallerId__Output } from '../../strata/master/CallerId';

export interface RenameRequest {
  'caller'?: (_strata_master_CallerId | null);
  'src'?: (string);
  'dst'?: (string);
}

export interface RenameRequest__Output {
  'caller': (_strata_master_CallerId__Output | null);
  'src': (string);
  'dst': (string);
}
