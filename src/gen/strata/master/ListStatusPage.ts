// Original file: proto/master.proto

import type { FileInfo as _strata_master_FileInfo, FileInfo__Output as _strata_master_FileInfo__Output } from '../../strata/master/FileInfo';
import type { ListEntry as _strata_master_ListEntry, ListEntry__Output as _strata_master_ListEntry__Output } from '../../strata/master/ListEntry';
import type { Long } from '@grpc/proto-loader';

export interface ListStatusPage {
  'entries'?: (_strata_master_FileInfo)[];
  'hasMore'?: (boolean);
  'childrenVersion'?: (number | string | Long);
  'unchanged'?: (boolean);
  'compactEntries'?: (_strata_master_ListEntry)[];
  'dirId'?: (number | string | Long);
}

export interface ListStatusPage__Output {
  'entries': (_strata_master_FileInfo__Output)[];
  'hasMore': (boolean);
  'childrenVersion': (number);
  'unchanged': (boolean);
  'compactEntries': (_strata_master_ListEntry__Output)[];
  'dirId': (number);
}
