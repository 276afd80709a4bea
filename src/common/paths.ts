// strata paths: absolute, '/'-separated, no '.', '..' or empty components, no
// NUL, each name at most 255 bytes and the whole path at most 4096 bytes (the
// Linux limits, so whatever strata accepts a FUSE client can also name).

import { ErrorCode, StrataError } from './errors';

export const MAX_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 4096;

/**
 * Checks a path and returns its components ([] for the root). A single
 * trailing slash is tolerated ("/a/b/" is "/a/b"), as shells produce it.
 */
export function parsePath(path: unknown): string[] {
  if (typeof path !== 'string' || path.length === 0) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'path is empty');
  }
  if (path[0] !== '/') {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: path is not absolute`);
  }
  if (path.includes('\0')) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, 'path contains a NUL byte');
  }
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
    throw new StrataError(ErrorCode.NAME_TOO_LONG, `path is longer than ${MAX_PATH_BYTES} bytes`);
  }
  if (path === '/') return [];
  const trimmed = path.endsWith('/') ? path.slice(1, -1) : path.slice(1);
  const names = trimmed.split('/');
  for (const name of names) checkName(name, path);
  return names;
}

/** Checks one file name (a path component). */
export function checkName(name: string, path = name): void {
  if (name === '') {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: empty path component`);
  }
  if (name === '.' || name === '..') {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: '.' and '..' are not allowed`);
  }
  if (name.includes('/') || name.includes('\0')) {
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: name contains '/' or NUL`);
  }
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    throw new StrataError(ErrorCode.NAME_TOO_LONG, `${path}: name is longer than ${MAX_NAME_BYTES} bytes`);
  }
}

export function joinPath(names: readonly string[]): string {
  return '/' + names.join('/');
}

/** Whether `inner` is `outer` or lies below it (both as components). */
export function isPrefix(outer: readonly string[], inner: readonly string[]): boolean {
  if (outer.length > inner.length) return false;
  for (let i = 0; i < outer.length; i++) if (outer[i] !== inner[i]) return false;
  return true;
}
