// Original file: proto/master.proto


export interface RenameResponse {
}

export interface RenameResponse__Output {
}
