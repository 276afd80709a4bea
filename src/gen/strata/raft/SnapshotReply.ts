// Original file: proto/raft.proto


export interface SnapshotReply {
  'accepted'?: (boolean);
}

export interface SnapshotReply__Output {
  'accepted': (boolean);
}
