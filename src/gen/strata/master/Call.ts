// Original file: proto/master.proto

import type { GetStatusRequest as _strata_master_GetStatusRequest, GetStatusRequest__Output as _strata_master_GetStatusRequest__Output } from '../../strata/master/GetStatusRequest';
import type { ListStatusRequest as _strata_master_ListStatusRequest, ListStatusRequest__Output as _strata_master_ListStatusRequest__Output } from '../../strata/master/ListStatusRequest';
import type { CreateFileRequest as _strata_master_CreateFileRequest, CreateFileRequest__Output as _strata_master_CreateFileRequest__Output } from '../../strata/master/CreateFileRequest';
import type { CompleteFileRequest as _strata_master_CompleteFileRequest, CompleteFileRequest__Output as _strata_master_CompleteFileRequest__Output } from '../../strata/master/CompleteFileRequest';
import type { CreateDirectoryRequest as _strata_master_CreateDirectoryRequest, CreateDirectoryRequest__Output as _strata_master_CreateDirectoryRequest__Output } from '../../strata/master/CreateDirectoryRequest';
import type { DeleteRequest as _strata_master_DeleteRequest, DeleteRequest__Output as _strata_master_DeleteRequest__Output } from '../../strata/master/DeleteRequest';
import type { RenameRequest as _strata_master_RenameRequest, RenameRequest__Output as _strata_master_RenameRequest__Output } from '../../strata/master/RenameRequest';
import type { SetAttributeRequest as _strata_master_SetAttributeRequest, SetAttributeRequest__Output as _strata_master_SetAttributeRequest__Output } from '../../strata/master/SetAttributeRequest';
import type { CreateSymlinkRequest as _strata_master_CreateSymlinkRequest, CreateSymlinkRequest__Output as _strata_master_CreateSymlinkRequest__Output } from '../../strata/master/CreateSymlinkRequest';
import type { GetMountTableRequest as _strata_master_GetMountTableRequest, GetMountTableRequest__Output as _strata_master_GetMountTableRequest__Output } from '../../strata/master/GetMountTableRequest';
import type { GetMasterInfoRequest as _strata_master_GetMasterInfoRequest, GetMasterInfoRequest__Output as _strata_master_GetMasterInfoRequest__Output } from '../../strata/master/GetMasterInfoRequest';
import type { MountRequest as _strata_master_MountRequest, MountRequest__Output as _strata_master_MountRequest__Output } from '../../strata/master/MountRequest';
import type { UnmountRequest as _strata_master_UnmountRequest, UnmountRequest__Output as _strata_master_UnmountRequest__Output } from '../../strata/master/UnmountRequest';
import type { SyncRequest as _strata_master_SyncRequest, SyncRequest__Output as _strata_master_SyncRequest__Output } from '../../strata/master/SyncRequest';
import type { SetXattrRequest as _strata_master_SetXattrRequest, SetXattrRequest__Output as _strata_master_SetXattrRequest__Output } from '../../strata/master/SetXattrRequest';
import type { GetXattrRequest as _strata_master_GetXattrRequest, GetXattrRequest__Output as _strata_master_GetXattrRequest__Output } from '../../strata/master/GetXattrRequest';
import type { ListXattrRequest as _strata_master_ListXattrRequest, ListXattrRequest__Output as _strata_master_ListXattrRequest__Output } from '../../strata/master/ListXattrRequest';
import type { RemoveXattrRequest as _strata_master_RemoveXattrRequest, RemoveXattrRequest__Output as _strata_master_RemoveXattrRequest__Output } from '../../strata/master/RemoveXattrRequest';
import type { SyncProgressRequest as _strata_master_SyncProgressRequest, SyncProgressRequest__Output as _strata_master_SyncProgressRequest__Output } from '../../strata/master/SyncProgressRequest';
import type { AddMasterRequest as _strata_master_AddMasterRequest, AddMasterRequest__Output as _strata_master_AddMasterRequest__Output } from '../../strata/master/AddMasterRequest';
import type { RemoveMasterRequest as _strata_master_RemoveMasterRequest, RemoveMasterRequest__Output as _strata_master_RemoveMasterRequest__Output } from '../../strata/master/RemoveMasterRequest';
import type { TransferLeaderRequest as _strata_master_TransferLeaderRequest, TransferLeaderRequest__Output as _strata_master_TransferLeaderRequest__Output } from '../../strata/master/TransferLeaderRequest';
import type { GetMountCredentialsRequest as _strata_master_GetMountCredentialsRequest, GetMountCredentialsRequest__Output as _strata_master_GetMountCredentialsRequest__Output } from '../../strata/master/GetMountCredentialsRequest';
import type { Long } from '@grpc/proto-loader';

export interface Call {
  'callId'?: (number | string | Long);
  'getStatus'?: (_strata_master_GetStatusRequest | null);
  'listStatus'?: (_strata_master_ListStatusRequest | null);
  'createFile'?: (_strata_master_CreateFileRequest | null);
  'completeFile'?: (_strata_master_CompleteFileRequest | null);
  'createDirectory'?: (_strata_master_CreateDirectoryRequest | null);
  'delete'?: (_strata_master_DeleteRequest | null);
  'rename'?: (_strata_master_RenameRequest | null);
  'setAttribute'?: (_strata_master_SetAttributeRequest | null);
  'createSymlink'?: (_strata_master_CreateSymlinkRequest | null);
  'getMountTable'?: (_strata_master_GetMountTableRequest | null);
  'getMasterInfo'?: (_strata_master_GetMasterInfoRequest | null);
  'mount'?: (_strata_master_MountRequest | null);
  'unmount'?: (_strata_master_UnmountRequest | null);
  'sync'?: (_strata_master_SyncRequest | null);
  'setXattr'?: (_strata_master_SetXattrRequest | null);
  'getXattr'?: (_strata_master_GetXattrRequest | null);
  'listXattr'?: (_strata_master_ListXattrRequest | null);
  'removeXattr'?: (_strata_master_RemoveXattrRequest | null);
  'syncProgress'?: (_strata_master_SyncProgressRequest | null);
  'addMaster'?: (_strata_master_AddMasterRequest | null);
  'removeMaster'?: (_strata_master_RemoveMasterRequest | null);
  'transferLeader'?: (_strata_master_TransferLeaderRequest | null);
  'getMountCredentials'?: (_strata_master_GetMountCredentialsRequest | null);
  'op'?: "getStatus"|"listStatus"|"createFile"|"completeFile"|"createDirectory"|"delete"|"rename"|"setAttribute"|"createSymlink"|"getMountTable"|"getMasterInfo"|"mount"|"unmount"|"sync"|"setXattr"|"getXattr"|"listXattr"|"removeXattr"|"syncProgress"|"addMaster"|"removeMaster"|"transferLeader"|"getMountCredentials";
}

export interface Call__Output {
  'callId': (number);
  'getStatus'?: (_strata_master_GetStatusRequest__Output | null);
  'listStatus'?: (_strata_master_ListStatusRequest__Output | null);
  'createFile'?: (_strata_master_CreateFileRequest__Output | null);
  'completeFile'?: (_strata_master_CompleteFileRequest__Output | null);
  'createDirectory'?: (_strata_master_CreateDirectoryRequest__Output | null);
  'delete'?: (_strata_master_DeleteRequest__Output | null);
  'rename'?: (_strata_master_RenameRequest__Output | null);
  'setAttribute'?: (_strata_master_SetAttributeRequest__Output | null);
  'createSymlink'?: (_strata_master_CreateSymlinkRequest__Output | null);
  'getMountTable'?: (_strata_master_GetMountTableRequest__Output | null);
  'getMasterInfo'?: (_strata_master_GetMasterInfoRequest__Output | null);
  'mount'?: (_strata_master_MountRequest__Output | null);
  'unmount'?: (_strata_master_UnmountRequest__Output | null);
  'sync'?: (_strata_master_SyncRequest__Output | null);
  'setXattr'?: (_strata_master_SetXattrRequest__Output | null);
  'getXattr'?: (_strata_master_GetXattrRequest__Output | null);
  'listXattr'?: (_strata_master_ListXattrRequest__Output | null);
  'removeXattr'?: (_strata_master_RemoveXattrRequest__Output | null);
  'syncProgress'?: (_strata_master_SyncProgressRequest__Output | null);
  'addMaster'?: (_strata_master_AddMasterRequest__Output | null);
  'removeMaster'?: (_strata_master_RemoveMasterRequest__Output | null);
  'transferLeader'?: (_strata_master_TransferLeaderRequest__Output | null);
  'getMountCredentials'?: (_strata_master_GetMountCredentialsRequest__Output | null);
  'op'?: "getStatus"|"listStatus"|"createFile"|"completeFile"|"createDirectory"|"delete"|"rename"|"setAttribute"|"createSymlink"|"getMountTable"|"getMasterInfo"|"mount"|"unmount"|"sync"|"setXattr"|"getXattr"|"listXattr"|"removeXattr"|"syncProgress"|"addMaster"|"removeMaster"|"transferLeader"|"getMountCredentials";
}
