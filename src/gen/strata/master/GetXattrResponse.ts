// Original file: proto/master.proto


export interface GetXattrResponse {
  'value'?: (Buffer | Uint8Array | string);
}

export interface GetXattrResponse__Output {
  'value': (Buffer);
}
