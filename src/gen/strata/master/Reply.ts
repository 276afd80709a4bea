// Original file: proto/master.proto

import type { CallError as _strata_master_CallError, CallError__Output as _strata_master_CallError__Output } from '../../strata/master/CallError';
import type { GetStatusResponse as _strata_master_GetStatusResponse, GetStatusResponse__Output as _strata_master_GetStatusResponse__Output } from '../../strata/master/GetStatusResponse';
import type { ListStatusPage as _strata_master_ListStatusPage, ListStatusPage__Output as _strata_master_ListStatusPage__Output } from '../../strata/master/ListStatusPage';
import type { CreateFileResponse as _strata_master_CreateFileResponse, CreateFileResponse__Output as _strata_master_CreateFileResponse__Output } from '../../strata/master/CreateFileResponse';
import type { CompleteFileResponse as _strata_master_CompleteFileResponse, CompleteFileResponse__Output as _strata_master_CompleteFileResponse__Output } from '../../strata/master/CompleteFileResponse';
import type { CreateDirectoryResponse as _strata_master_CreateDirectoryResponse, CreateDirectoryResponse__Output as _strata_master_CreateDirectoryResponse__Output } from '../../strata/master/CreateDirectoryResponse';
import type { DeleteResponse as _strata_master_DeleteResponse, DeleteResponse__Output as _strata_master_DeleteResponse__Output } from '../../strata/master/DeleteResponse';
import type { RenameResponse as _strata_master_RenameResponse, RenameResponse__Output as _strata_master_RenameResponse__Output } from '../../strata/master/RenameResponse';
import type { SetAttributeResponse as _strata_master_SetAttributeResponse, SetAttributeResponse__Output as _strata_master_SetAttributeResponse__Output } from '../../strata/master/SetAttributeResponse';
import type { CreateSymlinkResponse as _strata_master_CreateSymlinkResponse, CreateSymlinkResponse__Output as _strata_master_CreateSymlinkResponse__Output } from '../../strata/master/CreateSymlinkResponse';
import type { GetMountTableResponse as _strata_master_GetMountTableResponse, GetMountTableResponse__Output as _strata_master_GetMountTableResponse__Output } from '../../strata/master/GetMountTableResponse';
import type { MasterInfo as _strata_master_MasterInfo, MasterInfo__Output as _strata_master_MasterInfo__Output } from '../../strata/master/MasterInfo';
import type { MountResponse as _strata_master_MountResponse, MountResponse__Output as _strata_master_MountResponse__Output } from '../../strata/master/MountResponse';
import type { UnmountResponse as _strata_master_UnmountResponse, UnmountResponse__Output as _strata_master_UnmountResponse__Output } from '../../strata/master/UnmountResponse';
import type { SyncResponse as _strata_master_SyncResponse, SyncResponse__Output as _strata_master_SyncResponse__Output } from '../../strata/master/SyncResponse';
import type { SetXattrResponse as _strata_master_SetXattrResponse, SetXattrResponse__Output as _strata_master_SetXattrResponse__Output } from '../../strata/master/SetXattrResponse';
import type { GetXattrResponse as _strata_master_GetXattrResponse, GetXattrResponse__Output as _strata_master_GetXattrResponse__Output } from '../../strata/master/GetXattrResponse';
import type { ListXattrResponse as _strata_master_ListXattrResponse, ListXattrResponse__Output as _strata_master_ListXattrResponse__Output } from '../../strata/master/ListXattrResponse';
import type { RemoveXattrResponse as _strata_master_RemoveXattrResponse, RemoveXattrResponse__Output as _strata_master_RemoveXattrResponse__Output } from '../../strata/master/RemoveXattrResponse';
import type { SyncProgressResponse as _strata_master_SyncProgressResponse, SyncProgressResponse__Output as _strata_master_SyncProgressResponse__Output } from '../../strata/master/SyncProgressResponse';
import type { MembershipResponse as _strata_master_MembershipResponse, MembershipResponse__Output as _strata_master_MembershipResponse__Output } from '../../strata/master/MembershipResponse';
import type { GetMountCredentialsResponse as _strata_master_GetMountCredentialsResponse, GetMountCredentialsResponse__Output as _strata_master_GetMountCredentialsResponse__Output } from '../../strata/master/GetMountCredentialsResponse';
import type { Long } from '@grpc/proto-loader';

export interface Reply {
  'callId'?: (number | string | Long);
  'error'?: (_strata_master_CallError | null);
  'getStatus'?: (_strata_master_GetStatusResponse | null);
  'listStatus'?: (_strata_master_ListStatusPage | null);
  'createFile'?: (_strata_master_CreateFileResponse | null);
  'completeFile'?: (_strata_master_CompleteFileResponse | null);
  'createDirectory'?: (_strata_master_CreateDirectoryResponse | null);
  'delete'?: (_strata_master_DeleteResponse | null);
  'rename'?: (_strata_master_RenameResponse | null);
  'setAttribute'?: (_strata_master_SetAttributeResponse | null);
  'createSymlink'?: (_strata_master_CreateSymlinkResponse | null);
  'getMountTable'?: (_strata_master_GetMountTableResponse | null);
  'getMasterInfo'?: (_strata_master_MasterInfo | null);
  'mount'?: (_strata_master_MountResponse | null);
  'unmount'?: (_strata_master_UnmountResponse | null);
  'sync'?: (_strata_master_SyncResponse | null);
  'setXattr'?: (_strata_master_SetXattrResponse | null);
  'getXattr'?: (_strata_master_GetXattrResponse | null);
  'listXattr'?: (_strata_master_ListXattrResponse | null);
  'removeXattr'?: (_strata_master_RemoveXattrResponse | null);
  'syncProgress'?: (_strata_master_SyncProgressResponse | null);
  'addMaster'?: (_strata_master_MembershipResponse | null);
  'removeMaster'?: (_strata_master_MembershipResponse | null);
  'transferLeader'?: (_strata_master_MembershipResponse | null);
  'getMountCredentials'?: (_strata_master_GetMountCredentialsResponse | null);
  'result'?: "getStatus"|"listStatus"|"createFile"|"completeFile"|"createDirectory"|"delete"|"rename"|"setAttribute"|"createSymlink"|"getMountTable"|"getMasterInfo"|"mount"|"unmount"|"sync"|"setXattr"|"getXattr"|"listXattr"|"removeXattr"|"syncProgress"|"addMaster"|"removeMaster"|"transferLeader"|"getMountCredentials";
}

export interface Reply__Output {
  'callId': (number);
  'error': (_strata_master_CallError__Output | null);
  'getStatus'?: (_strata_master_GetStatusResponse__Output | null);
  'listStatus'?: (_strata_master_ListStatusPage__Output | null);
  'createFile'?: (_strata_master_CreateFileResponse__Output | null);
  'completeFile'?: (_strata_master_CompleteFileResponse__Output | null);
  'createDirectory'?: (_strata_master_CreateDirectoryResponse__Output | null);
  'delete'?: (_strata_master_DeleteResponse__Output | null);
  'rename'?: (_strata_master_RenameResponse__Output | null);
  'setAttribute'?: (_strata_master_SetAttributeResponse__Output | null);
  'createSymlink'?: (_strata_master_CreateSymlinkResponse__Output | null);
  'getMountTable'?: (_strata_master_GetMountTableResponse__Output | null);
  'getMasterInfo'?: (_strata_master_MasterInfo__Output | null);
  'mount'?: (_strata_master_MountResponse__Output | null);
  'unmount'?: (_strata_master_UnmountResponse__Output | null);
  'sync'?: (_strata_master_SyncResponse__Output | null);
  'setXattr'?: (_strata_master_SetXattrResponse__Output | null);
  'getXattr'?: (_strata_master_GetXattrResponse__Output | null);
  'listXattr'?: (_strata_master_ListXattrResponse__Output | null);
  'removeXattr'?: (_strata_master_RemoveXattrResponse__Output | null);
  'syncProgress'?: (_strata_master_SyncProgressResponse__Output | null);
  'addMaster'?: (_strata_master_MembershipResponse__Output | null);
  'removeMaster'?: (_strata_master_MembershipResponse__Output | null);
  'transferLeader'?: (_strata_master_MembershipResponse__Output | null);
  'getMountCredentials'?: (_strata_master_GetMountCredentialsResponse__Output | null);
  'result'?: "getStatus"|"listStatus"|"createFile"|"completeFile"|"createDirectory"|"delete"|"rename"|"setAttribute"|"createSymlink"|"getMountTable"|"getMasterInfo"|"mount"|"unmount"|"sync"|"setXattr"|"getXattr"|"listXattr"|"removeXattr"|"syncProgress"|"addMaster"|"removeMaster"|"transferLeader"|"getMountCredentials";
}
