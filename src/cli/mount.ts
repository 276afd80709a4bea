// `strata mount MOUNTPOINT [-o OPT,…] [--foreground]` and `strata umount
// MOUNTPOINT`. Without --foreground, mount starts itself again with
// --foreground as a detached process, waits until that process says the mount
// is live (over an IPC channel), and returns; the mount process logs to a
// file and keeps a pid file, both named after the mount point, which umount
// uses to stop it. SIGTERM or SIGINT to the mount process unmounts cleanly.

import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { openSync, closeSync, promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { mastersFrom } from '../common/config';
import { ErrorCode, StrataError } from '../common/errors';
import { isMounted, MountOptions, parseMountOptions, StrataMount, unmountPath } from '../fuse/mount';

const STRATA_BIN = path.join(__dirname, '..', '..', '..', 'bin', 'strata');
/** How long `strata mount` waits for the background process to have the mount live. */
const START_TIMEOUT_MS = 30_000;
/** How long `strata umount` waits for the mount process to exit after SIGTERM. */
const STOP_TIMEOUT_MS = 20_000;

/** Where the mount process of a mount point keeps its pid and its log. */
export function mountFiles(mountpoint: string): { pidFile: string; logFile: string } {
  const mp = path.resolve(mountpoint);
  const key = createHash('sha1').update(mp).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'strata-mounts');
  return { pidFile: path.join(dir, `${key}.pid`), logFile: path.join(dir, `${key}.log`) };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function timestamped(line: string): string {
  return `${new Date().toISOString()} ${line}\n`;
}

/**
 * Serves a mount in this process until SIGTERM/SIGINT or an outside unmount.
 * onReady runs once the mount is live.
 */
export async function runMount(mountpoint: string, masters: string[], options: MountOptions, onReady?: (mount: StrataMount) => void): Promise<void> {
  const log = (line: string) => process.stderr.write(timestamped(line));
  const mount = await StrataMount.start(mountpoint, masters, options, log);
  const { pidFile } = mountFiles(mount.mountpoint);
  await fsp.mkdir(path.dirname(pidFile), { recursive: true });
  await fsp.writeFile(pidFile, `${process.pid}\n`);
  log(`strata mount: serving ${mount.mountpoint} (masters ${masters.join(',')}${options.readOnly ? ', read-only' : ''})`);
  onReady?.(mount);
  await new Promise<void>((resolve) => {
    const stop = (why: string) => {
      log(`strata mount: ${why}: unmounting ${mount.mountpoint}`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    mount.watch(() => stop('unmounted from outside'));
  });
  const failures = await mount.close();
  for (const f of failures) log(`strata mount: not committed at unmount: ${f}`);
  await fsp.rm(pidFile, { force: true });
  log(`strata mount: ${mount.mountpoint} unmounted`);
}

/** Starts `strata mount --foreground` detached and waits until its mount is live. */
export async function startMountProcess(mountpoint: string, masters: string[], optionLists: string[], detached: boolean): Promise<ChildProcess> {
  const mp = path.resolve(mountpoint);
  const { logFile } = mountFiles(mp);
  await fsp.mkdir(path.dirname(logFile), { recursive: true });
  const logFd = openSync(logFile, 'a');
  const args = [STRATA_BIN, '--masters', masters.join(','), 'mount', mp, '--foreground', ...optionLists.flatMap((o) => ['-o', o])];
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, args, { detached, stdio: ['ignore', logFd, logFd, 'ipc'] });
  } finally {
    closeSync(logFd);
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new StrataError(ErrorCode.IO, `${mp}: the mount did not come up within ${START_TIMEOUT_MS / 1000} s (log: ${logFile})`));
    }, START_TIMEOUT_MS);
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new StrataError(ErrorCode.IO, `${mp}: the mount process exited (${signal ?? `status ${code}`}): ${lastLines(logFile)}`));
    });
  });
  child.removeAllListeners('exit');
  child.disconnect();
  return child;
}

function lastLines(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '(no log)';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of the process serving mountpoint, if its pid file names a live strata process. */
function mountPid(mountpoint: string): number | null {
  try {
    const pid = Number(readFileSync(mountFiles(mountpoint).pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('mount') ? pid : null;
  } catch {
    return null;
  }
}

/** Stops the mount process (which unmounts), then clears whatever is left mounted. */
export async function umount(mountpoint: string): Promise<string> {
  const mp = path.resolve(mountpoint);
  const pid = mountPid(mp);
  let stopped = false;
  if (pid !== null) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    stopped = true;
  }
  await fsp.rm(mountFiles(mp).pidFile, { force: true });
  if (isMounted(mp)) {
    const how = await unmountPath(mp);
    return how === 'lazy' ? `${mp}: unmounted lazily (busy: it goes once unused)` : `${mp}: unmounted`;
  }
  if (!stopped) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${mp}: not mounted`);
  return `${mp}: unmounted`;
}

export function mountCommand(): Command {
  return new Command('mount')
    .description('mount the namespace at MOUNTPOINT; returns once it is live and keeps serving in the background')
    .argument('<mountpoint>', 'an existing directory')
    .option(
      '-o, --options <opts>',
      'mount options: master=HOST:PORT[+HOST:PORT…], attr_timeout=S, entry_timeout=S, ro, allow_other, master_timeout=S (below 14), fsname=NAME, cluster_token_file=PATH, callbacks=0|1 (attributes kept on master callbacks, exactly consistent; default 1), or libfuse options; mount(8)\'s own (rw, _netdev, noauto, defaults, user, x-…) are accepted',
      collect,
      [],
    )
    .option('--foreground', 'serve in this process until SIGTERM/SIGINT')
    .action(async (mountpoint: string, opts: { options: string[]; foreground?: boolean }, command: Command) => {
      const options = parseMountOptions(opts.options);
      const masters = options.masters ?? mastersFrom(command.optsWithGlobals<{ masters?: string }>().masters);
      if (opts.foreground) {
        await runMount(mountpoint, masters, options, () => {
          process.stdout.write(`strata: mounted at ${path.resolve(mountpoint)}\n`);
          if (process.send !== undefined) {
            process.send({ ready: true });
            process.disconnect();
          }
        });
        process.exit(0); // the binding's thread and handles hold the event loop
      }
      const child = await startMountProcess(mountpoint, masters, opts.options, true);
      child.unref();
      process.stdout.write(`strata: mounted at ${path.resolve(mountpoint)} (pid ${child.pid}, log ${mountFiles(mountpoint).logFile})\n`);
    });
}

export function umountCommand(): Command {
  return new Command('umount')
    .description('unmount MOUNTPOINT (lazily if busy) and stop its mount process')
    .argument('<mountpoint>')
    .action(async (mountpoint: string) => {
      process.stdout.write(`strata: ${await umount(mountpoint)}\n`);
    });
}
