// Original file: proto/master.proto


export interface UnmountResponse {
}

export interface UnmountResponse__Output {
}
