// RocksDB under the master: the key layout, batched reads and atomic write
// batches. Everything lives in the default column family under one-byte key
// prefixes, because a rocksdb-native write batch is bound to one column
// family, and one applied journal entry (or group of entries) must be one
// atomic batch together with the applied index.
//
//   I <ino:u64be>                       -> inode (inode.ts encoding)
//   E <parent:u64be> <name:utf8>        -> <child:u64be>
//   M <name:utf8>                       -> metadata: 'applied' (u64be), 'format' (JSON)
//   C <clientId:utf8> 0x00 <seq:u64be>  -> reply of a mutating call (JSON), for retries
//   T <mountId:u64be>                   -> mount table entry (JSON)
//   G <ino:u64be>                       -> '' : a detached subtree still to be swept (recursive delete)
//   P <intent:u64be>                    -> JSON strata paths an under store change is touching (see intents)
//   X <ino:u64be> <name:utf8>           -> extended attribute value (raw bytes); deleted with the inode
//
// Ids are big-endian so that scans are ordered; a directory listing is one
// prefix scan of E<parent>, already sorted by the names' bytes.
//
// rocksdb-native facts this file designs around (measured here, 3.18): an
// awaited single get costs ~45 µs but a read batch of 1,000 ~7 µs a key, so
// concurrent gets are coalesced into one read batch per turn of the event
// loop; `sync: true` on a write is ignored, which is fine since the journal's
// fdatasync is what makes a change durable; a batch that is not destroyed
// makes close() hang, so every batch is destroyed in a finally.

import RocksDB from 'rocksdb-native';
import { ErrorCode, StrataError } from '../common/errors';

export const Prefix = { INODE: 0x49, EDGE: 0x45, META: 0x4d, CALLER: 0x43, MOUNT: 0x54, TRASH: 0x47, INTENT: 0x50, XATTR: 0x58 } as const;

/** <prefix><id:u64be>, followed by a UTF-8 name when given. */
function idKey(prefix: number, id: number | bigint, name = ''): Buffer {
  const key = Buffer.allocUnsafe(9 + Buffer.byteLength(name));
  key[0] = prefix;
  key.writeBigUInt64BE(BigInt(id), 1);
  if (name !== '') key.write(name, 9, 'utf8');
  return key;
}

/** [gte, lt) bounds of every key under <prefix><id>. */
function idRange(prefix: number, id: number): { gte: Buffer; lt: Buffer } {
  return { gte: idKey(prefix, id), lt: idKey(prefix, BigInt(id) + 1n) };
}

export function inodeKey(id: number): Buffer {
  return idKey(Prefix.INODE, id);
}

export function edgeKey(parent: number, name: string): Buffer {
  return idKey(Prefix.EDGE, parent, name);
}

/** [gte, lt) bounds of all edges of one directory. */
export function edgeRange(parent: number): { gte: Buffer; lt: Buffer } {
  return idRange(Prefix.EDGE, parent);
}

export function edgeNameOf(key: Buffer): string {
  return key.toString('utf8', 9);
}

export function metaKey(name: string): Buffer {
  return Buffer.concat([Buffer.from([Prefix.META]), Buffer.from(name, 'utf8')]);
}

export function callerKey(clientId: string, seq: number): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const key = Buffer.allocUnsafe(1 + id.length + 1 + 8);
  key[0] = Prefix.CALLER;
  id.copy(key, 1);
  key[1 + id.length] = 0;
  key.writeBigUInt64BE(BigInt(seq), 2 + id.length);
  return key;
}

export function mountKey(mountId: number): Buffer {
  return idKey(Prefix.MOUNT, mountId);
}

export function trashKey(id: number): Buffer {
  return idKey(Prefix.TRASH, id);
}

export function intentKey(id: number): Buffer {
  return idKey(Prefix.INTENT, id);
}

export function xattrKey(id: number, name: string): Buffer {
  return idKey(Prefix.XATTR, id, name);
}

/** [gte, lt) bounds of all extended attributes of one inode. */
export function xattrRange(id: number): { gte: Buffer; lt: Buffer } {
  return idRange(Prefix.XATTR, id);
}

export function u64(value: number): Buffer {
  const buf = Buffer.allocUnsafe(8);
  buf.writeBigUInt64BE(BigInt(value));
  return buf;
}

export function readU64(buf: Buffer, offset = 0): number {
  return Number(buf.readBigUInt64BE(offset));
}

export type WriteOp =
  | { kind: 'put'; key: Buffer; value: Buffer }
  | { kind: 'delete'; key: Buffer }
  | { kind: 'deleteRange'; gte: Buffer; lt: Buffer };

export interface RocksStoreOptions {
  /** Memtable size; RocksDB keeps at most two, so this bounds write memory. */
  writeBufferBytes?: number;
}

interface PendingGet {
  key: Buffer;
  resolve: (value: Buffer | null) => void;
  reject: (err: unknown) => void;
}

export class RocksStore {
  private readonly db: RocksDB;
  private pendingGets: PendingGet[] = [];
  private flushScheduled = false;
  private closed = false;

  constructor(readonly path: string, options: RocksStoreOptions = {}) {
    this.db = new RocksDB(path, {
      writeBufferSize: options.writeBufferBytes ?? 32 * 1024 * 1024,
      maxWriteBufferNumber: 2,
      maxBackgroundJobs: 2,
    });
  }

  async open(): Promise<void> {
    await this.db.ready();
  }

  /** One key; concurrent calls in one turn of the event loop share a read batch. */
  get(key: Buffer): Promise<Buffer | null> {
    if (this.closed) return Promise.reject(new StrataError(ErrorCode.CLOSED, 'store is closed'));
    return new Promise((resolve, reject) => {
      this.pendingGets.push({ key, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushGets());
      }
    });
  }

  private flushGets(): void {
    this.flushScheduled = false;
    const gets = this.pendingGets;
    this.pendingGets = [];
    if (gets.length === 0) return;
    const batch = this.db.read({ capacity: gets.length });
    const results = gets.map((g) => batch.get(g.key));
    batch.tryFlush();
    Promise.allSettled(results).then((settled) => {
      batch.destroy();
      settled.forEach((s, i) => {
        if (s.status === 'fulfilled') gets[i].resolve(s.value);
        else gets[i].reject(s.reason);
      });
    }, (err: unknown) => {
      batch.destroy();
      for (const g of gets) g.reject(err);
    });
  }

  /** Applies the operations as one atomic batch. */
  async write(ops: readonly WriteOp[]): Promise<void> {
    if (this.closed) throw new StrataError(ErrorCode.CLOSED, 'store is closed');
    const batch = this.db.write({ capacity: Math.max(ops.length, 1) });
    try {
      for (const op of ops) {
        if (op.kind === 'put') batch.tryPut(op.key, op.value);
        else if (op.kind === 'delete') batch.tryDelete(op.key);
        else batch.tryDeleteRange(op.gte, op.lt);
      }
      await batch.flush();
    } finally {
      batch.destroy();
    }
  }

  /** Keys and values in [gte, lt) (or (gt, lt)), in key order, at most limit. */
  async scan(range: { gte?: Buffer; gt?: Buffer; lt: Buffer }, limit: number): Promise<Array<{ key: Buffer; value: Buffer }>> {
    const out: Array<{ key: Buffer; value: Buffer }> = [];
    // capacity: entries fetched per native round trip (rocksdb-native's default is 8).
    for await (const entry of this.db.iterator({ ...range, limit, capacity: Math.max(8, Math.min(limit, 1024)) })) {
      out.push({ key: entry.key, value: entry.value });
    }
    return out;
  }

  /** The last entry in [gte, lt), or null. */
  async last(range: { gte: Buffer; lt: Buffer }): Promise<{ key: Buffer; value: Buffer } | null> {
    for await (const entry of this.db.iterator({ ...range, reverse: true, limit: 1 })) {
      return { key: entry.key, value: entry.value };
    }
    return null;
  }

  /** Iterates a range without limit (snapshots, recursive walks). */
  iterate(range: { gte?: Buffer; gt?: Buffer; lt: Buffer }): AsyncIterable<{ key: Buffer; value: Buffer }> {
    return this.db.iterator({ ...range, capacity: 1024 });
  }

  /**
   * A range scan and then point reads that all see one moment of the store
   * (a RocksDB snapshot): for reads that must not mix two states, such as a
   * directory page (edges, then the inodes they name).
   */
  async readAtOnce<T>(read: (view: { scan: RocksStore['scan']; getMany: (keys: Buffer[]) => Promise<Array<Buffer | null>> }) => Promise<T>): Promise<T> {
    if (this.closed) throw new StrataError(ErrorCode.CLOSED, 'store is closed');
    const session = this.db.snapshot();
    try {
      return await read({
        scan: async (range, limit) => {
          const out: Array<{ key: Buffer; value: Buffer }> = [];
          for await (const entry of session.iterator({ ...range, limit, capacity: Math.max(8, Math.min(limit, 1024)) })) {
            out.push({ key: entry.key, value: entry.value });
          }
          return out;
        },
        getMany: async (keys) => {
          if (keys.length === 0) return [];
          const batch = session.read({ capacity: keys.length });
          try {
            const values = keys.map((k) => batch.get(k));
            batch.tryFlush();
            return await Promise.all(values);
          } finally {
            batch.destroy();
          }
        },
      });
    } finally {
      await session.close();
    }
  }

  /**
   * Every key and value as of this call (a RocksDB snapshot taken now), in
   * key order: what a Raft snapshot sends. Call release() when done.
   */
  openSnapshot(): { rows: AsyncIterable<{ key: Buffer; value: Buffer }>; release: () => Promise<void> } {
    if (this.closed) throw new StrataError(ErrorCode.CLOSED, 'store is closed');
    const session = this.db.snapshot();
    const rows = session.iterator({ gte: Buffer.alloc(0), lt: Buffer.from([0xff]), capacity: 1024 });
    return {
      rows,
      // The iterator holds the snapshot and a handle that RocksDB's close
      // waits for: destroy it first, whether or not it was read to the end.
      release: async () => {
        if (!rows.destroyed) {
          const closed = new Promise<void>((resolve) => rows.once('close', () => resolve()));
          rows.destroy();
          await closed;
        }
        await session.close();
      },
    };
  }

  /** Flushes the memtables to SST files, so the journal before this point can go. */
  async flushMemtables(): Promise<void> {
    await this.db.flush();
  }

  async property(name: string): Promise<string> {
    return String(await this.db.getProperty(name));
  }

  /** Safe to call twice. Pending reads are answered first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flushGets();
    await this.db.close();
  }
}
