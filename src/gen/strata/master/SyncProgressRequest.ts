// Original file: proto/master.proto


export interface SyncProgressRequest {
  'progressId'?: (string);
}

export interface SyncProgressRequest__Output {
  'progressId': (string);
}
