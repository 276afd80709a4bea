// One FUSE mount of the strata namespace: the binding, the client, the
// staging area and the open file table, started together and closed in
// order. Also the mount option parsing (-o) and unmounting a path with
// fusermount (lazily when busy), which `strata umount` uses as well.

import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import Fuse from 'fuse-native';
import { StrataFileSystem } from '../client/file-system';
import { ErrorCode, StrataError } from '../common/errors';
import { MetadataCache } from './metadata-cache';
import { StrataFuseAdapter } from './operations';
import { OpenFileTable } from './open-files';
import { ReadCache } from './read-cache';
import { StagingArea } from './staging';
import { RequestTrace } from './trace';

/**
 * The binding answers ETIMEDOUT to a handler that takes 15 s; every wait in
 * the client stays below that, so a master that does not answer is EIO.
 */
export const BINDING_TIMEOUT_MS = 15_000;
export const DEFAULT_MASTER_TIMEOUT_MS = 10_000;
/** libfuse 2's attr_timeout and entry_timeout when none is given. */
const LIBFUSE_DEFAULT_TIMEOUT_SEC = 1;
/** How often the mount checks that it is still mounted (an outside fusermount -u ends it). */
const WATCH_INTERVAL_MS = 1000;

export interface MountOptions {
  attrTimeoutSec?: number;
  entryTimeoutSec?: number;
  readOnly: boolean;
  allowOther: boolean;
  /** How long a master call may take before the operation fails with EIO (< 15 s). */
  masterTimeoutMs: number;
  /** Other -o options, handed to libfuse as they are (e.g. max_read=N). */
  extra: string[];
  /** `master=HOST:PORT[+HOST:PORT…]` (repeatable): the masters, over --masters; mount(8) passes no environment. */
  masters?: string[];
  /** `fsname=NAME`: the source shown in /proc/mounts (mount(8)'s SOURCE); default `strata`. */
  fsname?: string;
  /**
   * `cluster_token_file=PATH`: the cluster token (README, S3 credentials), for
   * a mount started by mount(8) from fstab, which passes no environment; over
   * STRATA_CLUSTER_TOKEN.
   */
  clusterToken?: string;
  /** `callbacks=0|1`: keep attributes on master callbacks, exactly consistent and with no timeout (default on; metadata-cache.ts). */
  callbacks: boolean;
}

export function defaultMountOptions(): MountOptions {
  return { readOnly: false, allowOther: false, masterTimeoutMs: DEFAULT_MASTER_TIMEOUT_MS, extra: [], callbacks: true };
}

function seconds(name: string, value: string): number {
  const n = Number(value);
  if (value === '' || !Number.isFinite(n) || n < 0) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `mount option ${name}=${value}: not a number of seconds`);
  return n;
}

/** The token in a file of its owner's alone (as ssh wants of a key): a token others can read is no secret. */
function readTokenFile(file: string): string {
  const what = `mount option cluster_token_file=${file}`;
  if (file === '' || !path.isAbsolute(file)) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${what}: want an absolute path`);
  let token: string;
  try {
    if ((statSync(file).mode & 0o077) !== 0) throw new StrataError(ErrorCode.PERMISSION_DENIED, `${what}: readable by others; chmod 600 it`);
    token = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if (err instanceof StrataError) throw err;
    throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${what}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (token === '' || /\s/.test(token)) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${what}: holds no token (one line, no spaces)`);
  return token;
}

/** Parses `-o a,b=c` lists (several -o add up) into MountOptions. */
export function parseMountOptions(lists: string[], into: MountOptions = defaultMountOptions()): MountOptions {
  for (const list of lists) {
    for (const raw of list.split(',')) {
      const opt = raw.trim();
      if (opt === '') continue;
      const eq = opt.indexOf('=');
      const name = eq < 0 ? opt : opt.slice(0, eq);
      const value = eq < 0 ? '' : opt.slice(eq + 1);
      switch (name) {
        case 'attr_timeout':
          into.attrTimeoutSec = seconds(name, value);
          break;
        case 'entry_timeout':
          into.entryTimeoutSec = seconds(name, value);
          break;
        case 'ro':
          into.readOnly = true;
          break;
        case 'rw':
          into.readOnly = false;
          break;
        case 'allow_other':
          into.allowOther = true;
          break;
        case 'master_timeout': {
          const ms = Math.round(seconds(name, value) * 1000);
          if (ms <= 0 || ms >= BINDING_TIMEOUT_MS - 1000) {
            throw new StrataError(ErrorCode.INVALID_ARGUMENT, `mount option master_timeout=${value}: must be above 0 and below ${BINDING_TIMEOUT_MS / 1000 - 1} s`);
          }
          into.masterTimeoutMs = ms;
          break;
        }
        case 'master':
        case 'masters': {
          const list = value.split('+').filter((a) => a !== '');
          if (list.length === 0 || list.some((a) => !/^[^\s:]+:\d+$/.test(a))) {
            throw new StrataError(ErrorCode.INVALID_ARGUMENT, `mount option ${opt}: want ${name}=HOST:PORT[+HOST:PORT…]`);
          }
          into.masters = [...(into.masters ?? []), ...list];
          break;
        }
        case 'cluster_token_file':
          into.clusterToken = readTokenFile(value);
          break;
        case 'callbacks':
          if (value !== '0' && value !== '1' && value !== '') throw new StrataError(ErrorCode.INVALID_ARGUMENT, `mount option ${opt}: want callbacks=0 or callbacks=1`);
          into.callbacks = value !== '0';
          break;
        case 'fsname':
          if (!/^[^\s,]+$/.test(value)) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `mount option ${opt}: want fsname=NAME`);
          into.fsname = value;
          break;
        case 'nodev':
        case 'nosuid':
        case 'noexec':
        case 'noatime':
          into.extra.push(name); // restrictions libfuse applies as mount flags (fstab's `user` implies the first three)
          break;
        case 'default_permissions':
        case 'dev':
        case 'suid':
        case 'exec':
        case 'atime':
        case 'relatime':
        case 'strictatime':
        case 'lazytime':
        case 'nolazytime':
        case 'diratime':
        case 'nodiratime':
        case 'sync':
        case 'async':
        case 'dirsync':
        case '_netdev':
        case 'defaults':
        case 'auto':
        case 'noauto':
        case 'nofail':
        case 'user':
        case 'nouser':
        case 'users':
        case 'owner':
        case 'group':
        case 'comment':
          break; // always on, or the kernel's and mount(8)'s business (fstab and mount(8) add these)
        default:
          if (name.startsWith('x-')) break; // x-systemd.*, x-gvfs-*: for other programs that read fstab
          if (!/^[A-Za-z0-9_]+(=[^,]*)?$/.test(opt)) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `mount option ${opt}: not understood`);
          into.extra.push(opt);
      }
    }
  }
  return into;
}

/** A timeout for the binding: numbers of 0 are dropped by fuse-native, so always a string. */
function timeoutOption(sec: number | undefined): string | undefined {
  return sec === undefined ? undefined : String(sec);
}

export class StrataMount {
  private closing: Promise<string[]> | null = null;
  private watchTimer: NodeJS.Timeout | null = null;

  private constructor(
    readonly mountpoint: string,
    private readonly fuse: Fuse,
    private readonly fs: StrataFileSystem,
    private readonly area: StagingArea,
    private readonly files: OpenFileTable,
  ) {}

  /** Mounts; resolves once the kernel has the mount (libfuse's init ran). */
  static async start(mountpoint: string, masters: string[], options: MountOptions, log: (line: string) => void): Promise<StrataMount> {
    const mp = path.resolve(mountpoint);
    const st = await fsp.stat(mp).catch((err: unknown) => {
      // A mount left by a killed process answers ENOTCONN: fuse-native's force clears it.
      if (typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOTCONN') return null;
      throw new StrataError(ErrorCode.NOT_FOUND, `${mp}: mount point does not exist`);
    });
    if (st !== null && !st.isDirectory()) throw new StrataError(ErrorCode.NOT_DIRECTORY, `${mp}: mount point is not a directory`);
    if (st !== null && isMounted(mp)) throw new StrataError(ErrorCode.EXISTS, `${mp}: something is mounted there already`);
    const fs = new StrataFileSystem(masters, { callTimeoutMs: options.masterTimeoutMs, connectTimeoutMs: options.masterTimeoutMs, clusterToken: options.clusterToken });
    const area = await StagingArea.create();
    // The mount keeps what the master said as long as the kernel may (libfuse's default: 1 s).
    const meta = new MetadataCache({
      attrTimeoutMs: (options.attrTimeoutSec ?? LIBFUSE_DEFAULT_TIMEOUT_SEC) * 1000,
      entryTimeoutMs: (options.entryTimeoutSec ?? LIBFUSE_DEFAULT_TIMEOUT_SEC) * 1000,
    });
    if (options.callbacks) {
      fs.master.setCallbackListener({ onInvalidate: (ids) => meta.invalidate(ids), onSessionLost: () => meta.sessionLost() });
      meta.leaseValid = () => fs.master.leaseValid();
    }
    const files = new OpenFileTable(fs, area, new ReadCache(), meta);
    const trace = RequestTrace.fromEnv();
    if (trace !== null) trace.wrapMaster(fs.master);
    const adapter = new StrataFuseAdapter(fs, files, { readOnly: options.readOnly, log, trace, callbacks: options.callbacks });
    // libfuse options the binding has no switch for ride along in fsname's value.
    // Not hard_remove: with it libfuse hands flush and release of a file
    // unlinked while open a NULL path, on which the binding crashes (the mount
    // process dies). Without it libfuse renames such a file to
    // .fuse_hiddenNNNN until its last release, as NFS does (open-files.ts).
    const extra = ['big_writes', ...(options.readOnly ? ['ro'] : []), ...options.extra];
    const fuse = new Fuse(mp, adapter.operations(), {
      force: true,
      defaultPermissions: true,
      allowOther: options.allowOther,
      attrTimeout: timeoutOption(options.attrTimeoutSec),
      entryTimeout: timeoutOption(options.entryTimeoutSec),
      subtype: 'strata',
      fsname: [options.fsname ?? 'strata', ...extra].join(','),
      // readdir answers all names at once, so a huge directory can take longer
      // than any fixed limit; each page it asks the master for is bounded by
      // master_timeout instead (a master that stops answering is still EIO).
      timeout: { default: BINDING_TIMEOUT_MS, readdir: false },
    });
    try {
      await new Promise<void>((resolve, reject) => fuse.mount((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      await fs.close();
      await area.close();
      throw new StrataError(ErrorCode.IO, `${mp}: mount failed: ${err instanceof Error ? err.message : String(err)} (is /dev/fuse there, and fuse installed?)`);
    }
    return new StrataMount(mp, fuse, fs, area, files);
  }

  /** Calls onGone once the mount point is no longer mounted (someone ran fusermount -u). */
  watch(onGone: () => void): void {
    this.watchTimer = setInterval(() => {
      if (!isMounted(this.mountpoint)) {
        if (this.watchTimer !== null) clearInterval(this.watchTimer);
        this.watchTimer = null;
        onGone();
      }
    }, WATCH_INTERVAL_MS);
  }

  /**
   * Unmounts (lazily if busy), then commits what open files have staged,
   * then closes the client and removes the staging area: the kernel first,
   * so no request arrives at a closed client. Returns what could not be
   * committed. Safe to call twice.
   */
  close(): Promise<string[]> {
    this.closing ??= (async () => {
      if (this.watchTimer !== null) clearInterval(this.watchTimer);
      await unmountPath(this.mountpoint).catch(() => undefined);
      const failures = await this.files.closeAll();
      await this.fs.close();
      await this.area.close();
      void this.fuse; // the binding's thread ends with the unmount; the process exits after close
      return failures;
    })();
    return this.closing;
  }
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: 10_000 }, (err, _stdout, stderr) => (err ? reject(new Error(stderr.trim() || err.message)) : resolve())),
  );
}

/** `fusermount -u`, and `fusermount -uz` (lazy: detached now, gone once unused) when busy. */
export async function unmountPath(mountpoint: string): Promise<'unmounted' | 'lazy'> {
  try {
    await run('fusermount', ['-u', mountpoint]);
    return 'unmounted';
  } catch (err) {
    if (!isMounted(mountpoint)) throw err;
    await run('fusermount', ['-uz', mountpoint]);
    return 'lazy';
  }
}

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Whether a FUSE file system is mounted at mountpoint (per /proc/mounts). */
export function isMounted(mountpoint: string): boolean {
  const mp = path.resolve(mountpoint);
  let text: string;
  try {
    text = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return false;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    if (fields.length >= 3 && fields[2].startsWith('fuse') && unescapeMountField(fields[1]) === mp) return true;
  }
  return false;
}
