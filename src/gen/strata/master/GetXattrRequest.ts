// Original file: proto/master.proto


export interface GetXattrRequest {
  'path'?: (string);
  'name'?: (string);
}

export interface GetXattrRequest__Output {
  'path': (string);
  'name': (string);
}
