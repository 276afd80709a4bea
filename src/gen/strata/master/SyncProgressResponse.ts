// Original file: proto/master.proto

import type { Long } from '@grpc/proto-loader';

export interface SyncProgressResponse {
  'running'?: (boolean);
  'entries'?: (number | string | Long);
  'directories'?: (number | string | Long);
}

export interface SyncProgressResponse__Output {
  'running': (boolean);
  'entries': (number);
  'directories': (number);
}
