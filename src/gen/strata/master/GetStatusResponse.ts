// Original file: proto/master.proto

import type { FileInfo as _strata_master_FileInfo, FileInfo__Output as _strata_master_FileInfo__Output } from '../../strata/master/FileInfo';
import type { Long } from '@grpc/proto-loader';

export interface GetStatusResponse {
  'info'?: (_strata_master_FileInfo | null);
  'registered'?: (boolean);
  'pathIds'?: (number | string | Long)[];
}

export interface GetStatusResponse__Output {
  'info': (_strata_master_FileInfo__Output | null);
  'registered': (boolean);
  'pathIds': (number)[];
}
