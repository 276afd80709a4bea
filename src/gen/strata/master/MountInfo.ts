// Original file: proto/master.proto

import type { Long } from '@grpc/proto-loader';

export interface MountInfo {
  'path'?: (string);
  'ufsUri'?: (string);
  'readOnly'?: (boolean);
  'options'?: ({[key: string]: string});
  'mountId'?: (number | string | Long);
}

export interface MountInfo__Output {
  'path': (string);
  'ufsUri': (string);
  'readOnly': (boolean);
  'options': ({[key: string]: string});
  'mountId': (number);
}
