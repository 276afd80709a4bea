// Server-side copies of S3 objects of any size: one CopyObject up to a
// threshold (S3 refuses a single copy above 5 GiB), else a multipart upload
// whose parts are UploadPartCopy requests of byte ranges of the source. A
// copy can replace the metadata (how attributes are set: a copy onto itself
// with MetadataDirective REPLACE) or keep the source's.
//
// REPLACE, and a multipart copy, describe the new object in full: the
// source's Content-Type and the other standard headers, storage class and
// server-side encryption are carried over from its HEAD. Tags are copied by
// S3 itself; ACLs are not (a copy is private, as any new object; most buckets
// have ACLs disabled).

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart, HeadObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { ErrorCode, StrataError } from '../common/errors';

const MIB = 1024 * 1024;
/** The largest object one CopyObject may copy. */
export const MAX_SINGLE_COPY = 5 * 1024 * MIB;
/** S3's smallest part (all but the last) and largest part count. */
const MIN_PART_SIZE = 5 * MIB;
const MAX_PARTS = 10_000;
/** Parts of a multipart copy, unless the threshold is lower or the object needs larger ones. */
const COPY_PART_SIZE = 256 * MIB;
/** UploadPartCopy requests in flight per copy. */
const PART_CONCURRENCY = 4;

export interface CopyRequest {
  bucket: string;
  fromKey: string;
  toKey: string;
  /** The source's size and ETag when the caller knows them; else a HEAD finds them. */
  size?: number;
  /** The metadata of the copy (REPLACE); absent: the source's (COPY). */
  metadata?: Record<string, string>;
  /** The source's HEAD, if the caller has it (needed for REPLACE and multipart copies). */
  head?: HeadObjectCommandOutput;
}

/** CopySource: bucket/key, each key component URL-encoded (S3 decodes it). */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** The standard headers, storage class and encryption of an object, to describe a copy of it in full. */
function describedAs(head: HeadObjectCommandOutput) {
  return {
    ContentType: head.ContentType,
    CacheControl: head.CacheControl,
    ContentDisposition: head.ContentDisposition,
    ContentEncoding: head.ContentEncoding,
    ContentLanguage: head.ContentLanguage,
    Expires: head.Expires,
    StorageClass: head.StorageClass,
    ServerSideEncryption: head.ServerSideEncryption,
    SSEKMSKeyId: head.SSEKMSKeyId,
  };
}

/** The size of each part of a multipart copy of size bytes. */
export function copyPartSize(size: number, threshold: number): number {
  return Math.max(MIN_PART_SIZE, Math.ceil(size / MAX_PARTS), Math.min(COPY_PART_SIZE, threshold));
}

/**
 * Copies fromKey to toKey server-side: one CopyObject when the source is at
 * most threshold bytes, else UploadPartCopy parts. Returns the copy's ETag
 * (quoted, as S3 gives it). A multipart copy is aborted if any part fails,
 * and reads every part from the version of the source it started with
 * (CopySourceIfMatch), so a source replaced meanwhile fails the copy instead
 * of mixing two versions.
 */
export async function copyObject(client: S3Client, req: CopyRequest, threshold = MAX_SINGLE_COPY): Promise<string> {
  if (!Number.isSafeInteger(threshold) || threshold < MIN_PART_SIZE || threshold > MAX_SINGLE_COPY) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `multipart copy threshold must be ${MIN_PART_SIZE}..${MAX_SINGLE_COPY} bytes`);
  }
  const source = copySource(req.bucket, req.fromKey);
  let head = req.head;
  const needsHead = req.size === undefined || req.size > threshold || req.metadata !== undefined;
  if (head === undefined && needsHead) head = await client.send(new HeadObjectCommand({ Bucket: req.bucket, Key: req.fromKey }));
  const size = req.size ?? head?.ContentLength ?? 0;
  if (size <= threshold) {
    const res = await client.send(
      new CopyObjectCommand({
        Bucket: req.bucket,
        Key: req.toKey,
        CopySource: source,
        CopySourceIfMatch: head?.ETag,
        ...(req.metadata !== undefined && head !== undefined ? { MetadataDirective: 'REPLACE', Metadata: req.metadata, ...describedAs(head) } : {}),
      }),
    );
    return res.CopyObjectResult?.ETag ?? '';
  }
  if (head === undefined) throw new StrataError(ErrorCode.IO, `copy of ${req.fromKey}: no HEAD of the source`);
  const created = await client.send(
    new CreateMultipartUploadCommand({ Bucket: req.bucket, Key: req.toKey, Metadata: req.metadata ?? head.Metadata, ...describedAs(head) }),
  );
  const uploadId = created.UploadId;
  if (uploadId === undefined) throw new StrataError(ErrorCode.IO, `copy of ${req.fromKey}: no upload id for ${req.toKey}`);
  try {
    const partSize = copyPartSize(size, threshold);
    const count = Math.ceil(size / partSize);
    const parts: CompletedPart[] = new Array<CompletedPart>(count);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const first = i * partSize;
        const last = Math.min(size, first + partSize) - 1;
        const res = await client.send(
          new UploadPartCopyCommand({
            Bucket: req.bucket,
            Key: req.toKey,
            UploadId: uploadId,
            PartNumber: i + 1,
            CopySource: source,
            CopySourceRange: `bytes=${first}-${last}`,
            CopySourceIfMatch: head.ETag,
          }),
        );
        parts[i] = { PartNumber: i + 1, ETag: res.CopyPartResult?.ETag };
      }
    };
    await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, count) }, worker));
    const done = await client.send(
      new CompleteMultipartUploadCommand({ Bucket: req.bucket, Key: req.toKey, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
    );
    return done.ETag ?? '';
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: req.bucket, Key: req.toKey, UploadId: uploadId })).catch(() => undefined);
    throw err;
  }
}
