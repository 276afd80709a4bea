// Original file: proto/master.proto

import type { Long } from '@grpc/proto-loader';

export interface SyncResponse {
  'directories'?: (number | string | Long);
  'added'?: (number | string | Long);
  'removed'?: (number | string | Long);
  'updated'?: (number | string | Long);
  'unchanged'?: (number | string | Long);
}

export interface SyncResponse__Output {
  'directories': (number);
  'added': (number);
  'removed': (number);
  'updated': (number);
  'unchanged': (number);
}
