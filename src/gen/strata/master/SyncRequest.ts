// Original file: proto/master.proto


export interface SyncRequest {
  'path'?: (string);
  'recursive'?: (boolean);
  'progressId'?: (string);
}

export interface SyncRequest__Output {
  'path': (string);
  'recursive': (boolean);
  'progressId': (string);
}
