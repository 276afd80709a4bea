// Original file: proto/master.proto

import type { InodeType as _strata_master_InodeType, InodeType__Output as _strata_master_InodeType__Output } from '../../strata/master/InodeType';
import type { Long } from '@grpc/proto-loader';

export interface ListEntry {
  'id'?: (number | string | Long);
  'name'?: (string);
  'type'?: (_strata_master_InodeType);
  'mode'?: (number);
  'uid'?: (number);
  'gid'?: (number);
  'size'?: (number | string | Long);
  'mtimeMs'?: (number | string | Long);
  'atimeMs'?: (number | string | Long);
  'ctimeMs'?: (number | string | Long);
  'nlink'?: (number);
  'symlinkTarget'?: (string);
  'complete'?: (boolean);
  'childrenVersion'?: (number | string | Long);
}

export interface ListEntry__Output {
  'id': (number);
  'name': (string);
  'type': (_strata_master_InodeType__Output);
  'mode': (number);
  'uid': (number);
  'gid': (number);
  'size': (number);
  'mtimeMs': (number);
  'atimeMs': (number);
  'ctimeMs': (number);
  'nlink': (number);
  'symlinkTarget': (string);
  'complete': (boolean);
  'childrenVersion': (number);
}
