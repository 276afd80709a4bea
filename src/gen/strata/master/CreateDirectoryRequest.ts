// Original file: proto/master.proto

import type { CallerId as _strata_master_CallerId, CallerId__Output as _strata_master_CallerId__Output } from '../../strata/master/CallerId';

export interface CreateDirectoryRequest {
  'caller'?: (_strata_master_CallerId | null);
  'path'?: (string);
  'mode'?: (number);
  'uid'?: (number);
  'gid'?: (number);
  'recursive'?: (boolean);
}

export interface CreateDirectoryRequest__Output {
  'caller': (_strata_master_CallerId__Output | null);
  'path': (string);
  'mode': (number);
  'uid': (number);
  'gid': (number);
  'recursive': (boolean);
}
