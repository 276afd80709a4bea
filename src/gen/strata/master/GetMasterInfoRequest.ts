// Original file: proto/master.proto


export interface GetMasterInfoRequest {
}

export interface GetMasterInfoRequest__Output {
}
