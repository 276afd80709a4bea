// Original file: proto/master.proto

import type { Long } from '@grpc/proto-loader';

export interface GetMountCredentialsRequest {
  'mountId'?: (number | string | Long);
  'clusterToken'?: (string);
}

export interface GetMountCredentialsRequest__Output {
  'mountId': (number);
  'clusterToken': (string);
}
