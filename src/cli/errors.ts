// How the CLI reports failures (CLI.md): `strata: PATH: reason` on stderr and
// exit status 1 when an operation failed, 2 for a usage error.

import { StrataError, describeCode, toStrataError } from '../common/errors';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

/** The message for stderr: the error's own text, which names the path and reason. */
export function errorMessage(err: unknown): string {
  const e = toStrataError(err);
  return e.message !== '' ? e.message : describeCode[e.code];
}

export function exitStatusOf(err: unknown): number {
  if (err instanceof UsageError) return EXIT_USAGE;
  return EXIT_FAILED;
}

export function report(err: unknown): number {
  process.stderr.write(`strata: ${err instanceof UsageError ? err.message : errorMessage(err)}\n`);
  return exitStatusOf(err);
}

export { StrataError };
