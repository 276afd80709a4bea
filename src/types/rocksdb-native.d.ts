// The subset of rocksdb-native (which ships no types) that strata uses.
declare module 'rocksdb-native' {
  interface Range {
    gt?: Buffer;
    gte?: Buffer;
    lt?: Buffer;
    lte?: Buffer;
    limit?: number;
    reverse?: boolean;
    /** Entries per native read (default 8). */
    capacity?: number;
  }
  interface ReadBatch {
    get(key: Buffer): Promise<Buffer | null>;
    tryFlush(): void;
    flush(): Promise<void>;
    destroy(): void;
  }
  interface WriteBatch {
    tryPut(key: Buffer, value: Buffer): void;
    tryDelete(key: Buffer): void;
    tryDeleteRange(start: Buffer, end: Buffer): void;
    flush(): Promise<void>;
    destroy(): void;
  }
  /** A streamx Readable of rows. */
  interface Iterator extends AsyncIterable<{ key: Buffer; value: Buffer }> {
    readonly destroyed: boolean;
    destroy(err?: Error): void;
    once(event: 'close', listener: () => void): this;
  }
  interface Options {
    writeBufferSize?: number;
    maxWriteBufferNumber?: number;
    maxBackgroundJobs?: number;
    maxOpenFiles?: number;
  }
  class RocksDB {
    constructor(path: string, options?: Options);
    ready(): Promise<void>;
    close(): Promise<void>;
    read(options?: { capacity?: number }): ReadBatch;
    write(options?: { capacity?: number }): WriteBatch;
    get(key: Buffer): Promise<Buffer | null>;
    put(key: Buffer, value: Buffer): Promise<void>;
    iterator(range: Range): Iterator;
    snapshot(): RocksDB;
    flush(): Promise<void>;
    getProperty(name: string): Promise<unknown>;
  }
  export = RocksDB;
}
