// Original file: proto/master.proto


export interface GetStatusRequest {
  'path'?: (string);
}

export interface GetStatusRequest__Output {
  'path': (string);
}
