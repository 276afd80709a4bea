// Original file: proto/master.proto

import type { PeerInfo as _strata_master_PeerInfo, PeerInfo__Output as _strata_master_PeerInfo__Output } from '../../strata/master/PeerInfo';

export interface MembershipResponse {
  'peers'?: (_strata_master_PeerInfo)[];
  'leaderId'?: (string);
}

export interface MembershipResponse__Output {
  'peers': (_strata_master_PeerInfo__Output)[];
  'leaderId': (string);
}
