// Original file: proto/master.proto

import type { PeerInfo as _strata_master_PeerInfo, PeerInfo__Output as _strata_master_PeerInfo__Output } from '../../strata/master/PeerInfo';
import type { Long } from '@grpc/proto-loader';

export interface MasterInfo {
  'id'?: (string);
  'address'?: (string);
  'role'?: (string);
  'term'?: (number | string | Long);
  'commitIndex'?: (number | string | Long);
  'appliedIndex'?: (number | string | Long);
  'leaderId'?: (string);
  'leaderAddress'?: (string);
  'peers'?: (_strata_master_PeerInfo)[];
  'version'?: (string);
  'startTimeMs'?: (number | string | Long);
  'inodeCount'?: (number | string | Long);
  'rssBytes'?: (number | string | Long);
  'heapUsedBytes'?: (number | string | Long);
  'logFirstIndex'?: (number | string | Long);
}

export interface MasterInfo__Output {
  'id': (string);
  'address': (string);
  'role': (string);
  'term': (number);
  'commitIndex': (number);
  'appliedIndex': (number);
  'leaderId': (string);
  'leaderAddress': (string);
  'peers': (_strata_master_PeerInfo__Output)[];
  'version': (string);
  'startTimeMs': (number);
  'inodeCount': (number);
  'rssBytes': (number);
  'heapUsedBytes': (number);
  'logFirstIndex': (number);
}
