// Original file: proto/raft.proto


export interface MessageBatch {
  'messages'?: (Buffer | Uint8Array | string)[];
}

export interface MessageBatch__Output {
  'messages': (Buffer)[];
}
