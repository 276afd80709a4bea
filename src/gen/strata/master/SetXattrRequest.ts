// Original file: proto/master.proto

import type { CallerId as _strata_master_CallerId, CallerId__Output as _strata_master_CallerId__Output } from '../../strata/master/CallerId';

export interface SetXattrRequest {
  'caller'?: (_strata_master_CallerId | null);
  'path'?: (string);
  'name'?: (string);
  'value'?: (Buffer | Uint8Array | string);
  'flags'?: (number);
}

export interface SetXattrRequest__Output {
  'caller': (_strata_master_CallerId__Output | null);
  'path': (string);
  'name': (string);
  'value': (Buffer);
  'flags': (number);
}
