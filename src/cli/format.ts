// Output helpers of `strata fs`: what coreutils-style listings look like
// (mode strings, dates, owner names, sizes), the parsing of chmod and chown
// arguments, the human form of stat and of
// the mount table, local file errors in the CLI's `PATH: reason` form, and a
// buffered stdout writer that respects backpressure so that a listing of a
// million entries streams instead of sitting in memory.

import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { FileInfo, MountInfo } from '../common/api';
import { ErrorCode, StrataError, describeCode } from '../common/errors';
import { UsageError } from './errors';

// ------------------------------------------------------------ stdout

/**
 * Collects output and writes it in chunks of about 64 KiB, waiting for
 * 'drain' when the reader is slower than we are. A closed reader (EPIPE, as
 * in `strata fs ls / | head`) makes write() and flush() reject with that error.
 */
export class OutputWriter {
  private buffer = '';
  private failure: Error | null = null;

  constructor(
    private readonly out: Writable = process.stdout,
    private readonly chunkChars = 64 * 1024,
  ) {
    out.on('error', (err: Error) => {
      this.failure = err;
    });
  }

  async write(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= this.chunkChars) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    const chunk = this.buffer;
    this.buffer = '';
    if (chunk === '') return;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
}

/** True for the error of writing to a pipe whose reader has gone away. */
export function isBrokenPipe(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === 'EPIPE';
}

// ------------------------------------------------------ local file errors

const LOCAL_ERRNO: Readonly<Record<string, ErrorCode>> = {
  ENOENT: ErrorCode.NOT_FOUND,
  EEXIST: ErrorCode.EXISTS,
  ENOTDIR: ErrorCode.NOT_DIRECTORY,
  EISDIR: ErrorCode.IS_DIRECTORY,
  ENOTEMPTY: ErrorCode.NOT_EMPTY,
  EACCES: ErrorCode.PERMISSION_DENIED,
  EPERM: ErrorCode.NOT_PERMITTED,
  ENAMETOOLONG: ErrorCode.NAME_TOO_LONG,
  EROFS: ErrorCode.READ_ONLY,
  EXDEV: ErrorCode.CROSS_DEVICE,
  EIO: ErrorCode.IO,
};

/** A Node fs error on a local file as `PATH: reason`, e.g. `/tmp/x: No such file or directory`. */
export function localFileError(err: unknown, path: string): StrataError {
  if (err instanceof StrataError) return err;
  const errno = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  const code = LOCAL_ERRNO[errno];
  if (code !== undefined) return new StrataError(code, `${path}: ${describeCode[code]}`, { cause: err });
  const detail = err instanceof Error ? err.message : String(err);
  return new StrataError(ErrorCode.IO, `${path}: ${detail}`, { cause: err });
}

// ------------------------------------------------------ users and groups

/**
 * Names of user and group ids from /etc/passwd and /etc/group of this
 * machine, read once. Ids without a name show as numbers, as ls does.
 */
export class IdNames {
  private users: Map<number, string> | null = null;
  private groups: Map<number, string> | null = null;
  private userIds: Map<string, { uid: number; gid: number }> | null = null;
  private groupIds: Map<string, number> | null = null;

  constructor(
    private readonly passwdFile = '/etc/passwd',
    private readonly groupFile = '/etc/group',
  ) {}

  userName(uid: number): string {
    this.loadUsers();
    return this.users?.get(uid) ?? String(uid);
  }

  groupName(gid: number): string {
    this.loadGroups();
    return this.groups?.get(gid) ?? String(gid);
  }

  /** uid and login group of a user name, or null. */
  user(name: string): { uid: number; gid: number } | null {
    this.loadUsers();
    return this.userIds?.get(name) ?? null;
  }

  groupId(name: string): number | null {
    this.loadGroups();
    return this.groupIds?.get(name) ?? null;
  }

  private loadUsers(): void {
    if (this.users !== null) return;
    this.users = new Map();
    this.userIds = new Map();
    // name:password:uid:gid:gecos:home:shell
    for (const fields of readColonFile(this.passwdFile)) {
      const uid = Number(fields[2]);
      const gid = Number(fields[3]);
      if (fields[0] === '' || !Number.isInteger(uid) || !Number.isInteger(gid)) continue;
      if (!this.users.has(uid)) this.users.set(uid, fields[0]);
      if (!this.userIds.has(fields[0])) this.userIds.set(fields[0], { uid, gid });
    }
  }

  private loadGroups(): void {
    if (this.groups !== null) return;
    this.groups = new Map();
    this.groupIds = new Map();
    // name:password:gid:members
    for (const fields of readColonFile(this.groupFile)) {
      const gid = Number(fields[2]);
      if (fields[0] === '' || fields[2] === '' || !Number.isInteger(gid)) continue;
      if (!this.groups.has(gid)) this.groups.set(gid, fields[0]);
      if (!this.groupIds.has(fields[0])) this.groupIds.set(fields[0], gid);
    }
  }
}

export function parseMode(text: string): number {
  if (!/^[0-7]{1,4}$/.test(text)) throw new UsageError(`invalid mode '${text}': give octal permission bits, e.g. 755 or 0644`);
  return parseInt(text, 8);
}

const MAX_ID = 0xfffffffe; // (uid_t)-1 means "unchanged" to chown(2)

/** USER[:GROUP], :GROUP or USER: (the user's login group), by name or number. */
export function parseOwner(spec: string, ids: IdNames): { uid?: number; gid?: number } {
  const colon = spec.indexOf(':');
  const userPart = colon < 0 ? spec : spec.slice(0, colon);
  const groupPart = colon < 0 ? undefined : spec.slice(colon + 1);
  if (userPart === '' && (groupPart === undefined || groupPart === '')) throw new UsageError(`invalid owner '${spec}': give USER[:GROUP]`);
  const result: { uid?: number; gid?: number } = {};
  if (userPart !== '') {
    if (/^\d+$/.test(userPart)) {
      result.uid = Number(userPart);
      if (result.uid > MAX_ID) throw new UsageError(`invalid user id '${userPart}'`);
    } else {
      const user = ids.user(userPart);
      if (user === null) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `invalid user: '${userPart}' (no such user in /etc/passwd; give a numeric id)`);
      result.uid = user.uid;
      if (groupPart === '') result.gid = user.gid;
    }
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) {
      result.gid = Number(groupPart);
      if (result.gid > MAX_ID) throw new UsageError(`invalid group id '${groupPart}'`);
    } else {
      const gid = ids.groupId(groupPart);
      if (gid === null) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `invalid group: '${groupPart}' (no such group in /etc/group; give a numeric id)`);
      result.gid = gid;
    }
  } else if (groupPart === '' && result.gid === undefined) {
    throw new UsageError(`invalid owner '${spec}': 'USER:' takes the login group of a named user only`);
  }
  return result;
}

function readColonFile(file: string): string[][] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return []; // no such file: every id shows as a number
  }
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'))
    .filter((fields) => fields.length >= 3);
}

// ------------------------------------------------------------ listings

const TYPE_CHAR: Readonly<Record<string, string>> = { DIRECTORY: 'd', FILE: '-', SYMLINK: 'l' };

/** `drwxr-xr-x`, with setuid/setgid/sticky as s/S and t/T, as ls shows them. */
export function modeString(type: FileInfo['type'], mode: number): string {
  const rwx = (bits: number, special: boolean, on: string, off: string) =>
    (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (special ? (bits & 1 ? on : off) : bits & 1 ? 'x' : '-');
  return (
    (TYPE_CHAR[type] ?? '?') +
    rwx((mode >> 6) & 7, (mode & 0o4000) !== 0, 's', 'S') +
    rwx((mode >> 3) & 7, (mode & 0o2000) !== 0, 's', 'S') +
    rwx(mode & 7, (mode & 0o1000) !== 0, 't', 'T')
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SIX_MONTHS_MS = (365.2425 / 2) * 24 * 3600 * 1000;

/** `Nov 24 20:00` for the last six months, `Nov 24  2025` otherwise (local time, as ls). */
export function lsDate(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const head = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2)}`;
  const recent = ms > now - SIX_MONTHS_MS && ms <= now + 60_000;
  if (recent) return `${head} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return `${head}  ${d.getFullYear()}`;
}

/**
 * Formats `ls -l` lines. Column widths only grow, page after page: a huge
 * directory streams out without being held whole to measure it first.
 */
export class LongListing {
  private widths = { nlink: 1, user: 1, group: 1, size: 1 };

  constructor(private readonly ids: IdNames) {}

  /** The lines of one page of entries; name is what to show for each (its name or path). */
  lines(entries: ReadonlyArray<{ info: FileInfo; name: string }>, now = Date.now()): string {
    const rows = entries.map(({ info, name }) => ({
      mode: modeString(info.type, info.mode),
      nlink: String(info.nlink),
      user: this.ids.userName(info.uid),
      group: this.ids.groupName(info.gid),
      size: String(info.size),
      date: lsDate(info.mtimeMs, now),
      name: info.type === 'SYMLINK' ? `${name} -> ${info.symlinkTarget}` : name,
    }));
    const w = this.widths;
    for (const r of rows) {
      w.nlink = Math.max(w.nlink, r.nlink.length);
      w.user = Math.max(w.user, r.user.length);
      w.group = Math.max(w.group, r.group.length);
      w.size = Math.max(w.size, r.size.length);
    }
    return rows
      .map((r) => `${r.mode} ${r.nlink.padStart(w.nlink)} ${r.user.padEnd(w.user)} ${r.group.padEnd(w.group)} ${r.size.padStart(w.size)} ${r.date} ${r.name}\n`)
      .join('');
  }
}

/** 1023, 1.5K, 12M, … as `du -h` prints sizes (powers of 1024, rounded up). */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return String(bytes);
  const units = ['K', 'M', 'G', 'T', 'P', 'E'];
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (value < 10) {
    const tenths = Math.ceil(value * 10) / 10;
    if (tenths < 10) return `${tenths.toFixed(1)}${units[unit]}`;
    value = tenths;
  }
  const whole = Math.ceil(value);
  if (whole >= 1024 && unit < units.length - 1) return `1.0${units[unit + 1]}`;
  return `${whole}${units[unit]}`;
}

// ---------------------------------------------------------- stat, mounts

const TYPE_WORDS: Readonly<Record<string, string>> = { DIRECTORY: 'directory', FILE: 'regular file', SYMLINK: 'symbolic link' };

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The human form of `strata fs stat`, laid out like stat(1). */
export function statText(info: FileInfo, ids: IdNames): string {
  const name = info.type === 'SYMLINK' ? `${info.path} -> ${info.symlinkTarget}` : info.path;
  const octal = info.mode.toString(8).padStart(4, '0');
  const lines = [
    `  File: ${name}`,
    `  Size: ${String(info.size).padEnd(12)}Type: ${TYPE_WORDS[info.type] ?? info.type}${info.type === 'FILE' && !info.complete ? ' (being written)' : ''}`,
    `    Id: ${String(info.id).padEnd(12)}Links: ${info.nlink}`,
    `Access: (${octal}/${modeString(info.type, info.mode)})  Uid: (${info.uid}/${ids.userName(info.uid)})  Gid: (${info.gid}/${ids.groupName(info.gid)})`,
    `Access: ${isoTime(info.atimeMs)}`,
    `Modify: ${isoTime(info.mtimeMs)}`,
    `Change: ${isoTime(info.ctimeMs)}`,
    `   UFS: ${info.ufsUri}${info.mountPoint ? ' (mount point)' : ''}${info.readOnly ? ' (read-only)' : ''}`,
  ];
  if (info.fingerprint !== '') lines.push(`  Hash: ${info.fingerprint}`);
  return lines.join('\n') + '\n';
}

function optionsText(options: Readonly<Record<string, string>>): string {
  const keys = Object.keys(options).sort();
  return keys.length === 0 ? '-' : keys.map((k) => `${k}=${options[k]}`).join(',');
}

/** The mount table as aligned columns: path, under store URI, ro/rw, options. */
export function mountsText(mounts: readonly MountInfo[]): string {
  const rows = [['PATH', 'UFS_URI', 'MODE', 'OPTIONS'], ...mounts.map((m) => [m.path, m.ufsUri, m.readOnly ? 'ro' : 'rw', optionsText(m.options)])];
  const widths = [0, 1, 2].map((col) => Math.max(...rows.map((r) => r[col].length)));
  return rows.map((r) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padEnd(widths[2])}  ${r[3]}\n`).join('');
}
