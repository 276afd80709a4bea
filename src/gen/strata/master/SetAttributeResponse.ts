// Original file: proto/master.proto

import type { FileInfo as _strata_master_FileInfo, FileInfo__Output as _strata_master_FileInfo__Output } from '../../strata/master/FileInfo';

export interface SetAttributeResponse {
  'info'?: (_strata_master_FileInfo | null);
}

export interface SetAttributeResponse__Output {
  'info': (_strata_master_FileInfo__Output | null);
}
