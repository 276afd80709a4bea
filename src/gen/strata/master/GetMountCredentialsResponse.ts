// Original file: proto/master.proto


export interface GetMountCredentialsResponse {
  'options'?: ({[key: string]: string});
}

export interface GetMountCredentialsResponse__Output {
  'options': ({[key: string]: string});
}
