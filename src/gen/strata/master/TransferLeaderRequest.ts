// Original file: proto/master.proto


export interface TransferLeaderRequest {
  'id'?: (string);
}

export interface TransferLeaderRequest__Output {
  'id': (string);
}
