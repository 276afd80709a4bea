import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AddMasterRequest as _strata_master_AddMasterRequest, AddMasterRequest__Output as _strata_master_AddMasterRequest__Output } from './strata/master/AddMasterRequest';
import type { Call as _strata_master_Call, Call__Output as _strata_master_Call__Output } from './strata/master/Call';
import type { CallBatch as _strata_master_CallBatch, CallBatch__Output as _strata_master_CallBatch__Output } from './strata/master/CallBatch';
import type { CallError as _strata_master_CallError, CallError__Output as _strata_master_CallError__Output } from './strata/master/CallError';
import type { CallerId as _strata_master_CallerId, CallerId__Output as _strata_master_CallerId__Output } from './strata/master/CallerId';
import type { CompleteFileRequest as _strata_master_CompleteFileRequest, CompleteFileRequest__Output as _strata_master_CompleteFileRequest__Output } from './strata/master/CompleteFileRequest';
import type { CompleteFileResponse as _strata_master_CompleteFileResponse, CompleteFileResponse__Output as _strata_master_CompleteFileResponse__Output } from './strata/master/CompleteFileResponse';
import type { CreateDirectoryRequest as _strata_master_CreateDirectoryRequest, CreateDirectoryRequest__Output as _strata_master_CreateDirectoryRequest__Output } from './strata/master/CreateDirectoryRequest';
import type { CreateDirectoryResponse as _strata_master_CreateDirectoryResponse, CreateDirectoryResponse__Output as _strata_master_CreateDirectoryResponse__Output } from './strata/master/CreateDirectoryResponse';
import type { CreateFileRequest as _strata_master_CreateFileRequest, CreateFileRequest__Output as _strata_master_CreateFileRequest__Output } from './strata/master/CreateFileRequest';
import type { CreateFileResponse as _strata_master_CreateFileResponse, CreateFileResponse__Output as _strata_master_CreateFileResponse__Output } from './strata/master/CreateFileResponse';
import type { CreateSymlinkRequest as _strata_master_CreateSymlinkRequest, CreateSymlinkRequest__Output as _strata_master_CreateSymlinkRequest__Output } from './strata/master/CreateSymlinkRequest';
import type { CreateSymlinkResponse as _strata_master_CreateSymlinkResponse, CreateSymlinkResponse__Output as _strata_master_CreateSymlinkResponse__Output } from './strata/master/CreateSymlinkResponse';
import type { DeleteRequest as _strata_master_DeleteRequest, DeleteRequest__Output as _strata_master_DeleteRequest__Output } from './strata/master/DeleteRequest';
import type { DeleteResponse as _strata_master_DeleteResponse, DeleteResponse__Output as _strata_master_DeleteResponse__Output } from './strata/master/DeleteResponse';
import type { FileInfo as _strata_master_FileInfo, FileInfo__Output as _strata_master_FileInfo__Output } from './strata/master/FileInfo';
import type { FileSystemMasterClient as _strata_master_FileSystemMasterClient, FileSystemMasterDefinition as _strata_master_FileSystemMasterDefinition } from './strata/master/FileSystemMaster';
import type { GetMasterInfoRequest as _strata_master_GetMasterInfoRequest, GetMasterInfoRequest__Output as _strata_master_GetMasterInfoRequest__Output } from './strata/master/GetMasterInfoRequest';
import type { GetMountCredentialsRequest as _strata_master_GetMountCredentialsRequest, GetMountCredentialsRequest__Output as _strata_master_GetMountCredentialsRequest__Output } from './strata/master/GetMountCredentialsRequest';
import type { GetMountCredentialsResponse as _strata_master_GetMountCredentialsResponse, GetMountCredentialsResponse__Output as _strata_master_GetMountCredentialsResponse__Output } from './strata/master/GetMountCredentialsResponse';
import type { GetMountTableRequest as _strata_master_GetMountTableRequest, GetMountTableRequest__Output as _strata_master_GetMountTableRequest__Output } from './strata/master/GetMountTableRequest';
import type { GetMountTableResponse as _strata_master_GetMountTableResponse, GetMountTableResponse__Output as _strata_master_GetMountTableResponse__Output } from './strata/master/GetMountTableResponse';
import type { GetStatusRequest as _strata_master_GetStatusRequest, GetStatusRequest__Output as _strata_master_GetStatusRequest__Output } from './strata/master/GetStatusRequest';
import type { GetStatusResponse as _strata_master_GetStatusResponse, GetStatusResponse__Output as _strata_master_GetStatusResponse__Output } from './strata/master/GetStatusResponse';
import type { GetXattrRequest as _strata_master_GetXattrRequest, GetXattrRequest__Output as _strata_master_GetXattrRequest__Output } from './strata/master/GetXattrRequest';
import type { GetXattrResponse as _strata_master_GetXattrResponse, GetXattrResponse__Output as _strata_master_GetXattrResponse__Output } from './strata/master/GetXattrResponse';
import type { Invalidation as _strata_master_Invalidation, Invalidation__Output as _strata_master_Invalidation__Output } from './strata/master/Invalidation';
import type { ListEntry as _strata_master_ListEntry, ListEntry__Output as _strata_master_ListEntry__Output } from './strata/master/ListEntry';
import type { ListStatusPage as _strata_master_ListStatusPage, ListStatusPage__Output as _strata_master_ListStatusPage__Output } from './strata/master/ListStatusPage';
import type { ListStatusRequest as _strata_master_ListStatusRequest, ListStatusRequest__Output as _strata_master_ListStatusRequest__Output } from './strata/master/ListStatusRequest';
import type { ListXattrRequest as _strata_master_ListXattrRequest, ListXattrRequest__Output as _strata_master_ListXattrRequest__Output } from './strata/master/ListXattrRequest';
import type { ListXattrResponse as _strata_master_ListXattrResponse, ListXattrResponse__Output as _strata_master_ListXattrResponse__Output } from './strata/master/ListXattrResponse';
import type { MasterInfo as _strata_master_MasterInfo, MasterInfo__Output as _strata_master_MasterInfo__Output } from './strata/master/MasterInfo';
import type { MembershipResponse as _strata_master_MembershipResponse, MembershipResponse__Output as _strata_master_MembershipResponse__Output } from './strata/master/MembershipResponse';
import type { MountInfo as _strata_master_MountInfo, MountInfo__Output as _strata_master_MountInfo__Output } from './strata/master/MountInfo';
import type { MountRequest as _strata_master_MountRequest, MountRequest__Output as _strata_master_MountRequest__Output } from './strata/master/MountRequest';
import type { MountResponse as _strata_master_MountResponse, MountResponse__Output as _strata_master_MountResponse__Output } from './strata/master/MountResponse';
import type { PeerInfo as _strata_master_PeerInfo, PeerInfo__Output as _strata_master_PeerInfo__Output } from './strata/master/PeerInfo';
import type { RemoveMasterRequest as _strata_master_RemoveMasterRequest, RemoveMasterRequest__Output as _strata_master_RemoveMasterRequest__Output } from './strata/master/RemoveMasterRequest';
import type { RemoveXattrRequest as _strata_master_RemoveXattrRequest, RemoveXattrRequest__Output as _strata_master_RemoveXattrRequest__Output } from './strata/master/RemoveXattrRequest';
import type { RemoveXattrResponse as _strata_master_RemoveXattrResponse, RemoveXattrResponse__Output as _strata_master_RemoveXattrResponse__Output } from './strata/master/RemoveXattrResponse';
import type { RenameRequest as _strata_master_RenameRequest, RenameRequest__Output as _strata_master_RenameRequest__Output } from './strata/master/RenameRequest';
import type { RenameResponse as _strata_master_RenameResponse, RenameResponse__Output as _strata_master_RenameResponse__Output } from './strata/master/RenameResponse';
import type { Reply as _strata_master_Reply, Reply__Output as _strata_master_Reply__Output } from './strata/master/Reply';
import type { ReplyBatch as _strata_master_ReplyBatch, ReplyBatch__Output as _strata_master_ReplyBatch__Output } from './strata/master/ReplyBatch';
import type { SetAttributeRequest as _strata_master_SetAttributeRequest, SetAttributeRequest__Output as _strata_master_SetAttributeRequest__Output } from './strata/master/SetAttributeRequest';
import type { SetAttributeResponse as _strata_master_SetAttributeResponse, SetAttributeResponse__Output as _strata_master_SetAttributeResponse__Output } from './strata/master/SetAttributeResponse';
import type { SetXattrRequest as _strata_master_SetXattrRequest, SetXattrRequest__Output as _strata_master_SetXattrRequest__Output } from './strata/master/SetXattrRequest';
import type { SetXattrResponse as _strata_master_SetXattrResponse, SetXattrResponse__Output as _strata_master_SetXattrResponse__Output } from './strata/master/SetXattrResponse';
import type { SyncProgressRequest as _strata_master_SyncProgressRequest, SyncProgressRequest__Output as _strata_master_SyncProgressRequest__Output } from './strata/master/SyncProgressRequest';
import type { SyncProgressResponse as _strata_master_SyncProgressResponse, SyncProgressResponse__Output as _strata_master_SyncProgressResponse__Output } from './strata/master/SyncProgressResponse';
import type { SyncRequest as _strata_master_SyncRequest, SyncRequest__Output as _strata_master_SyncRequest__Output } from './strata/master/SyncRequest';
import type { SyncResponse as _strata_master_SyncResponse, SyncResponse__Output as _strata_master_SyncResponse__Output } from './strata/master/SyncResponse';
import type { TransferLeaderRequest as _strata_master_TransferLeaderRequest, TransferLeaderRequest__Output as _strata_master_TransferLeaderRequest__Output } from './strata/master/TransferLeaderRequest';
import type { UnmountRequest as _strata_master_UnmountRequest, UnmountRequest__Output as _strata_master_UnmountRequest__Output } from './strata/master/UnmountRequest';
import type { UnmountResponse as _strata_master_UnmountResponse, UnmountResponse__Output as _strata_master_UnmountResponse__Output } from './strata/master/UnmountResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  strata: {
    master: {
      AddMasterRequest: MessageTypeDefinition<_strata_master_AddMasterRequest, _strata_master_AddMasterRequest__Output>
      Call: MessageTypeDefinition<_strata_master_Call, _strata_master_Call__Output>
      CallBatch: MessageTypeDefinition<_strata_master_CallBatch, _strata_master_CallBatch__Output>
      CallError: MessageTypeDefinition<_strata_master_CallError, _strata_master_CallError__Output>
      CallerId: MessageTypeDefinition<_strata_master_CallerId, _strata_master_CallerId__Output>
      CompleteFileRequest: MessageTypeDefinition<_strata_master_CompleteFileRequest, _strata_master_CompleteFileRequest__Output>
      CompleteFileResponse: MessageTypeDefinition<_strata_master_CompleteFileResponse, _strata_master_CompleteFileResponse__Output>
      CreateDirectoryRequest: MessageTypeDefinition<_strata_master_CreateDirectoryRequest, _strata_master_CreateDirectoryRequest__Output>
      CreateDirectoryResponse: MessageTypeDefinition<_strata_master_CreateDirectoryResponse, _strata_master_CreateDirectoryResponse__Output>
      CreateFileRequest: MessageTypeDefinition<_strata_master_CreateFileRequest, _strata_master_CreateFileRequest__Output>
      CreateFileResponse: MessageTypeDefinition<_strata_master_CreateFileResponse, _strata_master_CreateFileResponse__Output>
      CreateSymlinkRequest: MessageTypeDefinition<_strata_master_CreateSymlinkRequest, _strata_master_CreateSymlinkRequest__Output>
      CreateSymlinkResponse: MessageTypeDefinition<_strata_master_CreateSymlinkResponse, _strata_master_CreateSymlinkResponse__Output>
      DeleteRequest: MessageTypeDefinition<_strata_master_DeleteRequest, _strata_master_DeleteRequest__Output>
      DeleteResponse: MessageTypeDefinition<_strata_master_DeleteResponse, _strata_master_DeleteResponse__Output>
      FileInfo: MessageTypeDefinition<_strata_master_FileInfo, _strata_master_FileInfo__Output>
      FileSystemMaster: SubtypeConstructor<typeof grpc.Client, _strata_master_FileSystemMasterClient> & { service: _strata_master_FileSystemMasterDefinition }
      GetMasterInfoRequest: MessageTypeDefinition<_strata_master_GetMasterInfoRequest, _strata_master_GetMasterInfoRequest__Output>
      GetMountCredentialsRequest: MessageTypeDefinition<_strata_master_GetMountCredentialsRequest, _strata_master_GetMountCredentialsRequest__Output>
      GetMountCredentialsResponse: MessageTypeDefinition<_strata_master_GetMountCredentialsResponse, _strata_master_GetMountCredentialsResponse__Output>
      GetMountTableRequest: MessageTypeDefinition<_strata_master_GetMountTableRequest, _strata_master_GetMountTableRequest__Output>
      GetMountTableResponse: MessageTypeDefinition<_strata_master_GetMountTableResponse, _strata_master_GetMountTableResponse__Output>
      GetStatusRequest: MessageTypeDefinition<_strata_master_GetStatusRequest, _strata_master_GetStatusRequest__Output>
      GetStatusResponse: MessageTypeDefinition<_strata_master_GetStatusResponse, _strata_master_GetStatusResponse__Output>
      GetXattrRequest: MessageTypeDefinition<_strata_master_GetXattrRequest, _strata_master_GetXattrRequest__Output>
      GetXattrResponse: MessageTypeDefinition<_strata_master_GetXattrResponse, _strata_master_GetXattrResponse__Output>
      InodeType: EnumTypeDefinition
      Invalidation: MessageTypeDefinition<_strata_master_Invalidation, _strata_master_Invalidation__Output>
      ListEntry: MessageTypeDefinition<_strata_master_ListEntry, _strata_master_ListEntry__Output>
      ListStatusPage: MessageTypeDefinition<_strata_master_ListStatusPage, _strata_master_ListStatusPage__Output>
      ListStatusRequest: MessageTypeDefinition<_strata_master_ListStatusRequest, _strata_master_ListStatusRequest__Output>
      ListXattrRequest: MessageTypeDefinition<_strata_master_ListXattrRequest, _strata_master_ListXattrRequest__Output>
      ListXattrResponse: MessageTypeDefinition<_strata_master_ListXattrResponse, _strata_master_ListXattrResponse__Output>
      MasterInfo: MessageTypeDefinition<_strata_master_MasterInfo, _strata_master_MasterInfo__Output>
      MembershipResponse: MessageTypeDefinition<_strata_master_MembershipResponse, _strata_master_MembershipResponse__Output>
      MountInfo: MessageTypeDefinition<_strata_master_MountInfo, _strata_master_MountInfo__Output>
      MountRequest: MessageTypeDefinition<_strata_master_MountRequest, _strata_master_MountRequest__Output>
      MountResponse: MessageTypeDefinition<_strata_master_MountResponse, _strata_master_MountResponse__Output>
      PeerInfo: MessageTypeDefinition<_strata_master_PeerInfo, _strata_master_PeerInfo__Output>
      RemoveMasterRequest: MessageTypeDefinition<_strata_master_RemoveMasterRequest, _strata_master_RemoveMasterRequest__Output>
      RemoveXattrRequest: MessageTypeDefinition<_strata_master_RemoveXattrRequest, _strata_master_RemoveXattrRequest__Output>
      RemoveXattrResponse: MessageTypeDefinition<_strata_master_RemoveXattrResponse, _strata_master_RemoveXattrResponse__Output>
      RenameRequest: MessageTypeDefinition<_strata_master_RenameRequest, _strata_master_RenameRequest__Output>
      RenameResponse: MessageTypeDefinition<_strata_master_RenameResponse, _strata_master_RenameResponse__Output>
      Reply: MessageTypeDefinition<_strata_master_Reply, _strata_master_Reply__Output>
      ReplyBatch: MessageTypeDefinition<_strata_master_ReplyBatch, _strata_master_ReplyBatch__Output>
      SetAttributeRequest: MessageTypeDefinition<_strata_master_SetAttributeRequest, _strata_master_SetAttributeRequest__Output>
      SetAttributeResponse: MessageTypeDefinition<_strata_master_SetAttributeResponse, _strata_master_SetAttributeResponse__Output>
      SetXattrRequest: MessageTypeDefinition<_strata_master_SetXattrRequest, _strata_master_SetXattrRequest__Output>
      SetXattrResponse: MessageTypeDefinition<_strata_master_SetXattrResponse, _strata_master_SetXattrResponse__Output>
      SyncProgressRequest: MessageTypeDefinition<_strata_master_SyncProgressRequest, _strata_master_SyncProgressRequest__Output>
      SyncProgressResponse: MessageTypeDefinition<_strata_master_SyncProgressResponse, _strata_master_SyncProgressResponse__Output>
      SyncRequest: MessageTypeDefinition<_strata_master_SyncRequest, _strata_master_SyncRequest__Output>
      SyncResponse: MessageTypeDefinition<_strata_master_SyncResponse, _strata_master_SyncResponse__Output>
      TransferLeaderRequest: MessageTypeDefinition<_strata_master_TransferLeaderRequest, _strata_master_TransferLeaderRequest__Output>
      UnmountRequest: MessageTypeDefinition<_strata_master_UnmountRequest, _strata_master_UnmountRequest__Output>
      UnmountResponse: MessageTypeDefinition<_strata_master_UnmountResponse, _strata_master_UnmountResponse__Output>
    }
  }
}

