// Original file: proto/master.proto

import type { Long } from '@grpc/proto-loader';

export interface GetStatusRequest {
  'path'?: (string);
  'syncIntervalMs'?: (number | string | Long);
  'register'?: (boolean);
  '_syncIntervalMs'?: "syncIntervalMs";
}

export interface GetStatusRequest__Output {
  'path': (string);
  'syncIntervalMs'?: (number);
  'register': (boolean);
  '_syncIntervalMs'?: "syncIntervalMs";
}
