// Original file: proto/master.proto

import type { CallerId as _strata_master_CallerId, CallerId__Output as _strata_master_CallerId__Output } from '../../strata/master/CallerId';
import type { Long } from '@grpc/proto-loader';

export interface CompleteFileRequest {
  'caller'?: (_strata_master_CallerId | null);
  'path'?: (string);
  'size'?: (number | string | Long);
  'mtimeMs'?: (number | string | Long);
  'fingerprint'?: (string);
  'id'?: (number | string | Long);
}

export interface CompleteFileRequest__Output {
  'caller': (_strata_master_CallerId__Output | null);
  'path': (string);
  'size': (number);
  'mtimeMs': (number);
  'fingerprint': (string);
  'id': (number);
}
