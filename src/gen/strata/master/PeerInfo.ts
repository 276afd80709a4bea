// Original file: proto/master.proto


export interface PeerInfo {
  'id'?: (string);
  'address'?: (string);
}

export interface PeerInfo__Output {
  'id': (string);
  'address': (string);
}
