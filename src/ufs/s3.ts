// The S3 under store: an s3://bucket/prefix on any S3-compatible object store,
// through @aws-sdk/client-s3. Owns the mapping of store paths to object keys,
// directories as prefixes, listings in name order, multipart uploads, and the
// copy-then-delete renames.
//
// Keys. Store path 'a/b' is the key '<prefix>/a/b' ('a/b' with no prefix).
// A directory is a prefix: it exists while some key starts with 'a/'; mkdir
// writes an empty marker object 'a/' so that an empty directory exists too,
// and a delete or rename that empties a directory leaves its parent's marker.
// Where an object 'a' and keys 'a/…' both exist (other tools allow it), 'a'
// is the file, in stat and in list alike. No symlinks.
//
// Attributes. S3 has no modes or owners: strata keeps them as object
// metadata (s3-attributes.ts), a file's on its object, written with it, a
// directory's on its marker. setAttributes rewrites them with a copy of the
// object onto itself (s3-copy.ts); writes, renames and truncates keep them.
// Without metadata a file is 0o644 and a directory 0o755, owned by nobody in
// particular (no uid/gid). A listing carries no metadata: its entries say
// attributesUnread, unless the store was opened with list_attributes=true,
// which reads them (a HEAD per entry, so off by default).
//
// Renames are not atomic. A file is CopyObject then DeleteObject; a directory
// is every object copied, then every source object deleted. A crash in
// between leaves both (a file) or the destination partly copied next to a
// whole source (a directory), or the source partly deleted next to a whole
// destination; resumeRename finishes it (copies only what the destination
// lacks, then deletes the source; idempotent). The master journals an intent
// before the rename and, after a crash, finishes a rename found half done
// (src/master/under-store-sync.ts, reconcileRename).
//
// Consistency: S3 has had strong read-after-write consistency since 2020,
// and so do most S3-compatible stores; nothing here waits for listings to
// catch up.

import { createReadStream, promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart, HeadObjectCommandOutput, ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { ErrorCode, StrataError } from '../common/errors';
import { MAX_PATH_BYTES } from '../common/paths';
import { fsErrorToStrata, splitStorePath } from './local';
import { isS3NotFound, s3ErrorToStrata, s3HttpStatus } from './s3-errors';
import { NameOrder } from './s3-listing';
import { attributesOf, S_IFDIR, S_IFREG, withAttributes } from './s3-attributes';
import { copyObject, MAX_SINGLE_COPY } from './s3-copy';
import { FencedHttpHandler } from './s3-fenced-handler';
import type { StoreChangeGuard, UfsAttributeChange, UfsAttributes, UfsOwner, UfsStatus, UnderStore, UnderStoreOptions } from './under-store';

const FILE_MODE = 0o644;
const DIR_MODE = 0o755;
const MIB = 1024 * 1024;
/** S3's smallest part (all but the last) and largest part count. */
const MIN_PART_SIZE = 5 * MIB;
const MAX_PARTS = 10_000;
const DEFAULT_PART_SIZE = 8 * MIB;
/** Keys per DeleteObjects request (the S3 maximum). */
const DELETE_BATCH = 1000;
/** Copies in flight during a directory rename. */
const COPY_CONCURRENCY = 8;
/** HEADs in flight per listing page with list_attributes. */
const HEAD_CONCURRENCY = 16;

/** Everything an S3 store is opened with; parsed from the URI and mount options by s3ConfigFrom. */
export interface S3StoreConfig {
  bucket: string;
  /** '' or 'a/b' (no leading or trailing '/'). */
  prefix: string;
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** A profile of this machine's AWS config files, for when no keys are given (each client resolves its own). */
  profile?: string;
  pathStyle: boolean;
  /**
   * 'WHEN_REQUIRED' (the default here): checksums only where S3 demands them.
   * With the SDK's own default, 'WHEN_SUPPORTED', a streamed upload is framed
   * as aws-chunked, which s3rver and other S3-compatible stores keep inside
   * the object instead of decoding.
   */
  checksums: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';
  /** Uploads larger than this go in parts of this size. */
  partSize: number;
  /** Copies (renames, attribute updates) of objects larger than this go in parts (UploadPartCopy). */
  copyThreshold: number;
  /** Whether list() reads each entry's attributes (a HEAD per entry) instead of reporting defaults. */
  listAttributes: boolean;
  readOnly: boolean;
  /** A master's stores: asked before every request that changes the bucket (s3-fenced-handler.ts). */
  guard?: StoreChangeGuard;
}

function flag(value: string | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new StrataError(ErrorCode.INVALID_ARGUMENT, `option ${name} must be true or false, not '${value}'`);
}

/**
 * The config of s3://bucket/prefix with the mount options CLI.md lists
 * (endpoint, region, access_key, secret_key, path_style) and checksums,
 * part_size. Other options (sync_interval_ms, …) belong to others and are ignored.
 */
export function s3ConfigFrom(bucket: string, path: string, opts: UnderStoreOptions): S3StoreConfig {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(bucket)) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `s3://${bucket}${path}: '${bucket}' is not a bucket name (s3://bucket/prefix)`);
  }
  const trimmed = path.replace(/^\/+/, '').replace(/\/$/, '');
  if (trimmed !== '') splitStorePath(trimmed); // canonical components: no '', '.', '..'
  const o = opts.options ?? {};
  // A client sees the mount table with credentials redacted ('******'): unless
  // the master hands it the secrets (a cluster token, client/file-system.ts),
  // it uses its own: the option profile, else the SDK's default chain.
  const given = (v: string | undefined): string | undefined => (v === undefined || v === '' || /^\*+$/.test(v) ? undefined : v);
  const accessKeyId = given(o.access_key);
  const secretAccessKey = given(o.secret_key);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'options access_key and secret_key go together');
  }
  const checksums = (o.checksums ?? 'when_required').toUpperCase();
  if (checksums !== 'WHEN_REQUIRED' && checksums !== 'WHEN_SUPPORTED') {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `option checksums must be when_required or when_supported, not '${o.checksums}'`);
  }
  const partSize = o.part_size === undefined ? DEFAULT_PART_SIZE : Number(o.part_size);
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `option part_size must be a number of bytes, at least ${MIN_PART_SIZE}`);
  }
  const copyThreshold = o.multipart_copy_threshold === undefined ? MAX_SINGLE_COPY : Number(o.multipart_copy_threshold);
  if (!Number.isSafeInteger(copyThreshold) || copyThreshold < MIN_PART_SIZE || copyThreshold > MAX_SINGLE_COPY) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `option multipart_copy_threshold must be a number of bytes, ${MIN_PART_SIZE}..${MAX_SINGLE_COPY}`);
  }
  if (o.endpoint !== undefined && o.endpoint !== '' && !/^https?:\/\/[^/]+\/?$/.test(o.endpoint)) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `option endpoint must be http(s)://host[:port], not '${o.endpoint}'`);
  }
  return {
    bucket,
    prefix: trimmed,
    endpoint: o.endpoint || undefined,
    region: o.region || 'us-east-1',
    accessKeyId,
    secretAccessKey,
    profile: o.profile || undefined,
    pathStyle: flag(o.path_style, 'path_style', false),
    checksums,
    partSize,
    copyThreshold,
    listAttributes: flag(o.list_attributes, 'list_attributes', false),
    readOnly: opts.readOnly === true,
    guard: opts.guard,
  };
}

function checkMode(mode: unknown): void {
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `mode ${String(mode)} is not within 0..07777`);
  }
}

function checkCount(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${what} ${String(value)} is not a non-negative integer`);
  }
  return value;
}

/** ETags arrive quoted; the fingerprint is the bare value. */
function etagOf(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

/** Owner and group where the metadata has them (left out, not undefined, where not: statuses are compared whole). */
function ownerOf(attrs: UfsAttributes): Pick<UfsStatus, 'uid' | 'gid'> {
  return { ...(attrs.uid === undefined ? {} : { uid: attrs.uid }), ...(attrs.gid === undefined ? {} : { gid: attrs.gid }) };
}

/** A directory's status; metadata is its marker's, if it has one. */
function dirStatus(name: string, metadata?: Record<string, string>): UfsStatus {
  const attrs = attributesOf(metadata);
  return { name, type: 'dir', size: 0, mtimeMs: 0, mode: attrs.mode ?? DIR_MODE, fingerprint: 'dir', ...ownerOf(attrs) };
}

function fileStatus(name: string, size: number | undefined, modified: Date | undefined, etag: string | undefined, metadata?: Record<string, string>): UfsStatus {
  const attrs = attributesOf(metadata);
  return {
    name,
    type: 'file',
    size: size ?? 0,
    mtimeMs: attrs.mtimeMs ?? modified?.getTime() ?? 0,
    mode: attrs.mode ?? FILE_MODE,
    fingerprint: etagOf(etag),
    ...ownerOf(attrs),
  };
}

/** The status a HEAD of a file's object reports. */
function headStatus(name: string, head: HeadObjectCommandOutput): UfsStatus {
  return fileStatus(name, head.ContentLength, head.LastModified, head.ETag, head.Metadata);
}

/** The metadata a file is written with. */
function fileMetadata(mode: number, owner: UfsOwner | undefined): Record<string, string> {
  return withAttributes(undefined, S_IFREG, { mode, ...(owner === undefined ? {} : { uid: owner.uid, gid: owner.gid }) });
}

/** Chunks of a byte stream as Buffers, refusing anything else. */
async function* bytesOf(stream: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    if (typeof chunk === 'string') yield Buffer.from(chunk);
    else if (chunk instanceof Uint8Array) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'write stream yielded a non-byte chunk');
  }
}

/** Regroups a byte stream into Buffers of exactly size bytes (the last may be shorter, never empty). */
export async function* partsOf(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  for await (let chunk of chunks) {
    while (have + chunk.length >= size) {
      const take = size - have;
      parts.push(chunk.subarray(0, take));
      yield Buffer.concat(parts);
      chunk = chunk.subarray(take);
      parts = [];
      have = 0;
    }
    if (chunk.length > 0) {
      parts.push(chunk);
      have += chunk.length;
    }
  }
  if (have > 0) yield Buffer.concat(parts);
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function* flatten<T>(pages: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const page of pages) yield* page;
}

export class S3UnderStore implements UnderStore {
  readonly uri: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  /** '' or 'prefix/': what every key of this store starts with. */
  private readonly root: string;
  private readonly secrets: string[];
  private closed = false;

  /** Makes the client without contacting the store; see open() for the checked way. */
  constructor(private readonly config: S3StoreConfig) {
    this.bucket = config.bucket;
    this.root = config.prefix === '' ? '' : config.prefix + '/';
    this.uri = `s3://${config.bucket}${config.prefix === '' ? '' : '/' + config.prefix}`;
    this.secrets = [config.secretAccessKey ?? '', config.accessKeyId ?? ''];
    // strata supports Node 20 (package.json engines); the SDK would warn about it on every start.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.pathStyle,
      credentials:
        config.accessKeyId !== undefined && config.secretAccessKey !== undefined
          ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
          : undefined, // the SDK's default chain: environment, profile, instance role
      profile: config.profile,
      requestChecksumCalculation: config.checksums,
      responseChecksumValidation: config.checksums,
      maxAttempts: 3,
      requestHandler:
        config.guard === undefined
          ? { connectionTimeout: 5_000, requestTimeout: 120_000 }
          : new FencedHttpHandler({ connectionTimeout: 5_000, requestTimeout: 120_000 }, config.guard),
    });
  }

  /**
   * Opens the store after checking that the bucket exists and the credentials
   * work (HeadBucket), so a bad mount is refused at once with a clear error.
   */
  static async open(config: S3StoreConfig): Promise<S3UnderStore> {
    const store = new S3UnderStore(config);
    try {
      await store.client.send(new HeadBucketCommand({ Bucket: config.bucket }));
    } catch (err) {
      store.client.destroy();
      const e = s3ErrorToStrata(err, `under store ${store.uri}: cannot open bucket ${config.bucket}`, store.secrets);
      const status = s3HttpStatus(err);
      if (status === 403 || e.code === ErrorCode.PERMISSION_DENIED) {
        throw new StrataError(ErrorCode.PERMISSION_DENIED, `under store ${store.uri}: access to bucket ${config.bucket} denied (check access_key and secret_key)`);
      }
      if (status === 404 || e.code === ErrorCode.NOT_FOUND) {
        throw new StrataError(ErrorCode.NOT_FOUND, `under store ${store.uri}: bucket ${config.bucket} does not exist`);
      }
      throw e;
    }
    return store;
  }

  async stat(path: string): Promise<UfsStatus | null> {
    const names = this.begin(path, false);
    if (names.length === 0) return dirStatus(''); // a bucket's prefix needs no creating: the root always exists
    return this.run('stat', path, () => this.statKey(names));
  }

  async *list(path: string, pageSize = 1000): AsyncIterable<UfsStatus[]> {
    const names = this.begin(path, false);
    if (checkCount(pageSize, 'page size') === 0) throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'page size must be at least 1');
    const dirPrefix = names.length === 0 ? this.root : this.key(names) + '/';
    const order = new NameOrder<UfsStatus>();
    let out: UfsStatus[] = [];
    let seenAny = false;
    let token: string | undefined;
    do {
      this.checkOpen();
      const page: ListObjectsV2CommandOutput = await this.run('list', path, () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: dirPrefix, Delimiter: '/', MaxKeys: Math.min(pageSize, 1000), ContinuationToken: token }),
        ),
      );
      const objects = page.Contents ?? [];
      const prefixes = page.CommonPrefixes ?? [];
      if (objects.length > 0 || prefixes.length > 0) seenAny = true;
      // Each array is in key order; merge them, then into name order.
      let i = 0;
      let j = 0;
      while (i < objects.length || j < prefixes.length) {
        const objKey = i < objects.length ? (objects[i].Key ?? '').slice(dirPrefix.length) : null;
        const preKey = j < prefixes.length ? (prefixes[j].Prefix ?? '').slice(dirPrefix.length) : null;
        const takeObject = preKey === null || (objKey !== null && Buffer.compare(Buffer.from(objKey), Buffer.from(preKey)) < 0);
        if (takeObject && objKey !== null) {
          const o = objects[i++];
          if (objKey === '' || objKey.includes('/')) continue; // the directory's own marker
          const value: UfsStatus = { ...fileStatus(objKey, o.Size, o.LastModified, o.ETag), attributesUnread: true };
          out.push(...order.push({ key: objKey, name: objKey, isDir: false, value }));
        } else if (preKey !== null) {
          j++;
          const name = preKey.slice(0, -1);
          if (name === '' || name.includes('/')) continue; // 'dir//…': no name strata could hold
          out.push(...order.push({ key: preKey, name, isDir: true, value: { ...dirStatus(name), attributesUnread: true } }));
        }
      }
      while (out.length >= pageSize) yield await this.readAttributes(out.splice(0, pageSize), dirPrefix);
      if (page.IsTruncated === true && (page.NextContinuationToken ?? '') === '') {
        throw new StrataError(ErrorCode.IO, `${this.uri}: list ${path}: truncated listing without a continuation token`);
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    out.push(...order.end());
    if (!seenAny && names.length > 0) {
      // Nothing at all under the prefix, not even a marker: a file, or nothing.
      const st = await this.run('list', path, () => this.statKey(names));
      if (st === null) throw new StrataError(ErrorCode.NOT_FOUND, `${this.uri}: list ${path}: no such directory`);
      if (st.type !== 'dir') throw new StrataError(ErrorCode.NOT_DIRECTORY, `${this.uri}: list ${path}: not a directory`);
    }
    while (out.length > 0) yield await this.readAttributes(out.splice(0, pageSize), dirPrefix);
  }

  /** With list_attributes, each entry's status as stat reports it (its object's or marker's HEAD); else the page as it is. */
  private async readAttributes(page: UfsStatus[], dirPrefix: string): Promise<UfsStatus[]> {
    if (!this.config.listAttributes) return page;
    await mapLimit(
      page.map((_, i) => i),
      HEAD_CONCURRENCY,
      async (i) => {
        const entry = page[i];
        const key = dirPrefix + entry.name + (entry.type === 'dir' ? '/' : '');
        const head = await this.run('list', dirPrefix + entry.name, () => this.headOrNull(key));
        if (head === null) {
          const { attributesUnread: _, ...rest } = entry; // a directory without a marker (or an object gone meanwhile)
          page[i] = rest;
        } else {
          page[i] = entry.type === 'dir' ? dirStatus(entry.name, head.Metadata) : headStatus(entry.name, head);
        }
      },
    );
    return page;
  }

  async mkdir(path: string, mode: number, recursive: boolean, owner?: UfsOwner): Promise<void> {
    const names = this.begin(path, true);
    checkMode(mode);
    const attrs = { mode, ...(owner === undefined ? {} : { uid: checkCount(owner.uid, 'uid'), gid: checkCount(owner.gid, 'gid') }) };
    await this.run('mkdir', path, async () => {
      if (names.length === 0) {
        if (recursive) return;
        throw new StrataError(ErrorCode.EXISTS, `${this.uri}: the root directory exists`);
      }
      if (!recursive) {
        await this.requireParentDir(names, path);
        if ((await this.statKey(names)) !== null) throw new StrataError(ErrorCode.EXISTS, `${this.uri}: mkdir ${path}: File exists`);
        await this.putMarker(names, withAttributes(undefined, S_IFDIR, attrs));
        return;
      }
      for (let i = 1; i <= names.length; i++) {
        const st = await this.statKey(names.slice(0, i));
        if (st === null) await this.putMarker(names.slice(0, i), i === names.length ? withAttributes(undefined, S_IFDIR, attrs) : undefined);
        else if (st.type !== 'dir') {
          const code = i === names.length ? ErrorCode.EXISTS : ErrorCode.NOT_DIRECTORY;
          throw new StrataError(code, `${this.uri}: mkdir ${path}: ${names.slice(0, i).join('/')} is a file`);
        }
      }
    });
  }

  async read(path: string, offset: number, length: number): Promise<Buffer> {
    const names = this.begin(path, false);
    checkCount(offset, 'offset');
    checkCount(length, 'length');
    return this.run('read', path, async () => {
      if (names.length === 0) throw new StrataError(ErrorCode.IS_DIRECTORY, `${this.uri}: the root is a directory`);
      if (length === 0) {
        await this.requireFile(names, path);
        return Buffer.alloc(0);
      }
      try {
        const res = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: this.key(names), Range: `bytes=${offset}-${offset + length - 1}` }),
        );
        if (res.Body === undefined) return Buffer.alloc(0);
        const bytes = Buffer.from(await res.Body.transformToByteArray());
        return bytes.length > length ? bytes.subarray(0, length) : bytes; // a store that ignored Range
      } catch (err) {
        if (s3HttpStatus(err) === 416) return Buffer.alloc(0); // offset at or past the end
        if (isS3NotFound(err)) await this.throwMissingFile(names, path);
        throw err;
      }
    });
  }

  async openReadStream(path: string): Promise<Readable> {
    const names = this.begin(path, false);
    return this.run('open', path, async () => {
      if (names.length === 0) throw new StrataError(ErrorCode.IS_DIRECTORY, `${this.uri}: the root is a directory`);
      try {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(names) }));
        if (res.Body instanceof Readable) return res.Body;
        if (res.Body === undefined) return Readable.from([]);
        return Readable.from([Buffer.from(await res.Body.transformToByteArray())]);
      } catch (err) {
        if (isS3NotFound(err)) await this.throwMissingFile(names, path);
        throw err;
      }
    });
  }

  async writeFile(path: string, data: Buffer | Readable, mode: number, owner?: UfsOwner): Promise<UfsStatus> {
    const names = this.begin(path, true);
    checkMode(mode);
    return this.run('write', path, async () => {
      await this.checkWritable(names, path);
      const chunks = Buffer.isBuffer(data) ? (async function* () { yield data; })() : bytesOf(data as AsyncIterable<unknown>);
      return this.upload(names, chunks, fileMetadata(mode, owner));
    });
  }

  async putFile(path: string, localFile: string, mode: number, owner?: UfsOwner): Promise<UfsStatus> {
    const names = this.begin(path, true);
    checkMode(mode);
    return this.run(`put ${localFile} to`, path, async () => {
      let handle;
      try {
        handle = await fsp.open(localFile, 'r');
      } catch (err) {
        throw fsErrorToStrata(err, `local file ${localFile}`);
      }
      try {
        await this.checkWritable(names, path);
        const stream = createReadStream('', { fd: handle, autoClose: false, highWaterMark: MIB });
        return await this.upload(names, bytesOf(stream), fileMetadata(mode, owner));
      } finally {
        await handle.close();
      }
    });
  }

  async delete(path: string, recursive: boolean): Promise<void> {
    const names = this.begin(path, true);
    if (names.length === 0) throw new StrataError(ErrorCode.NOT_PERMITTED, `${this.uri}: the root of an under store cannot be deleted`);
    await this.run('delete', path, async () => {
      const st = await this.statKey(names);
      if (st === null) return;
      if (st.type === 'file') {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(names) }));
      } else {
        const marker = this.key(names) + '/';
        if (!recursive) {
          const two = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: marker, MaxKeys: 2 }));
          if ((two.Contents ?? []).some((o) => o.Key !== marker)) {
            throw new StrataError(ErrorCode.NOT_EMPTY, `${this.uri}: delete ${path}: directory not empty`);
          }
        }
        await this.deleteAllUnder(marker);
      }
      await this.keepParent(names);
    });
  }

  async rename(src: string, dst: string): Promise<void> {
    const [from, to] = this.renameEnds(src, dst);
    if (to.length > from.length && from.every((name, i) => to[i] === name)) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${this.uri}: cannot move ${src} under itself (${dst})`);
    }
    await this.run('rename', `${src} -> ${dst}`, async () => {
      const moving = await this.statKey(from);
      if (moving === null) throw new StrataError(ErrorCode.NOT_FOUND, `${this.uri}: rename ${src}: no such file or directory`);
      if (from.join('/') === to.join('/')) return;
      await this.requireParentDir(to, dst);
      const replaced = await this.statKey(to);
      if (moving.type === 'file') {
        if (replaced?.type === 'dir') throw new StrataError(ErrorCode.IS_DIRECTORY, `${this.uri}: rename ${src}: ${dst} is a directory`);
        await this.copy(this.key(from), this.key(to), moving.size);
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(from) }));
      } else {
        if (replaced?.type === 'file') throw new StrataError(ErrorCode.NOT_DIRECTORY, `${this.uri}: rename ${src}: ${dst} is not a directory`);
        if (replaced?.type === 'dir') {
          const two = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.key(to) + '/', MaxKeys: 2 }));
          if ((two.Contents ?? []).some((o) => o.Key !== this.key(to) + '/')) {
            throw new StrataError(ErrorCode.NOT_EMPTY, `${this.uri}: rename ${src}: ${dst} is not empty`);
          }
        }
        await this.moveTree(this.key(from) + '/', this.key(to) + '/');
      }
      await this.keepParent(from);
    });
  }

  /**
   * Finishes a rename that a crash interrupted (see the header): copies what
   * the destination still lacks, then deletes the source. Idempotent, and a
   * no-op once the source is gone. For a directory, the destination is taken
   * to hold only copies made by this rename (rename refuses a non-empty
   * one), so a key already there with the source's size is not copied again.
   */
  async resumeRename(src: string, dst: string): Promise<void> {
    const [from, to] = this.renameEnds(src, dst);
    await this.run('resume rename', `${src} -> ${dst}`, async () => {
      const moving = await this.statKey(from);
      if (moving === null || from.join('/') === to.join('/')) return; // finished already
      const replaced = await this.statKey(to);
      if (moving.type === 'file') {
        if (replaced?.type === 'dir') throw new StrataError(ErrorCode.IS_DIRECTORY, `${this.uri}: rename ${src}: ${dst} is a directory`);
        await this.copy(this.key(from), this.key(to), moving.size);
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(from) }));
      } else {
        if (replaced?.type === 'file') throw new StrataError(ErrorCode.NOT_DIRECTORY, `${this.uri}: rename ${src}: ${dst} is not a directory`);
        await this.copyMissing(this.key(from) + '/', this.key(to) + '/');
        await this.deleteAllUnder(this.key(from) + '/');
      }
      await this.keepParent(from);
    });
  }

  async chmod(path: string, mode: number): Promise<void> {
    await this.setAttributes(path, { mode });
  }

  /**
   * A file's attributes are rewritten by a copy of its object onto itself
   * (MetadataDirective REPLACE; in parts above the copy threshold), keeping
   * its other metadata and, as mtime, the time of its content; a directory's
   * are written on its marker (made if it had none). The store's root has no
   * object to hold them: a no-op there.
   */
  async setAttributes(path: string, attrs: UfsAttributes): Promise<UfsAttributeChange> {
    const names = this.begin(path, true);
    if (attrs.mode !== undefined) checkMode(attrs.mode);
    if (attrs.uid !== undefined) checkCount(attrs.uid, 'uid');
    if (attrs.gid !== undefined) checkCount(attrs.gid, 'gid');
    if (attrs.mtimeMs !== undefined && (!Number.isSafeInteger(attrs.mtimeMs) || attrs.mtimeMs < 0)) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${this.uri}: ${path}: invalid mtime ${attrs.mtimeMs}`);
    }
    const change = (attrs.mode ?? attrs.uid ?? attrs.gid ?? attrs.mtimeMs) !== undefined;
    return this.run('set attributes of', path, async () => {
      if (names.length === 0 || !change) {
        const st = await this.stat(path);
        if (st === null) throw new StrataError(ErrorCode.NOT_FOUND, `${this.uri}: ${path}: no such file or directory`);
        return { fingerprintBefore: st.fingerprint, fingerprintAfter: st.fingerprint };
      }
      const key = this.key(names);
      const head = await this.headOrNull(key);
      if (head !== null) {
        const before = attributesOf(head.Metadata);
        const mtimeMs = attrs.mtimeMs ?? before.mtimeMs ?? head.LastModified?.getTime();
        const metadata = withAttributes(head.Metadata, S_IFREG, { ...attrs, ...(mtimeMs === undefined ? {} : { mtimeMs }) });
        const etag = await this.copy(key, key, head.ContentLength ?? 0, { metadata, head });
        return { fingerprintBefore: etagOf(head.ETag), fingerprintAfter: etagOf(etag) };
      }
      const marker = await this.headOrNull(key + '/');
      if (marker === null && !(await this.prefixExists(key + '/'))) {
        throw new StrataError(ErrorCode.NOT_FOUND, `${this.uri}: ${path}: no such file or directory`);
      }
      await this.putMarker(names, withAttributes(marker?.Metadata, S_IFDIR, attrs));
      return { fingerprintBefore: 'dir', fingerprintAfter: 'dir' };
    });
  }

  /** Read and rewrite, streamed: the first size bytes, then zeros up to size. */
  async truncate(path: string, size: number): Promise<UfsStatus> {
    const names = this.begin(path, true);
    checkCount(size, 'size');
    return this.run('truncate', path, async () => {
      if (names.length === 0) throw new StrataError(ErrorCode.IS_DIRECTORY, `${this.uri}: the root is a directory`);
      const current = await this.requireFile(names, path);
      const keep = Math.min(size, current.size);
      const source =
        keep === 0
          ? null
          : await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(names), Range: `bytes=0-${keep - 1}` }));
      const body = source?.Body;
      async function* content(): AsyncGenerator<Buffer> {
        let sent = 0;
        if (body !== undefined) {
          for await (const chunk of bytesOf(body as AsyncIterable<unknown>)) {
            const part = chunk.subarray(0, keep - sent);
            sent += part.length;
            if (part.length > 0) yield part;
            if (sent >= keep) break;
          }
        }
        for (let left = size - sent; left > 0; left -= MIB) yield Buffer.alloc(Math.min(MIB, left));
      }
      return this.upload(names, content(), withAttributes(undefined, S_IFREG, { mode: current.mode, ...ownerOf(current) }));
    });
  }

  async symlink(path: string, target: string): Promise<void> {
    this.begin(path, true);
    const targetBytes = typeof target === 'string' ? Buffer.byteLength(target) : 0;
    if (targetBytes === 0 || targetBytes > MAX_PATH_BYTES) {
      throw new StrataError(ErrorCode.INVALID_ARGUMENT, `symlink target must be 1..${MAX_PATH_BYTES} bytes`);
    }
    throw new StrataError(ErrorCode.NOT_PERMITTED, `${this.uri}: ${path}: S3 stores have no symbolic links`);
  }

  /** Destroys the client (its sockets); safe to call twice. Streams already returned keep their own sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
  }

  // ---- helpers ----

  /** The two ends of a rename, checked: neither may be the store's root. */
  private renameEnds(src: string, dst: string): [string[], string[]] {
    const from = this.begin(src, true);
    const to = splitStorePath(dst);
    if (from.length === 0 || to.length === 0) {
      throw new StrataError(ErrorCode.NOT_PERMITTED, `${this.uri}: the root of an under store cannot be renamed`);
    }
    return [from, to];
  }

  private begin(path: string, mutating: boolean): string[] {
    this.checkOpen();
    if (mutating && this.config.readOnly) throw new StrataError(ErrorCode.READ_ONLY, `under store ${this.uri} is read-only`);
    return splitStorePath(path);
  }

  private checkOpen(): void {
    if (this.closed) throw new StrataError(ErrorCode.CLOSED, `under store ${this.uri} is closed`);
  }

  private async run<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw s3ErrorToStrata(err, `${this.uri}: ${op} ${path === '' ? '(root)' : path}`, this.secrets);
    }
  }

  private key(names: readonly string[]): string {
    return this.root + names.join('/');
  }

  /** An object's status by HEAD; a directory's if any key starts with 'key/'; else null. */
  private async statKey(names: readonly string[]): Promise<UfsStatus | null> {
    const key = this.key(names);
    const name = names[names.length - 1];
    // The object, the directory's marker (its attributes) and any key below, at once.
    const [head, marker, isDir] = await Promise.all([this.headOrNull(key), this.headOrNull(key + '/'), this.prefixExists(key + '/')]);
    if (head !== null) return headStatus(name, head);
    if (marker !== null) return dirStatus(name, marker.Metadata);
    return isDir ? dirStatus(name) : null;
  }

  private async headOrNull(key: string): Promise<HeadObjectCommandOutput | null> {
    try {
      return await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (isS3NotFound(err)) return null;
      throw err;
    }
  }

  private async prefixExists(prefix: string): Promise<boolean> {
    const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: 1 }));
    return (res.Contents ?? []).length > 0 || (res.CommonPrefixes ?? []).length > 0 || (res.KeyCount ?? 0) > 0;
  }

  private async objectExists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isS3NotFound(err)) return false;
      throw err;
    }
  }

  private async requireParentDir(names: readonly string[], path: string): Promise<void> {
    if (names.length <= 1) return;
    const parent = names.slice(0, -1);
    if (await this.objectExists(this.key(parent) + '/')) return; // its marker: the cheap answer
    if (await this.prefixExists(this.key(parent) + '/')) return;
    const st = await this.statKey(parent);
    if (st === null) throw new StrataError(ErrorCode.NOT_FOUND, `${this.uri}: ${path}: ${parent.join('/')}: no such directory`);
    if (st.type !== 'dir') throw new StrataError(ErrorCode.NOT_DIRECTORY, `${this.uri}: ${path}: ${parent.join('/')} is not a directory`);
  }

  private async requireFile(names: readonly string[], path: string): Promise<UfsStatus> {
    const st = await this.statKey(names);
    if (st === null) throw new StrataError(ErrorCode.NOT_FOUND, `${this.uri}: ${path}: no such file`);
    if (st.type !== 'file') throw new StrataError(ErrorCode.IS_DIRECTORY, `${this.uri}: ${path} is a directory`);
    return st;
  }

  /** After a GET found no object: IS_DIRECTORY if the path is a directory, else NOT_FOUND. */
  private async throwMissingFile(names: readonly string[], path: string): Promise<never> {
    const isDir = await this.prefixExists(this.key(names) + '/');
    if (isDir) throw new StrataError(ErrorCode.IS_DIRECTORY, `${this.uri}: ${path} is a directory`);
    throw new StrataError(ErrorCode.NOT_FOUND, `${this.uri}: ${path}: no such file`);
  }

  /**
   * A file may be written at names: not the root, in an existing directory.
   * Whether a directory of the same name exists is not checked (a LIST per
   * write): the master refuses writes onto directories from its namespace,
   * and where both exist, the file is what stat and list show.
   */
  private async checkWritable(names: readonly string[], path: string): Promise<void> {
    if (names.length === 0) throw new StrataError(ErrorCode.IS_DIRECTORY, `${this.uri}: the root is a directory`);
    await this.requireParentDir(names, path);
  }

  /**
   * Uploads a byte stream to names: one PutObject when it fits in one part,
   * else a multipart upload (aborted if anything fails, so no parts linger).
   * Holds one part in memory at a time. Returns the status a HEAD reports.
   */
  private async upload(names: readonly string[], chunks: AsyncIterable<Buffer>, metadata: Record<string, string>): Promise<UfsStatus> {
    const key = this.key(names);
    const parts = partsOf(chunks, this.config.partSize)[Symbol.asyncIterator]();
    const first = await parts.next();
    const second = first.done === true ? first : await parts.next();
    if (second.done === true) {
      const body = first.done === true ? Buffer.alloc(0) : first.value;
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length, Metadata: metadata }));
    } else {
      const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, Metadata: metadata }));
      const uploadId = created.UploadId;
      if (uploadId === undefined) throw new StrataError(ErrorCode.IO, `${this.uri}: no upload id for ${key}`);
      try {
        const done: CompletedPart[] = [];
        const send = async (body: Buffer): Promise<void> => {
          const PartNumber = done.length + 1;
          if (PartNumber > MAX_PARTS) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${this.uri}: file too large for ${MAX_PARTS} parts of ${this.config.partSize} bytes`);
          const res = await this.client.send(
            new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber, Body: body, ContentLength: body.length }),
          );
          done.push({ PartNumber, ETag: res.ETag });
        };
        await send(first.value as Buffer);
        await send(second.value);
        for (let p = await parts.next(); p.done !== true; p = await parts.next()) await send(p.value);
        await this.client.send(
          new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: done } }),
        );
      } catch (err) {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
        throw err;
      }
    }
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    return headStatus(names[names.length - 1], head);
  }

  private async putMarker(names: readonly string[], metadata?: Record<string, string>): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key(names) + '/', Body: Buffer.alloc(0), ContentLength: 0, Metadata: metadata }),
    );
  }

  /**
   * A directory that just lost an entry keeps existing: its marker is written
   * if it has none (one that exists holds the directory's attributes).
   */
  private async keepParent(names: readonly string[]): Promise<void> {
    if (names.length <= 1) return;
    const parent = names.slice(0, -1);
    if ((await this.headOrNull(this.key(parent) + '/')) === null) await this.putMarker(parent);
  }

  /** A server-side copy of size bytes (s3-copy.ts: in parts above the copy threshold); returns the copy's ETag. */
  private copy(fromKey: string, toKey: string, size: number, replace?: { metadata: Record<string, string>; head: HeadObjectCommandOutput }): Promise<string> {
    return copyObject(this.client, { bucket: this.bucket, fromKey, toKey, size, metadata: replace?.metadata, head: replace?.head }, this.config.copyThreshold);
  }

  /** Every key under a prefix, page by page (no delimiter). */
  private async *keysUnder(prefix: string): AsyncGenerator<string[]> {
    for await (const page of this.objectsUnder(prefix)) yield page.map((o) => o.key);
  }

  /** Every object (key and size) under a prefix, page by page (no delimiter). */
  private async *objectsUnder(prefix: string): AsyncGenerator<Array<{ key: string; size: number }>> {
    let token: string | undefined;
    do {
      this.checkOpen();
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      const objects = (page.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0 })).filter((o) => o.key.startsWith(prefix));
      if (objects.length > 0) yield objects;
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined && token !== '');
  }

  private async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const res = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = res.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new StrataError(ErrorCode.IO, `${this.uri}: could not delete ${failed.length} objects (${first.Key}: ${first.Code ?? ''} ${first.Message ?? ''})`);
      }
    }
  }

  /** Deletes every key under prefix. Listing restarts after each batch, so deleted keys never shift a continuation. */
  private async deleteAllUnder(prefix: string): Promise<void> {
    for (;;) {
      const first = await this.keysUnder(prefix).next();
      if (first.done === true) return;
      await this.deleteKeys(first.value);
    }
  }

  /**
   * A directory rename: copy every key under fromPrefix to toPrefix, then
   * delete the sources. Copying all before deleting any means a crash leaves
   * the source whole (or the destination whole), and the same rename run
   * again finishes the job.
   */
  /**
   * Copies every key under fromPrefix that toPrefix lacks (or holds with
   * another size). Both listings come in key order, and a common prefix keeps
   * the order of the rest, so one merge pass over the two finds them in
   * bounded memory. A store that lists out of order only costs extra copies:
   * a key is skipped only when its copy was seen.
   */
  private async copyMissing(fromPrefix: string, toPrefix: string): Promise<void> {
    const have = flatten(this.objectsUnder(toPrefix));
    let next = await have.next();
    for await (const page of this.objectsUnder(fromPrefix)) {
      const missing: Array<{ key: string; size: number }> = [];
      for (const o of page) {
        const rest = o.key.slice(fromPrefix.length);
        while (next.done !== true && next.value.key.slice(toPrefix.length) < rest) next = await have.next();
        const copied = next.done !== true && next.value.key.slice(toPrefix.length) === rest && next.value.size === o.size;
        if (!copied) missing.push(o);
      }
      await mapLimit(missing, COPY_CONCURRENCY, async (o) => void (await this.copy(o.key, toPrefix + o.key.slice(fromPrefix.length), o.size)));
    }
    await have.return(undefined);
  }

  private async moveTree(fromPrefix: string, toPrefix: string): Promise<void> {
    for await (const objects of this.objectsUnder(fromPrefix)) {
      await mapLimit(objects, COPY_CONCURRENCY, async (o) => void (await this.copy(o.key, toPrefix + o.key.slice(fromPrefix.length), o.size)));
    }
    await this.deleteAllUnder(fromPrefix);
  }
}
