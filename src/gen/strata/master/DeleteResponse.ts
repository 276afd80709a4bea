// Original file: proto/master.proto


export interface DeleteResponse {
}

export interface DeleteResponse__Output {
}
