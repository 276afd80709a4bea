// Original file: proto/master.proto


export interface GetMountTableRequest {
}

export interface GetMountTableRequest__Output {
}
