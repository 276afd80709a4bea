// Defaults and the places configuration comes from, in one spot.

export const DEFAULT_MASTER_PORT = 19998;
export const DEFAULT_MASTER_ADDRESS = `127.0.0.1:${DEFAULT_MASTER_PORT}`;

/** --masters, else STRATA_MASTERS, else the default address (CLI.md). */
export function mastersFrom(option: string | undefined, env = process.env): string[] {
  const raw = option ?? env.STRATA_MASTERS ?? DEFAULT_MASTER_ADDRESS;
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return list.length > 0 ? list : [DEFAULT_MASTER_ADDRESS];
}

export interface MasterConfig {
  dataDir: string;
  /** This master's Raft id ('1' for a lone master). */
  id: string;
  /** Every member of the group, this one included; empty for a lone master. */
  peers: Array<{ id: string; address: string }>;
  /** Raft tick length and election timeout in ticks (randomised in [n, 2n)). */
  raftTickMs: number;
  raftElectionTicks: number;
  /** Applied entries between Raft log compactions (and entries kept behind for slow followers: a tenth). */
  raftCompactEvery: number;
  /** Bytes of applied entry data that also trigger a compaction (keeps the in-memory log bounded). */
  raftCompactBytes: number;
  /** start() waits up to this long for the master to serve (0: return at once). */
  waitForLeadMs: number;
  host: string;
  port: number;
  /** Root under store for a fresh format (ignored once formatted). */
  rootUfs: string;
  inodeCacheEntries: number;
  edgeCacheEntries: number;
  /** RocksDB memtable size in bytes (two at most). */
  writeBufferBytes: number;
}
