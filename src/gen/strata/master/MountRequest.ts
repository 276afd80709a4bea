// Original file: proto/master.proto

import type { CallerId as _strata_master_CallerId, CallerId__Output as _strata_master_CallerId__Output } from '../../strata/master/CallerId';

export interface MountRequest {
  'caller'?: (_strata_master_CallerId | null);
  'path'?: (string);
  'ufsUri'?: (string);
  'readOnly'?: (boolean);
  'options'?: ({[key: string]: string});
}

export interface MountRequest__Output {
  'caller': (_strata_master_CallerId__Output | null);
  'path': (string);
  'ufsUri': (string);
  'readOnly': (boolean);
  'options': ({[key: string]: string});
}
