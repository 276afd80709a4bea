// Original file: proto/raft.proto


export interface SnapshotChunk {
  'header'?: (Buffer | Uint8Array | string);
  'data'?: (Buffer | Uint8Array | string);
  'last'?: (boolean);
}

export interface SnapshotChunk__Output {
  'header': (Buffer);
  'data': (Buffer);
  'last': (boolean);
}
