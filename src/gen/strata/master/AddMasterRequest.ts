// Original file: proto/master.proto


export interface AddMasterRequest {
  'id'?: (string);
  'address'?: (string);
}

export interface AddMasterRequest__Output {
  'id': (string);
  'address': (string);
}
