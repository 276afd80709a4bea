// Original file: proto/master.proto


export interface ListXattrRequest {
  'path'?: (string);
}

export interface ListXattrRequest__Output {
  'path': (string);
}
