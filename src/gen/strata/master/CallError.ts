// Original file: proto/master.proto


export interface CallError {
  'code'?: (string);
  'message'?: (string);
  'leaderAddress'?: (string);
}

export interface CallError__Output {
  'code': (string);
  'message': (string);
  'leaderAddress': (string);
}
