// Original file: proto/master.proto

import type { CallerId as _strata_master_CallerId, CallerId__Output as _strata_master_CallerId__Output } from '../../strata/master/CallerId';

export interface CreateFileRequest {
  'caller'?: (_strata_master_CallerId | null);
  'path'?: (string);
  'mode'?: (number);
  'uid'?: (number);
  'gid'?: (number);
  'recursive'?: (boolean);
  'overwrite'?: (boolean);
}

export interface CreateFileRequest__Output {
  'caller': (_strata_master_CallerId__Output | null);
  'path': (string);
  'mode': (number);
  'uid': (number);
  'gid': (number);
  'recursive': (boolean);
  'overwrite': (boolean);
}
