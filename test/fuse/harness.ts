// Shared pieces of the FUSE tests: a master process, `strata mount` of a temp
// directory against it, and shell commands run in child processes (never in
// this process: a test must not touch a mount from the event loop of the
// process that serves it, and here no mount is served in-process at all).
// Not a test file itself (no .test suffix).

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
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

/** Writes a script into dir and runs it with python3 in a child process, in cwd. */
export async function python(dir: string, name: string, source: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<ShellResult> {
  const file = path.join(dir, name);
  await writeFile(file, source);
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return sh(`python3 '${file}' ${quoted}`, cwd, timeoutMs);
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
    private current: MasterProcess,
  ) {}

  get master(): MasterProcess {
    return this.current;
  }

  /** SIGTERM to the master, then a new master process on the same data and port. */
  async restartMaster(): Promise<void> {
    const port = this.current.port;
    await this.current.stop();
    this.current = await MasterProcess.start(path.join(this.dir, 'data'), port);
  }

  /** Stops the master (SIGTERM) without starting another; restartMaster() brings it back. */
  async stopMaster(): Promise<void> {
    await this.current.stop();
  }

  /** Starts the master again on its old port after stopMaster(). */
  async startMaster(): Promise<void> {
    this.current = await MasterProcess.start(path.join(this.dir, 'data'), this.current.port);
  }

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
