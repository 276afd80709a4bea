// The one error type of strata. Every failure that crosses a boundary carries
// an ErrorCode; each boundary maps codes once: gRPC status (src/master/service
// and src/client), errno (src/fuse), exit status and message (src/cli).

export const ErrorCode = {
  NOT_FOUND: 'NOT_FOUND',
  EXISTS: 'EXISTS',
  NOT_EMPTY: 'NOT_EMPTY',
  NOT_DIRECTORY: 'NOT_DIRECTORY',
  IS_DIRECTORY: 'IS_DIRECTORY',
  PERMISSION_DENIED: 'PERMISSION_DENIED', // EACCES: mode bits refuse it
  NOT_PERMITTED: 'NOT_PERMITTED', // EPERM: never allowed (e.g. renaming the root)
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  NAME_TOO_LONG: 'NAME_TOO_LONG',
  CROSS_DEVICE: 'CROSS_DEVICE', // EXDEV: a rename across under stores
  READ_ONLY: 'READ_ONLY',
  NO_ATTRIBUTE: 'NO_ATTRIBUTE', // ENODATA: no extended attribute of that name
  OUT_OF_RANGE: 'OUT_OF_RANGE', // ERANGE: an extended attribute name too long
  TOO_BIG: 'TOO_BIG', // E2BIG: an extended attribute value too large
  NOT_LEADER: 'NOT_LEADER',
  UNAVAILABLE: 'UNAVAILABLE', // the master or an under store cannot be reached
  CLOSED: 'CLOSED',
  IO: 'IO',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const codes = new Set<string>(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && codes.has(value);
}

export class StrataError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions & { leaderAddress?: string },
  ) {
    super(message, options);
    this.name = 'StrataError';
    this.leaderAddress = options?.leaderAddress ?? '';
  }
  /** With NOT_LEADER: where the leader is, if known. */
  readonly leaderAddress: string;
}

/** Wraps anything thrown into a StrataError, keeping a StrataError as it is. */
export function toStrataError(err: unknown): StrataError {
  if (err instanceof StrataError) return err;
  if (err instanceof Error) return new StrataError(ErrorCode.INTERNAL, err.message, { cause: err });
  return new StrataError(ErrorCode.INTERNAL, String(err));
}

/** Short human text per code, as strerror(3) would say it; the CLI prints these. */
export const describeCode: Record<ErrorCode, string> = {
  NOT_FOUND: 'No such file or directory',
  EXISTS: 'File exists',
  NOT_EMPTY: 'Directory not empty',
  NOT_DIRECTORY: 'Not a directory',
  IS_DIRECTORY: 'Is a directory',
  PERMISSION_DENIED: 'Permission denied',
  NOT_PERMITTED: 'Operation not permitted',
  INVALID_ARGUMENT: 'Invalid argument',
  NAME_TOO_LONG: 'File name too long',
  CROSS_DEVICE: 'Invalid cross-device link',
  READ_ONLY: 'Read-only file system',
  NO_ATTRIBUTE: 'No data available',
  OUT_OF_RANGE: 'Numerical result out of range',
  TOO_BIG: 'Argument list too long',
  NOT_LEADER: 'Not the leader',
  UNAVAILABLE: 'Service unavailable',
  CLOSED: 'Closed',
  IO: 'Input/output error',
  INTERNAL: 'Internal error',
};
