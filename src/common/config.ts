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
  host: string;
  port: number;
  /** Root under store for a fresh format (ignored once formatted). */
  rootUfs: string;
  inodeCacheEntries: number;
  edgeCacheEntries: number;
  /** RocksDB memtable size in bytes (two at most). */
  writeBufferBytes: number;
}
