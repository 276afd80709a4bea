// Original file: proto/master.proto

import type { FileInfo as _strata_master_FileInfo, FileInfo__Output as _strata_master_FileInfo__Output } from '../../strata/master/FileInfo';

export interface CompleteFileResponse {
  'info'?: (_strata_master_FileInfo | null);
}

export interface CompleteFileResponse__Output {
  'info': (_strata_master_FileInfo__Output | null);
}
