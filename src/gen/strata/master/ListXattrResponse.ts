// Original file: proto/master.proto


export interface ListXattrResponse {
  'names'?: (string)[];
}

export interface ListXattrResponse__Output {
  'names': (string)[];
}
