// Original file: proto/master.proto

import type { Long } from '@grpc/proto-loader';

export interface ListStatusRequest {
  'path'?: (string);
  'startAfter'?: (string);
  'limit'?: (number);
  'ifChanged'?: (boolean);
  'knownVersion'?: (number | string | Long);
  'compact'?: (boolean);
  'knownId'?: (number | string | Long);
  'syncIntervalMs'?: (number | string | Long);
  '_syncIntervalMs'?: "syncIntervalMs";
}

export interface ListStatusRequest__Output {
  'path': (string);
  'startAfter': (string);
  'limit': (number);
  'ifChanged': (boolean);
  'knownVersion': (number);
  'compact': (boolean);
  'knownId': (number);
  'syncIntervalMs'?: (number);
  '_syncIntervalMs'?: "syncIntervalMs";
}
