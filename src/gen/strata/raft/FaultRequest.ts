// Original file: proto/raft.proto


export interface FaultRequest {
  'dropPeers'?: (string)[];
}

export interface FaultRequest__Output {
  'dropPeers': (string)[];
}
