// `strata fs …`: the file system shell (CLI.md). Each command opens one
// StrataFileSystem against the masters, does its work, and closes it in a
// finally so the process exits as soon as the work is done. Failures are
// thrown to src/cli/main.ts, which prints `strata: PATH: reason` and exits 1
// (2 for a UsageError). Formatting lives in format.ts.

import { Command, Option } from 'commander';
import { constants as fsConstants, createWriteStream, promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileInfo } from '../common/api';
import { mastersFrom } from '../common/config';
import { ErrorCode, StrataError } from '../common/errors';
import { parsePath } from '../common/paths';
import type { MasterClientOptions } from '../client/master-client';
import { StrataFileSystem } from '../client/file-system';
import { UsageError } from './errors';
import { withSyncProgress } from './sync-progress';
import { IdNames, LongListing, OutputWriter, humanSize, isBrokenPipe, localFileError, mountsText, parseMode, parseOwner, statText } from './format';

/**
 * How long a command waits while no master is reachable before it fails
 * (env STRATA_CONNECT_TIMEOUT_MS overrides), so `strata fs ls /` with no
 * master up says so within seconds instead of hanging.
 */
export const CLI_CONNECT_TIMEOUT_MS = 5000;
/**
 * How long one call may take on a live connection (env STRATA_CALL_TIMEOUT_MS
 * overrides): long, because a recursive delete or the first listing of a huge
 * directory in its under store is slow but not stuck.
 */
export const CLI_CALL_TIMEOUT_MS = 10 * 60_000;
/** Directories listed at once by du and count. */
const WALK_CONCURRENCY = 16;
/** A sync that runs longer than this shows its progress on a terminal (stderr)… */
const SYNC_PROGRESS_DELAY_MS = 1000;
/** …redrawn this often. */
const SYNC_PROGRESS_INTERVAL_MS = 250;

function envMs(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) throw new UsageError(`${name} must be a positive number of milliseconds, not '${raw}'`);
  return ms;
}

export function cliClientOptions(env = process.env): MasterClientOptions {
  const callTimeoutMs = envMs(env, 'STRATA_CALL_TIMEOUT_MS', CLI_CALL_TIMEOUT_MS);
  const connectTimeoutMs = Math.min(envMs(env, 'STRATA_CONNECT_TIMEOUT_MS', CLI_CONNECT_TIMEOUT_MS), callTimeoutMs);
  return { callTimeoutMs, connectTimeoutMs };
}

/** Runs fn with a file system client on the configured masters, closed afterwards. */
async function withFs<T>(command: Command, fn: (fs: StrataFileSystem) => Promise<T>): Promise<T> {
  const masters = mastersFrom(command.optsWithGlobals<{ masters?: string }>().masters);
  const fs = new StrataFileSystem(masters, cliClientOptions());
  try {
    return await fn(fs);
  } catch (err) {
    if (err instanceof StrataError && err.code === ErrorCode.UNAVAILABLE && err.message.startsWith('no master ')) {
      throw new StrataError(err.code, `${err.message}: is a master running there? (--masters or STRATA_MASTERS)`, { cause: err });
    }
    throw err;
  } finally {
    await fs.close();
  }
}

/**
 * Checks a strata path here, with the master's own rules and messages, so a
 * bad one fails before anything is sent (and nothing is created).
 */
function checked(path: string): string {
  parsePath(path);
  return path;
}

function childPath(dir: string, name: string): string {
  return (dir.endsWith('/') ? dir : dir + '/') + name;
}

async function statOrNull(fs: StrataFileSystem, path: string): Promise<FileInfo | null> {
  try {
    return await fs.stat(path);
  } catch (err) {
    if (err instanceof StrataError && err.code === ErrorCode.NOT_FOUND) return null;
    throw err;
  }
}

/**
 * A file's content as a stream. Errors of the under store name its URI; the
 * user gave a strata path, so name that first, and say so plainly when the
 * file has no data because it is still being written.
 */
async function openForRead(fs: StrataFileSystem, path: string): Promise<Readable> {
  try {
    return await fs.openRead(checked(path));
  } catch (err) {
    if (!(err instanceof StrataError) || err.message.startsWith(path + ':')) throw err;
    const info = err.code === ErrorCode.NOT_FOUND ? await statOrNull(fs, path).catch(() => null) : null;
    if (info !== null && info.type === 'FILE' && !info.complete) {
      throw new StrataError(ErrorCode.NOT_FOUND, `${path}: no data yet: the file is still being written`, { cause: err });
    }
    throw new StrataError(err.code, `${path}: ${err.message}`, { cause: err });
  }
}

/** Runs a command that writes to stdout; a reader that went away (`| head`) is not a failure. */
async function toStdout(run: (out: OutputWriter) => Promise<void>): Promise<void> {
  const out = new OutputWriter();
  try {
    await run(out);
    await out.flush();
  } catch (err) {
    if (!isBrokenPipe(err)) throw err;
  }
}

// ------------------------------------------------------------------ ls

interface LsOptions {
  recursive?: boolean;
  long?: boolean;
  json?: boolean;
  syncIntervalMs?: number;
}

/** --sync-interval-ms: the mount's sync_interval_ms for this call only; -1 no sync, 0 sync now. */
const SYNC_INTERVAL_HELP = "metadata sync for this call: -1 none, 0 now, N: if strata last looked more than N ms ago (default: the mount's sync_interval_ms)";

function parseSyncInterval(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < -1) throw new UsageError(`--sync-interval-ms '${value}': must be -1, 0 or a number of milliseconds`);
  return n;
}

async function ls(fs: StrataFileSystem, path: string, opts: LsOptions, out: OutputWriter): Promise<void> {
  const sync = { syncIntervalMs: opts.syncIntervalMs };
  const top = await fs.stat(checked(path), sync);
  if (opts.json) {
    // One JSON array, written entry by entry: a huge directory never sits in memory.
    let first = true;
    const emit = async (info: FileInfo) => {
      await out.write((first ? '[\n' : ',\n') + JSON.stringify(info));
      first = false;
    };
    if (top.type !== 'DIRECTORY') await emit(top);
    else for await (const info of opts.recursive ? fs.walk(path, sync) : fs.list(path, undefined, sync)) await emit(info);
    await out.write(first ? '[]\n' : '\n]\n');
    return;
  }
  const long = opts.long ? new LongListing(new IdNames()) : null;
  const page: Array<{ info: FileInfo; name: string }> = [];
  const flushPage = async () => {
    if (page.length === 0) return;
    await out.write(long !== null ? long.lines(page) : page.map((e) => e.name + '\n').join(''));
    page.length = 0;
  };
  if (top.type !== 'DIRECTORY') {
    // ls of a file shows that file, by the name it was given.
    page.push({ info: top, name: path });
    await flushPage();
    return;
  }
  // -R as ls(1) prints it: each directory's entries under a `PATH:` header,
  // then its subdirectories in name order. Only subdirectory paths are kept.
  const pending = [path];
  for (let i = 0; i < pending.length; ) {
    const dir = pending[i++];
    const subdirs: string[] = [];
    if (opts.recursive) await out.write(`${dir === path ? '' : '\n'}${dir}:\n`);
    for await (const info of fs.list(dir, undefined, sync)) {
      page.push({ info, name: info.name });
      if (opts.recursive && info.type === 'DIRECTORY') subdirs.push(info.path);
      if (page.length >= 1000) await flushPage();
    }
    await flushPage();
    pending.splice(i, 0, ...subdirs); // depth first, like ls -R
    if (i > 1024) {
      pending.splice(0, i);
      i = 0;
    }
  }
}

// ------------------------------------------------------------- du, count

interface Summary {
  dirs: number;
  files: number;
  bytes: number;
}

/**
 * Totals of a tree. With onDir, directories are visited one at a time and
 * reported after their contents (du's order); without, up to
 * WALK_CONCURRENCY listings are in flight at once.
 */
async function summarize(fs: StrataFileSystem, top: FileInfo, onDir?: (path: string, bytes: number) => Promise<void>): Promise<Summary> {
  if (top.type !== 'DIRECTORY') return { dirs: 0, files: 1, bytes: top.size };
  let slots = onDir ? 1 : WALK_CONCURRENCY;
  const waiting: Array<() => void> = [];
  const acquire = async () => {
    if (slots > 0) slots--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next !== undefined) next();
    else slots++;
  };
  const visit = async (dir: string): Promise<Summary> => {
    const total: Summary = { dirs: 1, files: 0, bytes: 0 };
    const subdirs: string[] = [];
    await acquire();
    try {
      for await (const info of fs.list(dir)) {
        if (info.type === 'DIRECTORY') subdirs.push(info.path);
        else {
          total.files++;
          total.bytes += info.size;
        }
      }
    } finally {
      release();
    }
    const parts = onDir ? [] : await Promise.all(subdirs.map(visit));
    if (onDir) for (const sub of subdirs) parts.push(await visit(sub));
    for (const p of parts) {
      total.dirs += p.dirs;
      total.files += p.files;
      total.bytes += p.bytes;
    }
    if (onDir) await onDir(dir, total.bytes);
    return total;
  };
  return visit(top.path);
}

// ----------------------------------------------------------- put and get

async function put(fs: StrataFileSystem, localFile: string, path: string, force: boolean): Promise<void> {
  checked(path);
  const local = await fsp.stat(localFile).catch((err: unknown) => Promise.reject(localFileError(err, localFile)));
  if (local.isDirectory()) throw new StrataError(ErrorCode.IS_DIRECTORY, `${localFile}: Is a directory`);
  if (!local.isFile()) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${localFile}: not a regular file`);
  await fsp.access(localFile, fsConstants.R_OK).catch((err: unknown) => Promise.reject(localFileError(err, localFile)));
  // Like cp: an existing directory receives the file under its own name.
  const existing = await statOrNull(fs, path);
  const target = existing?.type === 'DIRECTORY' ? childPath(path, nodePath.basename(localFile)) : path;
  const info = await fs.createFile(target, { overwrite: force, mode: local.mode & 0o777 }).catch((err: unknown) => {
    const exists = err instanceof StrataError && err.code === ErrorCode.EXISTS && !force;
    return Promise.reject(exists ? new StrataError(ErrorCode.EXISTS, `${target}: File exists (use -f to replace it)`) : err);
  });
  try {
    const { store, relPath } = await fs.storeFor(info);
    const status = await store.putFile(relPath, localFile, info.mode, { uid: info.uid, gid: info.gid });
    await fs.completeFile(info, status.size, status.fingerprint, status.mtimeMs);
  } catch (err) {
    // Leave no half-made file behind, unless someone else replaced it meanwhile.
    const now = await statOrNull(fs, target).catch(() => null);
    if (now !== null && now.id === info.id && !now.complete) await fs.delete(target).catch(() => undefined);
    throw err;
  }
}

async function get(fs: StrataFileSystem, path: string, localFile: string, force: boolean): Promise<void> {
  const source = await openForRead(fs, path);
  let dest = localFile;
  const local = await fsp.stat(localFile).catch(() => null);
  if (local?.isDirectory()) dest = nodePath.join(localFile, nodePath.basename(path));
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(dest, force ? 'w' : 'wx');
  } catch (err) {
    source.destroy();
    throw localFileError(err, dest);
  }
  try {
    await pipeline(source, createWriteStream('', { fd: handle }));
  } catch (err) {
    await fsp.rm(dest, { force: true }).catch(() => undefined);
    throw err instanceof StrataError ? err : localFileError(err, dest);
  }
}

// --------------------------------------------------------------- commands

export function fsCommand(): Command {
  const cmd = new Command('fs')
    .description('the file system shell: ls, stat, mkdir, put, get, …')
    .addHelpText(
      'after',
      `\nEnvironment:\n  STRATA_MASTERS             masters, when --masters is not given\n` +
        `  STRATA_CONNECT_TIMEOUT_MS  give up when no master is reachable for this long (default ${CLI_CONNECT_TIMEOUT_MS})\n` +
        `  STRATA_CALL_TIMEOUT_MS     give up on one call after this long (default ${CLI_CALL_TIMEOUT_MS})`,
    );

  cmd
    .command('ls')
    .description('list a directory (or show a file)')
    .argument('<path>', 'strata path')
    .option('-R, --recursive', 'list subdirectories too')
    .option('-l, --long', 'long listing: mode, links, owner, group, size, mtime, name')
    .option('--json', 'a JSON array of FileInfo objects')
    .option('--sync-interval-ms <ms>', SYNC_INTERVAL_HELP, parseSyncInterval)
    .action((path: string, opts: LsOptions, command: Command) => withFs(command, (fs) => toStdout((out) => ls(fs, path, opts, out))));

  cmd
    .command('stat')
    .description('show the status of a file or directory')
    .argument('<path>', 'strata path')
    .option('--json', 'one JSON FileInfo object')
    .option('--sync-interval-ms <ms>', SYNC_INTERVAL_HELP, parseSyncInterval)
    .action((path: string, opts: { json?: boolean; syncIntervalMs?: number }, command: Command) =>
      withFs(command, async (fs) => {
        const info = await fs.stat(checked(path), { syncIntervalMs: opts.syncIntervalMs });
        process.stdout.write(opts.json ? JSON.stringify(info, null, 2) + '\n' : statText(info, new IdNames()));
      }),
    );

  cmd
    .command('mkdir')
    .description('create a directory')
    .argument('<path>', 'strata path')
    .option('-p, --parents', 'create missing parents; no error if it exists')
    .action((path: string, opts: { parents?: boolean }, command: Command) =>
      withFs(command, async (fs) => {
        await fs.mkdir(checked(path), { recursive: opts.parents ?? false });
      }),
    );

  cmd
    .command('touch')
    .description('create an empty file, or set the times of an existing one to now')
    .argument('<path>', 'strata path')
    .action((path: string, _opts: object, command: Command) =>
      withFs(command, async (fs) => {
        try {
          await fs.writeFile(checked(path), Buffer.alloc(0), { overwrite: false });
        } catch (err) {
          if (!(err instanceof StrataError && err.code === ErrorCode.EXISTS)) throw err;
          const now = Date.now();
          await fs.setAttribute(path, { mtimeMs: now, atimeMs: now });
        }
      }),
    );

  cmd
    .command('rm')
    .description('remove a file (-r: a directory with its contents)')
    .argument('<path>', 'strata path')
    .option('-r, --recursive', 'remove directories and their contents')
    .addOption(new Option('-R', 'the same as -r').hideHelp())
    .action((path: string, opts: { recursive?: boolean; R?: boolean }, command: Command) =>
      withFs(command, async (fs) => {
        const recursive = (opts.recursive ?? false) || (opts.R ?? false);
        // Like rm(1) and `hdfs dfs -rm`: a directory only with -r.
        if (!recursive && (await fs.stat(checked(path))).type === 'DIRECTORY') {
          throw new StrataError(ErrorCode.IS_DIRECTORY, `${path}: Is a directory (use rm -r)`);
        }
        await fs.delete(checked(path), { recursive });
      }),
    );

  cmd
    .command('mv')
    .description('rename SRC to DST; into DST if DST is a directory (unless -T)')
    .argument('<src>', 'strata path')
    .argument('<dst>', 'strata path')
    .option('-T, --no-target-directory', 'treat DST as the new name even if it is a directory (rename(2))')
    .action((src: string, dst: string, opts: { targetDirectory: boolean }, command: Command) =>
      withFs(command, async (fs) => {
        checked(src);
        let target = checked(dst);
        if (opts.targetDirectory) {
          const existing = await statOrNull(fs, dst);
          const names = parsePath(src);
          if (existing?.type === 'DIRECTORY' && names.length > 0) target = childPath(dst, names[names.length - 1]);
        }
        await fs.rename(src, target);
      }),
    );

  cmd
    .command('cat')
    .description("write a file's content to stdout")
    .argument('<path>', 'strata path')
    .action((path: string, _opts: object, command: Command) =>
      withFs(command, async (fs) => {
        const source = await openForRead(fs, path);
        try {
          await pipeline(source, process.stdout, { end: false });
        } catch (err) {
          if (!isBrokenPipe(err)) throw err;
        }
      }),
    );

  cmd
    .command('put')
    .description('upload a local file (into PATH if PATH is a directory)')
    .argument('<localfile>', 'local file')
    .argument('<path>', 'strata path')
    .option('-f, --force', 'replace an existing file')
    .action((localFile: string, path: string, opts: { force?: boolean }, command: Command) =>
      withFs(command, (fs) => put(fs, localFile, path, opts.force ?? false)),
    );

  cmd
    .command('get')
    .description('download a file (into LOCALFILE if it is a directory)')
    .argument('<path>', 'strata path')
    .argument('<localfile>', 'local file')
    .option('-f, --force', 'replace an existing local file')
    .action((path: string, localFile: string, opts: { force?: boolean }, command: Command) =>
      withFs(command, (fs) => get(fs, path, localFile, opts.force ?? false)),
    );

  cmd
    .command('chmod')
    .description('set permission bits (octal MODE, e.g. 755 or 0644)')
    .argument('<mode>', 'octal mode')
    .argument('<path>', 'strata path')
    .action((mode: string, path: string, _opts: object, command: Command) => {
      const bits = parseMode(mode);
      return withFs(command, async (fs) => {
        await fs.setAttribute(checked(path), { mode: bits });
      });
    });

  cmd
    .command('chown')
    .description('set owner and/or group: USER[:GROUP] or :GROUP, by name (this machine\'s /etc/passwd, /etc/group) or number')
    .argument('<owner>', 'USER[:GROUP]')
    .argument('<path>', 'strata path')
    .action((spec: string, path: string, _opts: object, command: Command) => {
      const owner = parseOwner(spec, new IdNames());
      return withFs(command, async (fs) => {
        await fs.setAttribute(checked(path), owner);
      });
    });

  cmd
    .command('du')
    .description('bytes used under PATH: each directory, then PATH (apparent sizes)')
    .argument('<path>', 'strata path')
    .option('-s, --summarize', 'only the total for PATH')
    .option('-h, --human-readable', 'sizes like 1.5K, 12M, 3.0G')
    .action((path: string, opts: { summarize?: boolean; humanReadable?: boolean }, command: Command) =>
      withFs(command, (fs) =>
        toStdout(async (out) => {
          const size = (n: number) => (opts.humanReadable ? humanSize(n) : String(n));
          const top = await fs.stat(checked(path));
          const line = (p: string, bytes: number) => out.write(`${size(bytes)}\t${p === top.path ? path : p}\n`);
          const total = await summarize(fs, top, opts.summarize ? undefined : line);
          if (opts.summarize || top.type !== 'DIRECTORY') await line(top.path, total.bytes);
        }),
      ),
    );

  cmd
    .command('count')
    .description('directories, files and bytes under PATH (as hdfs dfs -count: DIR_COUNT FILE_COUNT CONTENT_SIZE PATH)')
    .argument('<path>', 'strata path')
    .action((path: string, _opts: object, command: Command) =>
      withFs(command, async (fs) => {
        const t = await summarize(fs, await fs.stat(checked(path)));
        process.stdout.write(`${String(t.dirs).padStart(12)} ${String(t.files).padStart(12)} ${String(t.bytes).padStart(18)} ${path}\n`);
      }),
    );

  cmd
    .command('mounts')
    .description('the mount table: path, under store URI, read-only, options (secrets redacted)')
    .option('--json', '{ "mounts": [ … ] }')
    .action((opts: { json?: boolean }, command: Command) =>
      withFs(command, async (fs) => {
        const mounts = (await fs.mounts()).map((m) => ({ path: m.path, ufsUri: m.ufsUri, readOnly: m.readOnly, options: m.options, mountId: m.mountId }));
        process.stdout.write(opts.json ? JSON.stringify({ mounts }, null, 2) + '\n' : mountsText(mounts));
      }),
    );

  cmd
    .command('mount')
    .description('attach an under store at PATH (which must not exist yet): file:///dir, …')
    .argument('<path>', 'strata path of the new mount point')
    .argument('<ufs_uri>', 'under store URI')
    .option('--readonly', 'refuse every change through strata')
    .option('--option <key=value>', 'a store option (repeatable): endpoint, region, access_key, secret_key, path_style, sync_interval_ms', collectOption, {})
    .action((path: string, uri: string, opts: { readonly?: boolean; option: Record<string, string> }, command: Command) =>
      withFs(command, async (fs) => {
        await fs.mount(checked(path), uri, { readOnly: opts.readonly ?? false, options: opts.option });
      }),
    );

  cmd
    .command('unmount')
    .alias('umount')
    .description('detach the mount at PATH (its under store keeps its data)')
    .argument('<path>', 'strata path of a mount point')
    .action((path: string, _opts: object, command: Command) =>
      withFs(command, async (fs) => {
        await fs.unmount(checked(path));
      }),
    );

  cmd
    .command('sync')
    .description('reload metadata from the under store now: new entries appear, deleted ones vanish, changed ones update')
    .argument('<path>', 'strata path')
    .option('-R, --recursive', 'also every directory below PATH that strata has loaded')
    .option('--json', 'the counts as one JSON object')
    .action((path: string, opts: { recursive?: boolean; json?: boolean }, command: Command) =>
      withFs(command, async (fs) => {
        const recursive = opts.recursive ?? false;
        const s = process.stderr.isTTY
          ? await withSyncProgress(
              (progressId) => fs.sync(checked(path), { recursive, progressId }),
              (progressId) => fs.syncProgress(progressId),
              process.stderr,
              { label: path, delayMs: SYNC_PROGRESS_DELAY_MS, intervalMs: SYNC_PROGRESS_INTERVAL_MS },
            )
          : await fs.sync(checked(path), { recursive });
        const counts = { directories: s.directories, added: s.added, removed: s.removed, updated: s.updated, unchanged: s.unchanged };
        process.stdout.write(
          opts.json
            ? JSON.stringify(counts) + '\n'
            : `${path}: ${s.added} added, ${s.removed} removed, ${s.updated} updated, ${s.unchanged} unchanged (${s.directories} ${s.directories === 1 ? 'directory' : 'directories'} listed)\n`,
        );
      }),
    );

  return cmd;
}

/** commander's collector of repeated --option KEY=VALUE. */
function collectOption(spec: string, previous: Record<string, string>): Record<string, string> {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new UsageError(`--option takes KEY=VALUE, not '${spec}'`);
  return { ...previous, [spec.slice(0, eq)]: spec.slice(eq + 1) };
}
