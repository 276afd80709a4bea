// Original file: proto/master.proto


export interface SetXattrResponse {
}

export interface SetXattrResponse__Output {
}
