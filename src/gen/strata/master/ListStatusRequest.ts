// Original file: proto/master.proto


export interface ListStatusRequest {
  'path'?: (string);
  'startAfter'?: (string);
  'limit'?: (number);
}

export interface ListStatusRequest__Output {
  'path': (string);
  'startAfter': (string);
  'limit': (number);
}
