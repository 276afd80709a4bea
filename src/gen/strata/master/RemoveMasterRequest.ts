// Original file: proto/master.proto


export interface RemoveMasterRequest {
  'id'?: (string);
}

export interface RemoveMasterRequest__Output {
  'id': (string);
}
