// Original file: proto/master.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AddMasterRequest as _strata_master_AddMasterRequest, AddMasterRequest__Output as _strata_master_AddMasterRequest__Output } from '../../strata/master/AddMasterRequest';
import type { CallBatch as _strata_master_CallBatch, CallBatch__Output as _strata_master_CallBatch__Output } from '../../strata/master/CallBatch';
import type { CompleteFileRequest as _strata_master_CompleteFileRequest, CompleteFileRequest__Output as _strata_master_CompleteFileRequest__Output } from '../../strata/master/CompleteFileRequest';
import type { CompleteFileResponse as _strata_master_CompleteFileResponse, CompleteFileResponse__Output as _strata_master_CompleteFileResponse__Output } from '../../strata/master/CompleteFileResponse';
import type { CreateDirectoryRequest as _strata_master_CreateDirectoryRequest, CreateDirectoryRequest__Output as _strata_master_CreateDirectoryRequest__Output } from '../../strata/master/CreateDirectoryRequest';
import type { CreateDirectoryResponse as _strata_master_CreateDirectoryResponse, CreateDirectoryResponse__Output as _strata_master_CreateDirectoryResponse__Output } from '../../strata/master/CreateDirectoryResponse';
import type { CreateFileRequest as _strata_master_CreateFileRequest, CreateFileRequest__Output as _strata_master_CreateFileRequest__Output } from '../../strata/master/CreateFileRequest';
import type { CreateFileResponse as _strata_master_CreateFileResponse, CreateFileResponse__Output as _strata_master_CreateFileResponse__Output } from '../../strata/master/CreateFileResponse';
import type { CreateSymlinkRequest as _strata_master_CreateSymlinkRequest, CreateSymlinkRequest__Output as _strata_master_CreateSymlinkRequest__Output } from '../../strata/master/CreateSymlinkRequest';
import type { CreateSymlinkResponse as _strata_master_CreateSymlinkResponse, CreateSymlinkResponse__Output as _strata_master_CreateSymlinkResponse__Output } from '../../strata/master/CreateSymlinkResponse';
import type { DeleteRequest as _strata_master_DeleteRequest, DeleteRequest__Output as _strata_master_DeleteRequest__Output } from '../../strata/master/DeleteRequest';
import type { DeleteResponse as _strata_master_DeleteResponse, DeleteResponse__Output as _strata_master_DeleteResponse__Output } from '../../strata/master/DeleteResponse';
import type { GetMasterInfoRequest as _strata_master_GetMasterInfoRequest, GetMasterInfoRequest__Output as _strata_master_GetMasterInfoRequest__Output } from '../../strata/master/GetMasterInfoRequest';
import type { GetMountCredentialsRequest as _strata_master_GetMountCredentialsRequest, GetMountCredentialsRequest__Output as _strata_master_GetMountCredentialsRequest__Output } from '../../strata/master/GetMountCredentialsRequest';
import type { GetMountCredentialsResponse as _strata_master_GetMountCredentialsResponse, GetMountCredentialsResponse__Output as _strata_master_GetMountCredentialsResponse__Output } from '../../strata/master/GetMountCredentialsResponse';
import type { GetMountTableRequest as _strata_master_GetMountTableRequest, GetMountTableRequest__Output as _strata_master_GetMountTableRequest__Output } from '../../strata/master/GetMountTableRequest';
import type { GetMountTableResponse as _strata_master_GetMountTableResponse, GetMountTableResponse__Output as _strata_master_GetMountTableResponse__Output } from '../../strata/master/GetMountTableResponse';
import type { GetStatusRequest as _strata_master_GetStatusRequest, GetStatusRequest__Output as _strata_master_GetStatusRequest__Output } from '../../strata/master/GetStatusRequest';
import type { GetStatusResponse as _strata_master_GetStatusResponse, GetStatusResponse__Output as _strata_master_GetStatusResponse__Output } from '../../strata/master/GetStatusResponse';
import type { GetXattrRequest as _strata_master_GetXattrRequest, GetXattrRequest__Output as _strata_master_GetXattrRequest__Output } from '../../strata/master/GetXattrRequest';
import type { GetXattrResponse as _strata_master_GetXattrResponse, GetXattrResponse__Output as _strata_master_GetXattrResponse__Output } from '../../strata/master/GetXattrResponse';
import type { ListStatusPage as _strata_master_ListStatusPage, ListStatusPage__Output as _strata_master_ListStatusPage__Output } from '../../strata/master/ListStatusPage';
import type { ListStatusRequest as _strata_master_ListStatusRequest, ListStatusRequest__Output as _strata_master_ListStatusRequest__Output } from '../../strata/master/ListStatusRequest';
import type { ListXattrRequest as _strata_master_ListXattrRequest, ListXattrRequest__Output as _strata_master_ListXattrRequest__Output } from '../../strata/master/ListXattrRequest';
import type { ListXattrResponse as _strata_master_ListXattrResponse, ListXattrResponse__Output as _strata_master_ListXattrResponse__Output } from '../../strata/master/ListXattrResponse';
import type { MasterInfo as _strata_master_MasterInfo, MasterInfo__Output as _strata_master_MasterInfo__Output } from '../../strata/master/MasterInfo';
import type { MembershipResponse as _strata_master_MembershipResponse, MembershipResponse__Output as _strata_master_MembershipResponse__Output } from '../../strata/master/MembershipResponse';
import type { MountRequest as _strata_master_MountRequest, MountRequest__Output as _strata_master_MountRequest__Output } from '../../strata/master/MountRequest';
import type { MountResponse as _strata_master_MountResponse, MountResponse__Output as _strata_master_MountResponse__Output } from '../../strata/master/MountResponse';
import type { RemoveMasterRequest as _strata_master_RemoveMasterRequest, RemoveMasterRequest__Output as _strata_master_RemoveMasterRequest__Output } from '../../strata/master/RemoveMasterRequest';
import type { RemoveXattrRequest as _strata_master_RemoveXattrRequest, RemoveXattrRequest__Output as _strata_master_RemoveXattrRequest__Output } from '../../strata/master/RemoveXattrRequest';
import type { RemoveXattrResponse as _strata_master_RemoveXattrResponse, RemoveXattrResponse__Output as _strata_master_RemoveXattrResponse__Output } from '../../strata/master/RemoveXattrResponse';
import type { RenameRequest as _strata_master_RenameRequest, RenameRequest__Output as _strata_master_RenameRequest__Output } from '../../strata/master/RenameRequest';
import type { RenameResponse as _strata_master_RenameResponse, RenameResponse__Output as _strata_master_RenameResponse__Output } from '../../strata/master/RenameResponse';
import type { ReplyBatch as _strata_master_ReplyBatch, ReplyBatch__Output as _strata_master_ReplyBatch__Output } from '../../strata/master/ReplyBatch';
import type { SetAttributeRequest as _strata_master_SetAttributeRequest, SetAttributeRequest__Output as _strata_master_SetAttributeRequest__Output } from '../../strata/master/SetAttributeRequest';
import type { SetAttributeResponse as _strata_master_SetAttributeResponse, SetAttributeResponse__Output as _strata_master_SetAttributeResponse__Output } from '../../strata/master/SetAttributeResponse';
import type { SetXattrRequest as _strata_master_SetXattrRequest, SetXattrRequest__Output as _strata_master_SetXattrRequest__Output } from '../../strata/master/SetXattrRequest';
import type { SetXattrResponse as _strata_master_SetXattrResponse, SetXattrResponse__Output as _strata_master_SetXattrResponse__Output } from '../../strata/master/SetXattrResponse';
import type { SyncProgressRequest as _strata_master_SyncProgressRequest, SyncProgressRequest__Output as _strata_master_SyncProgressRequest__Output } from '../../strata/master/SyncProgressRequest';
import type { SyncProgressResponse as _strata_master_SyncProgressResponse, SyncProgressResponse__Output as _strata_master_SyncProgressResponse__Output } from '../../strata/master/SyncProgressResponse';
import type { SyncRequest as _strata_master_SyncRequest, SyncRequest__Output as _strata_master_SyncRequest__Output } from '../../strata/master/SyncRequest';
import type { SyncResponse as _strata_master_SyncResponse, SyncResponse__Output as _strata_master_SyncResponse__Output } from '../../strata/master/SyncResponse';
import type { TransferLeaderRequest as _strata_master_TransferLeaderRequest, TransferLeaderRequest__Output as _strata_master_TransferLeaderRequest__Output } from '../../strata/master/TransferLeaderRequest';
import type { UnmountRequest as _strata_master_UnmountRequest, UnmountRequest__Output as _strata_master_UnmountRequest__Output } from '../../strata/master/UnmountRequest';
import type { UnmountResponse as _strata_master_UnmountResponse, UnmountResponse__Output as _strata_master_UnmountResponse__Output } from '../../strata/master/UnmountResponse';

export interface FileSystemMasterClient extends grpc.Client {
  AddMaster(argument: _strata_master_AddMasterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  AddMaster(argument: _strata_master_AddMasterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  AddMaster(argument: _strata_master_AddMasterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  AddMaster(argument: _strata_master_AddMasterRequest, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  addMaster(argument: _strata_master_AddMasterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  addMaster(argument: _strata_master_AddMasterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  addMaster(argument: _strata_master_AddMasterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  addMaster(argument: _strata_master_AddMasterRequest, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  
  CompleteFile(argument: _strata_master_CompleteFileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CompleteFileResponse__Output>): grpc.ClientUnaryCall;
  CompleteFile(argument: _strata_master_CompleteFileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_CompleteFileResponse__Output>): grpc.ClientUnaryCall;
  CompleteFile(argument: _strata_master_CompleteFileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CompleteFileResponse__Output>): grpc.ClientUnaryCall;
  CompleteFile(argument: _strata_master_CompleteFileRequest, callback: grpc.requestCallback<_strata_master_CompleteFileResponse__Output>): grpc.ClientUnaryCall;
  completeFile(argument: _strata_master_CompleteFileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CompleteFileResponse__Output>): grpc.ClientUnaryCall;
  completeFile(argument: _strata_master_CompleteFileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_CompleteFileResponse__Output>): grpc.ClientUnaryCall;
  completeFile(argument: _strata_master_CompleteFileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CompleteFileResponse__Output>): grpc.ClientUnaryCall;
  completeFile(argument: _strata_master_CompleteFileRequest, callback: grpc.requestCallback<_strata_master_CompleteFileResponse__Output>): grpc.ClientUnaryCall;
  
  CreateDirectory(argument: _strata_master_CreateDirectoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CreateDirectoryResponse__Output>): grpc.ClientUnaryCall;
  CreateDirectory(argument: _strata_master_CreateDirectoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_CreateDirectoryResponse__Output>): grpc.ClientUnaryCall;
  CreateDirectory(argument: _strata_master_CreateDirectoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CreateDirectoryResponse__Output>): grpc.ClientUnaryCall;
  CreateDirectory(argument: _strata_master_CreateDirectoryRequest, callback: grpc.requestCallback<_strata_master_CreateDirectoryResponse__Output>): grpc.ClientUnaryCall;
  createDirectory(argument: _strata_master_CreateDirectoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CreateDirectoryResponse__Output>): grpc.ClientUnaryCall;
  createDirectory(argument: _strata_master_CreateDirectoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_CreateDirectoryResponse__Output>): grpc.ClientUnaryCall;
  createDirectory(argument: _strata_master_CreateDirectoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CreateDirectoryResponse__Output>): grpc.ClientUnaryCall;
  createDirectory(argument: _strata_master_CreateDirectoryRequest, callback: grpc.requestCallback<_strata_master_CreateDirectoryResponse__Output>): grpc.ClientUnaryCall;
  
  CreateFile(argument: _strata_master_CreateFileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CreateFileResponse__Output>): grpc.ClientUnaryCall;
  CreateFile(argument: _strata_master_CreateFileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_CreateFileResponse__Output>): grpc.ClientUnaryCall;
  CreateFile(argument: _strata_master_CreateFileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CreateFileResponse__Output>): grpc.ClientUnaryCall;
  CreateFile(argument: _strata_master_CreateFileRequest, callback: grpc.requestCallback<_strata_master_CreateFileResponse__Output>): grpc.ClientUnaryCall;
  createFile(argument: _strata_master_CreateFileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CreateFileResponse__Output>): grpc.ClientUnaryCall;
  createFile(argument: _strata_master_CreateFileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_CreateFileResponse__Output>): grpc.ClientUnaryCall;
  createFile(argument: _strata_master_CreateFileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CreateFileResponse__Output>): grpc.ClientUnaryCall;
  createFile(argument: _strata_master_CreateFileRequest, callback: grpc.requestCallback<_strata_master_CreateFileResponse__Output>): grpc.ClientUnaryCall;
  
  CreateSymlink(argument: _strata_master_CreateSymlinkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CreateSymlinkResponse__Output>): grpc.ClientUnaryCall;
  CreateSymlink(argument: _strata_master_CreateSymlinkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_CreateSymlinkResponse__Output>): grpc.ClientUnaryCall;
  CreateSymlink(argument: _strata_master_CreateSymlinkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CreateSymlinkResponse__Output>): grpc.ClientUnaryCall;
  CreateSymlink(argument: _strata_master_CreateSymlinkRequest, callback: grpc.requestCallback<_strata_master_CreateSymlinkResponse__Output>): grpc.ClientUnaryCall;
  createSymlink(argument: _strata_master_CreateSymlinkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CreateSymlinkResponse__Output>): grpc.ClientUnaryCall;
  createSymlink(argument: _strata_master_CreateSymlinkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_CreateSymlinkResponse__Output>): grpc.ClientUnaryCall;
  createSymlink(argument: _strata_master_CreateSymlinkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_CreateSymlinkResponse__Output>): grpc.ClientUnaryCall;
  createSymlink(argument: _strata_master_CreateSymlinkRequest, callback: grpc.requestCallback<_strata_master_CreateSymlinkResponse__Output>): grpc.ClientUnaryCall;
  
  Delete(argument: _strata_master_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _strata_master_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _strata_master_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _strata_master_DeleteRequest, callback: grpc.requestCallback<_strata_master_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _strata_master_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _strata_master_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _strata_master_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _strata_master_DeleteRequest, callback: grpc.requestCallback<_strata_master_DeleteResponse__Output>): grpc.ClientUnaryCall;
  
  GetMasterInfo(argument: _strata_master_GetMasterInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MasterInfo__Output>): grpc.ClientUnaryCall;
  GetMasterInfo(argument: _strata_master_GetMasterInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_MasterInfo__Output>): grpc.ClientUnaryCall;
  GetMasterInfo(argument: _strata_master_GetMasterInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MasterInfo__Output>): grpc.ClientUnaryCall;
  GetMasterInfo(argument: _strata_master_GetMasterInfoRequest, callback: grpc.requestCallback<_strata_master_MasterInfo__Output>): grpc.ClientUnaryCall;
  getMasterInfo(argument: _strata_master_GetMasterInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MasterInfo__Output>): grpc.ClientUnaryCall;
  getMasterInfo(argument: _strata_master_GetMasterInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_MasterInfo__Output>): grpc.ClientUnaryCall;
  getMasterInfo(argument: _strata_master_GetMasterInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MasterInfo__Output>): grpc.ClientUnaryCall;
  getMasterInfo(argument: _strata_master_GetMasterInfoRequest, callback: grpc.requestCallback<_strata_master_MasterInfo__Output>): grpc.ClientUnaryCall;
  
  GetMountCredentials(argument: _strata_master_GetMountCredentialsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetMountCredentialsResponse__Output>): grpc.ClientUnaryCall;
  GetMountCredentials(argument: _strata_master_GetMountCredentialsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_GetMountCredentialsResponse__Output>): grpc.ClientUnaryCall;
  GetMountCredentials(argument: _strata_master_GetMountCredentialsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetMountCredentialsResponse__Output>): grpc.ClientUnaryCall;
  GetMountCredentials(argument: _strata_master_GetMountCredentialsRequest, callback: grpc.requestCallback<_strata_master_GetMountCredentialsResponse__Output>): grpc.ClientUnaryCall;
  getMountCredentials(argument: _strata_master_GetMountCredentialsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetMountCredentialsResponse__Output>): grpc.ClientUnaryCall;
  getMountCredentials(argument: _strata_master_GetMountCredentialsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_GetMountCredentialsResponse__Output>): grpc.ClientUnaryCall;
  getMountCredentials(argument: _strata_master_GetMountCredentialsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetMountCredentialsResponse__Output>): grpc.ClientUnaryCall;
  getMountCredentials(argument: _strata_master_GetMountCredentialsRequest, callback: grpc.requestCallback<_strata_master_GetMountCredentialsResponse__Output>): grpc.ClientUnaryCall;
  
  GetMountTable(argument: _strata_master_GetMountTableRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetMountTableResponse__Output>): grpc.ClientUnaryCall;
  GetMountTable(argument: _strata_master_GetMountTableRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_GetMountTableResponse__Output>): grpc.ClientUnaryCall;
  GetMountTable(argument: _strata_master_GetMountTableRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetMountTableResponse__Output>): grpc.ClientUnaryCall;
  GetMountTable(argument: _strata_master_GetMountTableRequest, callback: grpc.requestCallback<_strata_master_GetMountTableResponse__Output>): grpc.ClientUnaryCall;
  getMountTable(argument: _strata_master_GetMountTableRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetMountTableResponse__Output>): grpc.ClientUnaryCall;
  getMountTable(argument: _strata_master_GetMountTableRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_GetMountTableResponse__Output>): grpc.ClientUnaryCall;
  getMountTable(argument: _strata_master_GetMountTableRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetMountTableResponse__Output>): grpc.ClientUnaryCall;
  getMountTable(argument: _strata_master_GetMountTableRequest, callback: grpc.requestCallback<_strata_master_GetMountTableResponse__Output>): grpc.ClientUnaryCall;
  
  GetStatus(argument: _strata_master_GetStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _strata_master_GetStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _strata_master_GetStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _strata_master_GetStatusRequest, callback: grpc.requestCallback<_strata_master_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _strata_master_GetStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _strata_master_GetStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _strata_master_GetStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _strata_master_GetStatusRequest, callback: grpc.requestCallback<_strata_master_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  
  GetXattr(argument: _strata_master_GetXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  GetXattr(argument: _strata_master_GetXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  GetXattr(argument: _strata_master_GetXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  GetXattr(argument: _strata_master_GetXattrRequest, callback: grpc.requestCallback<_strata_master_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  getXattr(argument: _strata_master_GetXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  getXattr(argument: _strata_master_GetXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  getXattr(argument: _strata_master_GetXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  getXattr(argument: _strata_master_GetXattrRequest, callback: grpc.requestCallback<_strata_master_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  
  ListStatus(argument: _strata_master_ListStatusRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_strata_master_ListStatusPage__Output>;
  ListStatus(argument: _strata_master_ListStatusRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_strata_master_ListStatusPage__Output>;
  listStatus(argument: _strata_master_ListStatusRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_strata_master_ListStatusPage__Output>;
  listStatus(argument: _strata_master_ListStatusRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_strata_master_ListStatusPage__Output>;
  
  ListXattr(argument: _strata_master_ListXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  ListXattr(argument: _strata_master_ListXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  ListXattr(argument: _strata_master_ListXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  ListXattr(argument: _strata_master_ListXattrRequest, callback: grpc.requestCallback<_strata_master_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  listXattr(argument: _strata_master_ListXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  listXattr(argument: _strata_master_ListXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  listXattr(argument: _strata_master_ListXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  listXattr(argument: _strata_master_ListXattrRequest, callback: grpc.requestCallback<_strata_master_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  
  Mount(argument: _strata_master_MountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MountResponse__Output>): grpc.ClientUnaryCall;
  Mount(argument: _strata_master_MountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_MountResponse__Output>): grpc.ClientUnaryCall;
  Mount(argument: _strata_master_MountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MountResponse__Output>): grpc.ClientUnaryCall;
  Mount(argument: _strata_master_MountRequest, callback: grpc.requestCallback<_strata_master_MountResponse__Output>): grpc.ClientUnaryCall;
  mount(argument: _strata_master_MountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MountResponse__Output>): grpc.ClientUnaryCall;
  mount(argument: _strata_master_MountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_MountResponse__Output>): grpc.ClientUnaryCall;
  mount(argument: _strata_master_MountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MountResponse__Output>): grpc.ClientUnaryCall;
  mount(argument: _strata_master_MountRequest, callback: grpc.requestCallback<_strata_master_MountResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveMaster(argument: _strata_master_RemoveMasterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  RemoveMaster(argument: _strata_master_RemoveMasterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  RemoveMaster(argument: _strata_master_RemoveMasterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  RemoveMaster(argument: _strata_master_RemoveMasterRequest, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  removeMaster(argument: _strata_master_RemoveMasterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  removeMaster(argument: _strata_master_RemoveMasterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  removeMaster(argument: _strata_master_RemoveMasterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  removeMaster(argument: _strata_master_RemoveMasterRequest, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveXattr(argument: _strata_master_RemoveXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  RemoveXattr(argument: _strata_master_RemoveXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  RemoveXattr(argument: _strata_master_RemoveXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  RemoveXattr(argument: _strata_master_RemoveXattrRequest, callback: grpc.requestCallback<_strata_master_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  removeXattr(argument: _strata_master_RemoveXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  removeXattr(argument: _strata_master_RemoveXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  removeXattr(argument: _strata_master_RemoveXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  removeXattr(argument: _strata_master_RemoveXattrRequest, callback: grpc.requestCallback<_strata_master_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  
  Rename(argument: _strata_master_RenameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_RenameResponse__Output>): grpc.ClientUnaryCall;
  Rename(argument: _strata_master_RenameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_RenameResponse__Output>): grpc.ClientUnaryCall;
  Rename(argument: _strata_master_RenameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_RenameResponse__Output>): grpc.ClientUnaryCall;
  Rename(argument: _strata_master_RenameRequest, callback: grpc.requestCallback<_strata_master_RenameResponse__Output>): grpc.ClientUnaryCall;
  rename(argument: _strata_master_RenameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_RenameResponse__Output>): grpc.ClientUnaryCall;
  rename(argument: _strata_master_RenameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_RenameResponse__Output>): grpc.ClientUnaryCall;
  rename(argument: _strata_master_RenameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_RenameResponse__Output>): grpc.ClientUnaryCall;
  rename(argument: _strata_master_RenameRequest, callback: grpc.requestCallback<_strata_master_RenameResponse__Output>): grpc.ClientUnaryCall;
  
  Session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_strata_master_CallBatch, _strata_master_ReplyBatch__Output>;
  Session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_strata_master_CallBatch, _strata_master_ReplyBatch__Output>;
  session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_strata_master_CallBatch, _strata_master_ReplyBatch__Output>;
  session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_strata_master_CallBatch, _strata_master_ReplyBatch__Output>;
  
  SetAttribute(argument: _strata_master_SetAttributeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SetAttributeResponse__Output>): grpc.ClientUnaryCall;
  SetAttribute(argument: _strata_master_SetAttributeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_SetAttributeResponse__Output>): grpc.ClientUnaryCall;
  SetAttribute(argument: _strata_master_SetAttributeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SetAttributeResponse__Output>): grpc.ClientUnaryCall;
  SetAttribute(argument: _strata_master_SetAttributeRequest, callback: grpc.requestCallback<_strata_master_SetAttributeResponse__Output>): grpc.ClientUnaryCall;
  setAttribute(argument: _strata_master_SetAttributeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SetAttributeResponse__Output>): grpc.ClientUnaryCall;
  setAttribute(argument: _strata_master_SetAttributeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_SetAttributeResponse__Output>): grpc.ClientUnaryCall;
  setAttribute(argument: _strata_master_SetAttributeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SetAttributeResponse__Output>): grpc.ClientUnaryCall;
  setAttribute(argument: _strata_master_SetAttributeRequest, callback: grpc.requestCallback<_strata_master_SetAttributeResponse__Output>): grpc.ClientUnaryCall;
  
  SetXattr(argument: _strata_master_SetXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  SetXattr(argument: _strata_master_SetXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  SetXattr(argument: _strata_master_SetXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  SetXattr(argument: _strata_master_SetXattrRequest, callback: grpc.requestCallback<_strata_master_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  setXattr(argument: _strata_master_SetXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  setXattr(argument: _strata_master_SetXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  setXattr(argument: _strata_master_SetXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  setXattr(argument: _strata_master_SetXattrRequest, callback: grpc.requestCallback<_strata_master_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  
  Sync(argument: _strata_master_SyncRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SyncResponse__Output>): grpc.ClientUnaryCall;
  Sync(argument: _strata_master_SyncRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_SyncResponse__Output>): grpc.ClientUnaryCall;
  Sync(argument: _strata_master_SyncRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SyncResponse__Output>): grpc.ClientUnaryCall;
  Sync(argument: _strata_master_SyncRequest, callback: grpc.requestCallback<_strata_master_SyncResponse__Output>): grpc.ClientUnaryCall;
  sync(argument: _strata_master_SyncRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SyncResponse__Output>): grpc.ClientUnaryCall;
  sync(argument: _strata_master_SyncRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_SyncResponse__Output>): grpc.ClientUnaryCall;
  sync(argument: _strata_master_SyncRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SyncResponse__Output>): grpc.ClientUnaryCall;
  sync(argument: _strata_master_SyncRequest, callback: grpc.requestCallback<_strata_master_SyncResponse__Output>): grpc.ClientUnaryCall;
  
  SyncProgress(argument: _strata_master_SyncProgressRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SyncProgressResponse__Output>): grpc.ClientUnaryCall;
  SyncProgress(argument: _strata_master_SyncProgressRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_SyncProgressResponse__Output>): grpc.ClientUnaryCall;
  SyncProgress(argument: _strata_master_SyncProgressRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SyncProgressResponse__Output>): grpc.ClientUnaryCall;
  SyncProgress(argument: _strata_master_SyncProgressRequest, callback: grpc.requestCallback<_strata_master_SyncProgressResponse__Output>): grpc.ClientUnaryCall;
  syncProgress(argument: _strata_master_SyncProgressRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SyncProgressResponse__Output>): grpc.ClientUnaryCall;
  syncProgress(argument: _strata_master_SyncProgressRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_SyncProgressResponse__Output>): grpc.ClientUnaryCall;
  syncProgress(argument: _strata_master_SyncProgressRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_SyncProgressResponse__Output>): grpc.ClientUnaryCall;
  syncProgress(argument: _strata_master_SyncProgressRequest, callback: grpc.requestCallback<_strata_master_SyncProgressResponse__Output>): grpc.ClientUnaryCall;
  
  TransferLeader(argument: _strata_master_TransferLeaderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  TransferLeader(argument: _strata_master_TransferLeaderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  TransferLeader(argument: _strata_master_TransferLeaderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  TransferLeader(argument: _strata_master_TransferLeaderRequest, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _strata_master_TransferLeaderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _strata_master_TransferLeaderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _strata_master_TransferLeaderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _strata_master_TransferLeaderRequest, callback: grpc.requestCallback<_strata_master_MembershipResponse__Output>): grpc.ClientUnaryCall;
  
  Unmount(argument: _strata_master_UnmountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_UnmountResponse__Output>): grpc.ClientUnaryCall;
  Unmount(argument: _strata_master_UnmountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_UnmountResponse__Output>): grpc.ClientUnaryCall;
  Unmount(argument: _strata_master_UnmountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_UnmountResponse__Output>): grpc.ClientUnaryCall;
  Unmount(argument: _strata_master_UnmountRequest, callback: grpc.requestCallback<_strata_master_UnmountResponse__Output>): grpc.ClientUnaryCall;
  unmount(argument: _strata_master_UnmountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_UnmountResponse__Output>): grpc.ClientUnaryCall;
  unmount(argument: _strata_master_UnmountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_strata_master_UnmountResponse__Output>): grpc.ClientUnaryCall;
  unmount(argument: _strata_master_UnmountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_strata_master_UnmountResponse__Output>): grpc.ClientUnaryCall;
  unmount(argument: _strata_master_UnmountRequest, callback: grpc.requestCallback<_strata_master_UnmountResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface FileSystemMasterHandlers extends grpc.UntypedServiceImplementation {
  AddMaster: grpc.handleUnaryCall<_strata_master_AddMasterRequest__Output, _strata_master_MembershipResponse>;
  
  CompleteFile: grpc.handleUnaryCall<_strata_master_CompleteFileRequest__Output, _strata_master_CompleteFileResponse>;
  
  CreateDirectory: grpc.handleUnaryCall<_strata_master_CreateDirectoryRequest__Output, _strata_master_CreateDirectoryResponse>;
  
  CreateFile: grpc.handleUnaryCall<_strata_master_CreateFileRequest__Output, _strata_master_CreateFileResponse>;
  
  CreateSymlink: grpc.handleUnaryCall<_strata_master_CreateSymlinkRequest__Output, _strata_master_CreateSymlinkResponse>;
  
  Delete: grpc.handleUnaryCall<_strata_master_DeleteRequest__Output, _strata_master_DeleteResponse>;
  
  GetMasterInfo: grpc.handleUnaryCall<_strata_master_GetMasterInfoRequest__Output, _strata_master_MasterInfo>;
  
  GetMountCredentials: grpc.handleUnaryCall<_strata_master_GetMountCredentialsRequest__Output, _strata_master_GetMountCredentialsResponse>;
  
  GetMountTable: grpc.handleUnaryCall<_strata_master_GetMountTableRequest__Output, _strata_master_GetMountTableResponse>;
  
  GetStatus: grpc.handleUnaryCall<_strata_master_GetStatusRequest__Output, _strata_master_GetStatusResponse>;
  
  GetXattr: grpc.handleUnaryCall<_strata_master_GetXattrRequest__Output, _strata_master_GetXattrResponse>;
  
  ListStatus: grpc.handleServerStreamingCall<_strata_master_ListStatusRequest__Output, _strata_master_ListStatusPage>;
  
  ListXattr: grpc.handleUnaryCall<_strata_master_ListXattrRequest__Output, _strata_master_ListXattrResponse>;
  
  Mount: grpc.handleUnaryCall<_strata_master_MountRequest__Output, _strata_master_MountResponse>;
  
  RemoveMaster: grpc.handleUnaryCall<_strata_master_RemoveMasterRequest__Output, _strata_master_MembershipResponse>;
  
  RemoveXattr: grpc.handleUnaryCall<_strata_master_RemoveXattrRequest__Output, _strata_master_RemoveXattrResponse>;
  
  Rename: grpc.handleUnaryCall<_strata_master_RenameRequest__Output, _strata_master_RenameResponse>;
  
  Session: grpc.handleBidiStreamingCall<_strata_master_CallBatch__Output, _strata_master_ReplyBatch>;
  
  SetAttribute: grpc.handleUnaryCall<_strata_master_SetAttributeRequest__Output, _strata_master_SetAttributeResponse>;
  
  SetXattr: grpc.handleUnaryCall<_strata_master_SetXattrRequest__Output, _strata_master_SetXattrResponse>;
  
  Sync: grpc.handleUnaryCall<_strata_master_SyncRequest__Output, _strata_master_SyncResponse>;
  
  SyncProgress: grpc.handleUnaryCall<_strata_master_SyncProgressRequest__Output, _strata_master_SyncProgressResponse>;
  
  TransferLeader: grpc.handleUnaryCall<_strata_master_TransferLeaderRequest__Output, _strata_master_MembershipResponse>;
  
  Unmount: grpc.handleUnaryCall<_strata_master_UnmountRequest__Output, _strata_master_UnmountResponse>;
  
}

export interface FileSystemMasterDefinition extends grpc.ServiceDefinition {
  AddMaster: MethodDefinition<_strata_master_AddMasterRequest, _strata_master_MembershipResponse, _strata_master_AddMasterRequest__Output, _strata_master_MembershipResponse__Output>
  CompleteFile: MethodDefinition<_strata_master_CompleteFileRequest, _strata_master_CompleteFileResponse, _strata_master_CompleteFileRequest__Output, _strata_master_CompleteFileResponse__Output>
  CreateDirectory: MethodDefinition<_strata_master_CreateDirectoryRequest, _strata_master_CreateDirectoryResponse, _strata_master_CreateDirectoryRequest__Output, _strata_master_CreateDirectoryResponse__Output>
  CreateFile: MethodDefinition<_strata_master_CreateFileRequest, _strata_master_CreateFileResponse, _strata_master_CreateFileRequest__Output, _strata_master_CreateFileResponse__Output>
  CreateSymlink: MethodDefinition<_strata_master_CreateSymlinkRequest, _strata_master_CreateSymlinkResponse, _strata_master_CreateSymlinkRequest__Output, _strata_master_CreateSymlinkResponse__Output>
  Delete: MethodDefinition<_strata_master_DeleteRequest, _strata_master_DeleteResponse, _strata_master_DeleteRequest__Output, _strata_master_DeleteResponse__Output>
  GetMasterInfo: MethodDefinition<_strata_master_GetMasterInfoRequest, _strata_master_MasterInfo, _strata_master_GetMasterInfoRequest__Output, _strata_master_MasterInfo__Output>
  GetMountCredentials: MethodDefinition<_strata_master_GetMountCredentialsRequest, _strata_master_GetMountCredentialsResponse, _strata_master_GetMountCredentialsRequest__Output, _strata_master_GetMountCredentialsResponse__Output>
  GetMountTable: MethodDefinition<_strata_master_GetMountTableRequest, _strata_master_GetMountTableResponse, _strata_master_GetMountTableRequest__Output, _strata_master_GetMountTableResponse__Output>
  GetStatus: MethodDefinition<_strata_master_GetStatusRequest, _strata_master_GetStatusResponse, _strata_master_GetStatusRequest__Output, _strata_master_GetStatusResponse__Output>
  GetXattr: MethodDefinition<_strata_master_GetXattrRequest, _strata_master_GetXattrResponse, _strata_master_GetXattrRequest__Output, _strata_master_GetXattrResponse__Output>
  ListStatus: MethodDefinition<_strata_master_ListStatusRequest, _strata_master_ListStatusPage, _strata_master_ListStatusRequest__Output, _strata_master_ListStatusPage__Output>
  ListXattr: MethodDefinition<_strata_master_ListXattrRequest, _strata_master_ListXattrResponse, _strata_master_ListXattrRequest__Output, _strata_master_ListXattrResponse__Output>
  Mount: MethodDefinition<_strata_master_MountRequest, _strata_master_MountResponse, _strata_master_MountRequest__Output, _strata_master_MountResponse__Output>
  RemoveMaster: MethodDefinition<_strata_master_RemoveMasterRequest, _strata_master_MembershipResponse, _strata_master_RemoveMasterRequest__Output, _strata_master_MembershipResponse__Output>
  RemoveXattr: MethodDefinition<_strata_master_RemoveXattrRequest, _strata_master_RemoveXattrResponse, _strata_master_RemoveXattrRequest__Output, _strata_master_RemoveXattrResponse__Output>
  Rename: MethodDefinition<_strata_master_RenameRequest, _strata_master_RenameResponse, _strata_master_RenameRequest__Output, _strata_master_RenameResponse__Output>
  Session: MethodDefinition<_strata_master_CallBatch, _strata_master_ReplyBatch, _strata_master_CallBatch__Output, _strata_master_ReplyBatch__Output>
  SetAttribute: MethodDefinition<_strata_master_SetAttributeRequest, _strata_master_SetAttributeResponse, _strata_master_SetAttributeRequest__Output, _strata_master_SetAttributeResponse__Output>
  SetXattr: MethodDefinition<_strata_master_SetXattrRequest, _strata_master_SetXattrResponse, _strata_master_SetXattrRequest__Output, _strata_master_SetXattrResponse__Output>
  Sync: MethodDefinition<_strata_master_SyncRequest, _strata_master_SyncResponse, _strata_master_SyncRequest__Output, _strata_master_SyncResponse__Output>
  SyncProgress: MethodDefinition<_strata_master_SyncProgressRequest, _strata_master_SyncProgressResponse, _strata_master_SyncProgressRequest__Output, _strata_master_SyncProgressResponse__Output>
  TransferLeader: MethodDefinition<_strata_master_TransferLeaderRequest, _strata_master_MembershipResponse, _strata_master_TransferLeaderRequest__Output, _strata_master_MembershipResponse__Output>
  Unmount: MethodDefinition<_strata_master_UnmountRequest, _strata_master_UnmountResponse, _strata_master_UnmountRequest__Output, _strata_master_UnmountResponse__Output>
}
