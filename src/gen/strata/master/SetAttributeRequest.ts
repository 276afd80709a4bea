// Original file: proto/master.proto

import type { CallerId as _strata_master_CallerId, CallerId__Output as _strata_master_CallerId__Output } from '../../strata/master/CallerId';
import type { Long } from '@grpc/proto-loader';

export interface SetAttributeRequest {
  'caller'?: (_strata_master_CallerId | null);
  'path'?: (string);
  'mode'?: (number);
  'uid'?: (number);
  'gid'?: (number);
  'mtimeMs'?: (number | string | Long);
  'atimeMs'?: (number | string | Long);
  'size'?: (number | string | Long);
  '_mode'?: "mode";
  '_uid'?: "uid";
  '_gid'?: "gid";
  '_mtimeMs'?: "mtimeMs";
  '_atimeMs'?: "atimeMs";
  '_size'?: "size";
}

export interface SetAttributeRequest__Output {
  'caller': (_strata_master_CallerId__Output | null);
  'path': (string);
  'mode'?: (number);
  'uid'?: (number);
  'gid'?: (number);
  'mtimeMs'?: (number);
  'atimeMs'?: (number);
  'size'?: (number);
  '_mode'?: "mode";
  '_uid'?: "uid";
  '_gid'?: "gid";
  '_mtimeMs'?: "mtimeMs";
  '_atimeMs'?: "atimeMs";
  '_size'?: "size";
}
