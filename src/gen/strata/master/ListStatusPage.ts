// Original file: proto/master.proto

import type { FileInfo as _strata_master_FileInfo, FileInfo__Output as _strata_master_FileInfo__Output } from '../../strata/master/FileInfo';

export interface ListStatusPage {
  'entries'?: (_strata_master_FileInfo)[];
  'hasMore'?: (boolean);
}

export interface ListStatusPage__Output {
  'entries': (_strata_master_FileInfo__Output)[];
  'hasMore': (boolean);
}
