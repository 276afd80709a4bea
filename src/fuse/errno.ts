// The one table from strata's ErrorCode to the errno a FUSE handler answers
// (negated, as libfuse wants it), and the mapping of anything else thrown in
// the FUSE client (a staging file's Node fs error, a bug) to an errno.

import { constants } from 'node:os';
import { ErrorCode, StrataError } from '../common/errors';

const E = constants.errno;

/** ErrorCode -> positive errno. UNAVAILABLE (master or under store unreachable) is EIO: never a hang. */
export const errnoOfCode: Readonly<Record<ErrorCode, number>> = {
  NOT_FOUND: E.ENOENT,
  EXISTS: E.EEXIST,
  NOT_EMPTY: E.ENOTEMPTY,
  NOT_DIRECTORY: E.ENOTDIR,
  IS_DIRECTORY: E.EISDIR,
  PERMISSION_DENIED: E.EACCES,
  NOT_PERMITTED: E.EPERM,
  INVALID_ARGUMENT: E.EINVAL,
  NAME_TOO_LONG: E.ENAMETOOLONG,
  CROSS_DEVICE: E.EXDEV,
  READ_ONLY: E.EROFS,
  NO_ATTRIBUTE: E.ENODATA,
  OUT_OF_RANGE: E.ERANGE,
  TOO_BIG: E.E2BIG,
  NOT_LEADER: E.EIO,
  UNAVAILABLE: E.EIO,
  CLOSED: E.EIO,
  IO: E.EIO,
  INTERNAL: E.EIO,
};

/** The negative errno for anything a handler threw. */
export function toErrno(err: unknown): number {
  if (err instanceof StrataError) return -errnoOfCode[err.code];
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    const n = (E as Record<string, number | undefined>)[err.code];
    if (n !== undefined) return -n;
  }
  return -E.EIO;
}

/** Errnos the adapter answers by itself. */
export const Errno = {
  EPERM: -E.EPERM,
  ENOENT: -E.ENOENT,
  EIO: -E.EIO,
  EBADF: -E.EBADF,
  EINVAL: -E.EINVAL,
  EROFS: -E.EROFS,
  EISDIR: -E.EISDIR,
  ENOTSUP: -E.EOPNOTSUPP,
} as const;
