// Original file: proto/master.proto

import type { CallerId as _strata_master_CallerId, CallerId__Output as _strata_master_CallerId__Output } from '../../strata/master/CallerId';

export interface CreateSymlinkRequest {
  'caller'?: (_strata_master_CallerId | null);
  'path'?: (string);
  'target'?: (string);
  'uid'?: (number);
  'gid'?: (number);
}

export interface CreateSymlinkRequest__Output {
  'caller': (_strata_master_CallerId__Output | null);
  'path': (string);
  'target': (string);
  'uid': (number);
  'gid': (number);
}
