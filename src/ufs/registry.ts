// Opening under stores by URI: the one map from URI scheme to implementation,
// and the helpers that take UFS URIs apart and put them together.
// URIs are scheme://authority/path. file:// URIs are not percent-decoded, so
// the paths in a mount table stay readable ('file:///data/my photos').

import { ErrorCode, StrataError } from '../common/errors';
import { parsePath } from '../common/paths';
import { LocalUnderStore } from './local';
import { S3UnderStore, s3ConfigFrom } from './s3';
import type { UnderStore, UnderStoreOptions } from './under-store';

export interface UfsUri {
  /** Lower case, with the colon, as URL.protocol has it: 'file:', 's3:'. */
  scheme: string;
  /** Between '//' and the next '/': '' for file URIs, the bucket for s3. */
  authority: string;
  /** '' or starting with '/'; kept as written. */
  path: string;
}

type UnderStoreFactory = (uri: UfsUri, opts: UnderStoreOptions) => Promise<UnderStore>;

const factories: ReadonlyMap<string, UnderStoreFactory> = new Map<string, UnderStoreFactory>([
  ['file:', openFileStore],
  ['s3:', openS3Store],
]);

export function supportedSchemes(): string[] {
  return [...factories.keys()];
}

const uriPattern = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)(.*)$/s;

export function parseUfsUri(uri: string): UfsUri {
  if (typeof uri !== 'string' || uri.includes('\0')) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'under store URI must be a string without NUL');
  }
  const m = uriPattern.exec(uri);
  if (m === null) {
    const hint = 'scheme://…, e.g. file:///data';
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `'${uri}' is not an under store URI (${hint})`);
  }
  return { scheme: `${m[1].toLowerCase()}:`, authority: m[2], path: m[3] };
}

/** baseUri + a store-relative path: file:///data/root + 'a/b' -> file:///data/root/a/b. */
export function joinUfsUri(baseUri: string, relPath: string): string {
  const { scheme, authority, path } = parseUfsUri(baseUri);
  if (relPath === '') return baseUri;
  if (typeof relPath !== 'string' || relPath.startsWith('/')) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${String(relPath)}: must be relative to ${baseUri}`);
  }
  const names = parsePath('/' + relPath); // refuses '', '.', '..' and NUL components
  const base = path.endsWith('/') ? path.slice(0, -1) : path;
  return `${scheme}//${authority}${base}/${names.join('/')}`;
}

/** Opens the store a URI names; creates nothing. */
export async function openUnderStore(uri: string, opts: UnderStoreOptions = {}): Promise<UnderStore> {
  const parsed = parseUfsUri(uri);
  const factory = factories.get(parsed.scheme);
  if (factory === undefined) {
    throw new StrataError(
      ErrorCode.INVALID_ARGUMENT,
      `unsupported under store scheme '${parsed.scheme}' in ${uri} (supported: ${supportedSchemes().join(', ')})`,
    );
  }
  return factory(parsed, opts);
}

/**
 * file:///abs/dir: an existing directory on this machine (a local disk or an
 * NFS mount that every client sees at the same path). The path must be
 * canonical (no '.', '..' or '//') so that the mount table can tell when one
 * directory is mounted twice; one trailing '/' is dropped.
 */
async function openFileStore(uri: UfsUri, opts: UnderStoreOptions): Promise<UnderStore> {
  const shown = `${uri.scheme}//${uri.authority}${uri.path}`;
  if (uri.authority !== '' && uri.authority !== 'localhost') {
    throw new StrataError(
      ErrorCode.INVALID_ARGUMENT,
      `${shown}: file URIs name a local path (file:///dir); mount a remote directory with NFS first`,
    );
  }
  if (!uri.path.startsWith('/')) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${shown}: file URIs need an absolute path (file:///dir)`);
  }
  if (uri.path !== '/') parsePath(uri.path); // canonical components, else INVALID_ARGUMENT
  const root = uri.path.length > 1 && uri.path.endsWith('/') ? uri.path.slice(0, -1) : uri.path;
  return LocalUnderStore.open(root, opts);
}

/**
 * s3://bucket/prefix: a bucket (and a key prefix in it) on any S3-compatible
 * store, with the options endpoint, region, access_key, secret_key,
 * path_style (see s3.ts). Opening checks that the bucket exists and the
 * credentials work; the prefix need not exist yet.
 */
async function openS3Store(uri: UfsUri, opts: UnderStoreOptions): Promise<UnderStore> {
  return S3UnderStore.open(s3ConfigFrom(uri.authority, uri.path, opts));
}
