// Original file: proto/master.proto

import type { MountInfo as _strata_master_MountInfo, MountInfo__Output as _strata_master_MountInfo__Output } from '../../strata/master/MountInfo';

export interface GetMountTableResponse {
  'mounts'?: (_strata_master_MountInfo)[];
}

export interface GetMountTableResponse__Output {
  'mounts': (_strata_master_MountInfo__Output)[];
}
