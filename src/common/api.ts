// The API's message types under plain names, for hand-written code. The
// generated types (src/gen, from proto/master.proto by `npm run gen`) name
// decoded messages `X__Output`; those are the ones with every field present.

export type { FileInfo__Output as FileInfo } from '../gen/strata/master/FileInfo';
export type { InodeType__Output as InodeType } from '../gen/strata/master/InodeType';
export type { CallerId__Output as CallerId } from '../gen/strata/master/CallerId';
export type { GetStatusRequest__Output as GetStatusRequest } from '../gen/strata/master/GetStatusRequest';
export type { GetStatusResponse__Output as GetStatusResponse } from '../gen/strata/master/GetStatusResponse';
export type { ListStatusRequest__Output as ListStatusRequest } from '../gen/strata/master/ListStatusRequest';
export type { ListStatusPage__Output as ListStatusPage } from '../gen/strata/master/ListStatusPage';
export type { ListEntry__Output as ListEntry } from '../gen/strata/master/ListEntry';
export type { CreateFileRequest__Output as CreateFileRequest } from '../gen/strata/master/CreateFileRequest';
export type { CreateFileResponse__Output as CreateFileResponse } from '../gen/strata/master/CreateFileResponse';
export type { CompleteFileRequest__Output as CompleteFileRequest } from '../gen/strata/master/CompleteFileRequest';
export type { CompleteFileResponse__Output as CompleteFileResponse } from '../gen/strata/master/CompleteFileResponse';
export type { CreateDirectoryRequest__Output as CreateDirectoryRequest } from '../gen/strata/master/CreateDirectoryRequest';
export type { CreateDirectoryResponse__Output as CreateDirectoryResponse } from '../gen/strata/master/CreateDirectoryResponse';
export type { DeleteRequest__Output as DeleteRequest } from '../gen/strata/master/DeleteRequest';
export type { DeleteResponse__Output as DeleteResponse } from '../gen/strata/master/DeleteResponse';
export type { RenameRequest__Output as RenameRequest } from '../gen/strata/master/RenameRequest';
export type { RenameResponse__Output as RenameResponse } from '../gen/strata/master/RenameResponse';
export type { SetAttributeRequest__Output as SetAttributeRequest } from '../gen/strata/master/SetAttributeRequest';
export type { SetAttributeResponse__Output as SetAttributeResponse } from '../gen/strata/master/SetAttributeResponse';
export type { CreateSymlinkRequest__Output as CreateSymlinkRequest } from '../gen/strata/master/CreateSymlinkRequest';
export type { CreateSymlinkResponse__Output as CreateSymlinkResponse } from '../gen/strata/master/CreateSymlinkResponse';
export type { MountInfo__Output as MountInfo } from '../gen/strata/master/MountInfo';
export type { GetMountTableResponse__Output as GetMountTableResponse } from '../gen/strata/master/GetMountTableResponse';
export type { MountRequest__Output as MountRequest } from '../gen/strata/master/MountRequest';
export type { MountResponse__Output as MountResponse } from '../gen/strata/master/MountResponse';
export type { UnmountRequest__Output as UnmountRequest } from '../gen/strata/master/UnmountRequest';
export type { SyncRequest__Output as SyncRequest } from '../gen/strata/master/SyncRequest';
export type { SyncResponse__Output as SyncResponse } from '../gen/strata/master/SyncResponse';
export type { SyncProgressResponse__Output as SyncProgressResponse } from '../gen/strata/master/SyncProgressResponse';
export type { SetXattrRequest__Output as SetXattrRequest } from '../gen/strata/master/SetXattrRequest';
export type { GetXattrRequest__Output as GetXattrRequest } from '../gen/strata/master/GetXattrRequest';
export type { ListXattrRequest__Output as ListXattrRequest } from '../gen/strata/master/ListXattrRequest';
export type { RemoveXattrRequest__Output as RemoveXattrRequest } from '../gen/strata/master/RemoveXattrRequest';
export type { MasterInfo__Output as MasterInfo } from '../gen/strata/master/MasterInfo';
export type { Call__Output as Call } from '../gen/strata/master/Call';
export type { Reply as ReplyInput } from '../gen/strata/master/Reply';
export type { Reply__Output as Reply } from '../gen/strata/master/Reply';
export type { CallBatch__Output as CallBatch } from '../gen/strata/master/CallBatch';
export type { ReplyBatch__Output as ReplyBatch } from '../gen/strata/master/ReplyBatch';
export type { Call as CallInput } from '../gen/strata/master/Call';

import path from 'node:path';

/** proto-loader options shared by the server and every client. */
export const PROTO_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;

export const MASTER_PROTO = path.join(__dirname, '..', '..', '..', 'proto', 'master.proto');
