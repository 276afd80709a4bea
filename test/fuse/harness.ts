// Shared pieces of the FUSE tests: a master process, `strata mount` of a temp
// directory against it, and shell commands run in child processes (never in
// this process: a test must not touch a mount from the event loop of the
// process that serves it, and here no mount is served in-process at all).
// Not a test file itself (no .test suffix).

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { mountFiles } from '../../src/cli/mount';
import { isMounted } from '../../src/fuse/mount';
import { MasterProcess, STRATA_BIN, makeTempDir, removeDir } from '../master/harness';

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `sh -c script` in a child process; never rejects (the result says how it went). */
export function sh(script: string, cwd?: string, timeoutMs = 60_000): Promise<ShellResult> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', script], { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

export function strata(args: string[], master: MasterProcess): Promise<ShellResult> {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return sh(`'${process.execPath}' '${STRATA_BIN}' --masters ${master.address} ${quoted}`);
}

/** A master process and its temp directory; mounts are added with mount(). */
export class FuseFixture {
  readonly mounts: string[] = [];

  private constructor(
    readonly dir: string,
    readonly master: MasterProcess,
  ) {}

  static async start(): Promise<FuseFixture> {
    const dir = await makeTempDir('fuse');
    try {
      const master = await MasterProcess.start(path.join(dir, 'data'));
      return new FuseFixture(dir, master);
    } catch (err) {
      await removeDir(dir);
      throw err;
    }
  }

  /** The root under store's directory on this machine. */
  get underfs(): string {
    return path.join(this.dir, 'data', 'underfs');
  }

  /** `strata mount DIR/name [-o options]`; resolves to the mount point once live. */
  async mount(name: string, options: string[] = []): Promise<string> {
    const mp = path.join(this.dir, name);
    await mkdir(mp, { recursive: true });
    this.mounts.push(mp);
    const res = await strata(['mount', mp, ...options.flatMap((o) => ['-o', o])], this.master);
    if (res.code !== 0) throw new Error(`strata mount failed (${res.code}): ${res.stderr}`);
    return mp;
  }

  /** The pid of the process serving a mount point (from its pid file). */
  mountPid(mp: string): number {
    return Number(readFileSync(mountFiles(mp).pidFile, 'utf8').trim());
  }

  /**
   * Unmounts everything (strata umount, then fusermount -uz whatever is left,
   * then SIGKILL of a mount process still alive), stops the master, removes
   * the directory. Never throws: it runs in after() of a failed test too.
   */
  async close(): Promise<void> {
    for (const mp of this.mounts) {
      let pid: number | null = null;
      try {
        pid = this.mountPid(mp);
      } catch {
        // no pid file: not running
      }
      await strata(['umount', mp], this.master);
      if (isMounted(mp)) await sh(`fusermount -uz '${mp}'`);
      if (pid !== null) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      const { pidFile, logFile } = mountFiles(mp);
      await rm(pidFile, { force: true });
      await rm(logFile, { force: true });
    }
    await this.master.stop().catch(() => undefined);
    await removeDir(this.dir).catch(() => undefined);
  }
}
