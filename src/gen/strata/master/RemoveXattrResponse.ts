// Original file: proto/master.proto


export interface RemoveXattrResponse {
}

export interface RemoveXattrResponse__Output {
}
