// Original file: proto/master.proto

import type { FileInfo as _strata_master_FileInfo, FileInfo__Output as _strata_master_FileInfo__Output } from '../../strata/master/FileInfo';
import type { Long } from '@grpc/proto-loader';

export interface CreateSymlinkResponse {
  'info'?: (_strata_master_FileInfo | null);
  'parentChildrenVersion'?: (number | string | Long);
  'parentId'?: (number | string | Long);
}

export interface CreateSymlinkResponse__Output {
  'info': (_strata_master_FileInfo__Output | null);
  'parentChildrenVersion': (number);
  'parentId': (number);
}
