// The one table from S3 errors (SDK exception names, HTTP statuses of bodiless
// HEAD responses, and Node network error codes) to strata codes, and the
// wrapper that makes a StrataError of any failure of an S3 call. Messages
// never carry credentials: the caller's secrets are scrubbed from whatever
// text the SDK or the server put in an error.

import { ErrorCode, StrataError } from '../common/errors';

const nameToCode: Readonly<Record<string, ErrorCode>> = {
  NoSuchKey: ErrorCode.NOT_FOUND,
  NotFound: ErrorCode.NOT_FOUND, // HEAD of a missing object or bucket (no body to name it)
  NoSuchBucket: ErrorCode.NOT_FOUND,
  NoSuchUpload: ErrorCode.NOT_FOUND,
  AccessDenied: ErrorCode.PERMISSION_DENIED,
  Forbidden: ErrorCode.PERMISSION_DENIED, // HEAD answered 403
  InvalidAccessKeyId: ErrorCode.PERMISSION_DENIED,
  SignatureDoesNotMatch: ErrorCode.PERMISSION_DENIED,
  ExpiredToken: ErrorCode.PERMISSION_DENIED,
  InvalidToken: ErrorCode.PERMISSION_DENIED,
  CredentialsProviderError: ErrorCode.PERMISSION_DENIED, // no credentials given or found
  AllAccessDisabled: ErrorCode.PERMISSION_DENIED,
  InvalidBucketName: ErrorCode.INVALID_ARGUMENT,
  KeyTooLongError: ErrorCode.NAME_TOO_LONG,
  EntityTooLarge: ErrorCode.INVALID_ARGUMENT,
  EntityTooSmall: ErrorCode.INVALID_ARGUMENT,
  InvalidArgument: ErrorCode.INVALID_ARGUMENT,
  PermanentRedirect: ErrorCode.INVALID_ARGUMENT, // the bucket lives in another region
  AuthorizationHeaderMalformed: ErrorCode.INVALID_ARGUMENT, // wrong region, usually
  InternalError: ErrorCode.UNAVAILABLE,
  ServiceUnavailable: ErrorCode.UNAVAILABLE,
  SlowDown: ErrorCode.UNAVAILABLE,
  RequestTimeout: ErrorCode.UNAVAILABLE,
  RequestTimeTooSkewed: ErrorCode.UNAVAILABLE,
  TimeoutError: ErrorCode.UNAVAILABLE,
  // Node network errors: the store cannot be reached (now).
  ECONNREFUSED: ErrorCode.UNAVAILABLE,
  ECONNRESET: ErrorCode.UNAVAILABLE,
  ECONNABORTED: ErrorCode.UNAVAILABLE,
  ETIMEDOUT: ErrorCode.UNAVAILABLE,
  EHOSTUNREACH: ErrorCode.UNAVAILABLE,
  ENETUNREACH: ErrorCode.UNAVAILABLE,
  ENOTFOUND: ErrorCode.UNAVAILABLE, // DNS: no such host
  EAI_AGAIN: ErrorCode.UNAVAILABLE,
  EPIPE: ErrorCode.UNAVAILABLE,
};

const statusToCode: Readonly<Record<number, ErrorCode>> = {
  400: ErrorCode.INVALID_ARGUMENT,
  403: ErrorCode.PERMISSION_DENIED,
  404: ErrorCode.NOT_FOUND,
  500: ErrorCode.UNAVAILABLE,
  502: ErrorCode.UNAVAILABLE,
  503: ErrorCode.UNAVAILABLE,
  504: ErrorCode.UNAVAILABLE,
};

function field(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null && key in err ? (err as Record<string, unknown>)[key] : undefined;
}

/** The S3 error name (or Node error code) of a failure, if it has one. */
export function s3ErrorName(err: unknown): string | undefined {
  const code = field(err, 'code');
  if (typeof code === 'string' && code in nameToCode) return code;
  const name = field(err, 'name');
  if (typeof name === 'string' && name !== 'Error') return name;
  return typeof code === 'string' ? code : undefined;
}

/** The HTTP status of the response that failed, if there was one. */
export function s3HttpStatus(err: unknown): number | undefined {
  const status = field(field(err, '$metadata'), 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

export function isS3NotFound(err: unknown): boolean {
  const name = s3ErrorName(err);
  return name === 'NoSuchKey' || name === 'NotFound' || (name !== 'NoSuchBucket' && s3HttpStatus(err) === 404);
}

export function s3Code(err: unknown): ErrorCode {
  const name = s3ErrorName(err);
  const byName = name === undefined ? undefined : nameToCode[name];
  if (byName !== undefined) return byName;
  const status = s3HttpStatus(err);
  return (status !== undefined && statusToCode[status]) || ErrorCode.IO;
}

/** Wraps an S3 failure as a StrataError (a StrataError passes through), with secrets scrubbed. */
export function s3ErrorToStrata(err: unknown, what: string, secrets: readonly string[]): StrataError {
  if (err instanceof StrataError) return err;
  const code = s3Code(err);
  const name = s3ErrorName(err) ?? 'error';
  let detail = err instanceof Error && err.message !== '' && err.message !== name ? `${name}: ${err.message}` : name;
  if (name === 'NoSuchBucket' || (name === 'NotFound' && what.includes('bucket'))) detail = `the bucket does not exist (${name})`;
  for (const secret of secrets) if (secret !== '') detail = detail.split(secret).join('***');
  // The cause is left out on purpose: SDK errors can carry request details.
  return new StrataError(code, `${what}: ${detail}`);
}
