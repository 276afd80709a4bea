// Original file: proto/master.proto

import type { MountInfo as _strata_master_MountInfo, MountInfo__Output as _strata_master_MountInfo__Output } from '../../strata/master/MountInfo';

export interface MountResponse {
  'mount'?: (_strata_master_MountInfo | null);
}

export interface MountResponse__Output {
  'mount': (_strata_master_MountInfo__Output | null);
}
