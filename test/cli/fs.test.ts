// `strata fs …` end to end: a real master process on a free port, the real
// bin/strata as a child process per command, as users and scripts run it.
// Fixtures are made and checked through the client library (no process per
// step); what users see (stdout, stderr, exit status) comes from the CLI.

import assert from 'node:assert/strict';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { StrataFileSystem } from '../../src/client/file-system';
import { MasterClient } from '../../src/client/master-client';
import { ErrorCode, StrataError } from '../../src/common/errors';
import { CLI_CONNECT_TIMEOUT_MS, cliClientOptions } from '../../src/cli/fs';
import { loadMasterProto } from '../../src/master/service';

const REPO = nodePath.resolve(__dirname, '..', '..', '..');
const BIN = nodePath.join(REPO, 'bin', 'strata');

interface Run {
  code: number;
  stdout: Buffer;
  out: string;
  err: string;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Starts `strata master start` and resolves once it says it is serving. */
function startMaster(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'master', 'start', '--data', dataDir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`master did not start within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('serving')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`master exited with ${code}:\n${output}`));
    });
  });
}

async function stopMaster(child: ChildProcess | null): Promise<void> {
  if (child === null || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof StrataError && err.code === code);
}

describe('strata fs against a real master', () => {
  let tmp = '';
  let dataDir = '';
  let underfs = '';
  let address = '';
  let master: ChildProcess | null = null;
  let fs: StrataFileSystem;
  const killOnExit = () => master?.kill('SIGKILL');

  /** Runs `strata ARGS…` against the test master. */
  function strata(args: string[], env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        { env: { ...process.env, STRATA_MASTERS: address, ...env }, encoding: 'buffer', maxBuffer: 64 << 20, timeout: 20_000 },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
          resolve({ code, stdout, out: stdout.toString(), err: stderr.toString() });
        },
      );
    });
  }

  async function ok(args: string[]): Promise<string> {
    const run = await strata(args);
    assert.equal(run.code, 0, `strata ${args.join(' ')} failed: ${run.err}`);
    return run.out;
  }

  before(async () => {
    process.once('exit', killOnExit);
    tmp = await fsp.mkdtemp(nodePath.join(os.tmpdir(), 'strata-cli-'));
    dataDir = nodePath.join(tmp, 'data');
    underfs = nodePath.join(dataDir, 'underfs');
    // Files that were in the root under store before the master ever ran.
    await fsp.mkdir(nodePath.join(underfs, 'preexisting', 'sub'), { recursive: true });
    await fsp.writeFile(nodePath.join(underfs, 'preexisting', 'notes.txt'), 'written before strata\n');
    await fsp.writeFile(nodePath.join(underfs, 'preexisting', 'sub', 'deep.bin'), randomBytes(1000));
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    master = await startMaster(dataDir, port);
    fs = new StrataFileSystem([address], { callTimeoutMs: 10_000 });
  });

  after(async () => {
    await fs?.close();
    await stopMaster(master);
    process.removeListener('exit', killOnExit);
    if (tmp !== '') await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('files already in the under store before the master formatted show up in ls', async () => {
    assert.equal(await ok(['fs', 'ls', '-R', '/preexisting']), '/preexisting:\nnotes.txt\nsub\n\n/preexisting/sub:\ndeep.bin\n');
    assert.equal(await ok(['fs', 'cat', '/preexisting/notes.txt']), 'written before strata\n');
  });

  it('mkdir -p creates every level and ls -R shows the tree', async () => {
    await ok(['fs', 'mkdir', '-p', '/tree/a/b/c']);
    await ok(['--masters', address, 'fs', 'mkdir', '/tree/x']);
    assert.equal(await ok(['fs', 'ls', '-R', '/tree']), '/tree:\na\nx\n\n/tree/a:\nb\n\n/tree/a/b:\nc\n\n/tree/a/b/c:\n\n/tree/x:\n');
    assert.equal(await ok(['fs', 'ls', '/tree']), 'a\nx\n');
    assert.ok((await fsp.stat(nodePath.join(underfs, 'tree', 'a', 'b', 'c'))).isDirectory());
  });

  it('put then cat and get return the same bytes, which land in the under store', async () => {
    await fs.mkdir('/data');
    const small = nodePath.join(tmp, 'small.txt');
    await fsp.writeFile(small, 'hello strata\n');
    await ok(['fs', 'put', small, '/data/small.txt']);
    assert.equal(await ok(['fs', 'cat', '/data/small.txt']), 'hello strata\n');

    const big = randomBytes(3 * 1024 * 1024 + 17);
    const bigLocal = nodePath.join(tmp, 'big.bin');
    await fsp.writeFile(bigLocal, big);
    await ok(['fs', 'put', bigLocal, '/data/big.bin']);
    const back = nodePath.join(tmp, 'big.back');
    await ok(['fs', 'get', '/data/big.bin', back]);
    assert.ok((await fsp.readFile(back)).equals(big), 'get returns the bytes put');
    assert.ok((await fsp.readFile(nodePath.join(underfs, 'data', 'big.bin'))).equals(big), 'the under store holds the bytes');
    assert.equal((await fs.stat('/data/big.bin')).size, big.length);

    // put refuses to replace a file unless forced; get likewise for a local file.
    const refused = await strata(['fs', 'put', bigLocal, '/data/small.txt']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /^strata: \/data\/small\.txt: File exists/);
    assert.equal(await fsp.readFile(nodePath.join(underfs, 'data', 'small.txt'), 'utf8'), 'hello strata\n');
    await ok(['fs', 'put', '-f', bigLocal, '/data/small.txt']);
    assert.ok((await fsp.readFile(nodePath.join(underfs, 'data', 'small.txt'))).equals(big));
    const getRefused = await strata(['fs', 'get', '/data/big.bin', small]);
    assert.equal(getRefused.code, 1);
    assert.equal(getRefused.err, `strata: ${small}: File exists\n`);
    assert.equal(await fsp.readFile(small, 'utf8'), 'hello strata\n');
  });

  it('put of a missing local file names it and creates nothing', async () => {
    const missing = nodePath.join(tmp, 'not-there');
    const run = await strata(['fs', 'put', missing, '/never']);
    assert.equal(run.code, 1);
    assert.equal(run.err, `strata: ${missing}: No such file or directory\n`);
    await expectCode(fs.stat('/never'), ErrorCode.NOT_FOUND);
  });

  it('mv moves a directory with its contents, and into an existing directory', async () => {
    await fs.mkdir('/mvsrc/inner', { recursive: true });
    await fs.writeFile('/mvsrc/inner/f.txt', Buffer.from('moved content'));
    await ok(['fs', 'mv', '/mvsrc', '/mvdst']);
    assert.equal(await ok(['fs', 'ls', '-R', '/mvdst']), '/mvdst:\ninner\n\n/mvdst/inner:\nf.txt\n');
    await expectCode(fs.stat('/mvsrc'), ErrorCode.NOT_FOUND);
    assert.equal(await fsp.readFile(nodePath.join(underfs, 'mvdst', 'inner', 'f.txt'), 'utf8'), 'moved content');
    assert.equal(existsSync(nodePath.join(underfs, 'mvsrc')), false);

    await fs.mkdir('/mvhome');
    await ok(['fs', 'mv', '/mvdst', '/mvhome']);
    assert.equal((await fs.stat('/mvhome/mvdst/inner/f.txt')).size, 'moved content'.length);
  });

  it('rm refuses a directory without -r and changes nothing; rm -r removes it', async () => {
    await fs.mkdir('/rmme/sub', { recursive: true });
    await fs.writeFile('/rmme/f', Buffer.from('x'));
    const refused = await strata(['fs', 'rm', '/rmme']);
    assert.equal(refused.code, 1);
    assert.equal(refused.err, 'strata: /rmme: Is a directory (use rm -r)\n');
    const left: string[] = [];
    for await (const e of fs.walk('/rmme')) left.push(e.path);
    assert.deepEqual(left, ['/rmme/f', '/rmme/sub']);
    assert.ok(existsSync(nodePath.join(underfs, 'rmme', 'f')));

    await ok(['fs', 'rm', '-r', '/rmme']);
    await expectCode(fs.stat('/rmme'), ErrorCode.NOT_FOUND);
    assert.equal(existsSync(nodePath.join(underfs, 'rmme')), false);
  });

  it('stat --json prints one FileInfo object', async () => {
    await fs.writeFile('/statme', Buffer.from('12345'));
    const info: unknown = JSON.parse(await ok(['fs', 'stat', '--json', '/statme']));
    assert.ok(typeof info === 'object' && info !== null);
    const o = info as Record<string, unknown>;
    assert.equal(o.path, '/statme');
    assert.equal(o.name, 'statme');
    assert.equal(o.type, 'FILE');
    assert.equal(o.size, 5);
    assert.equal(o.mode, 0o644);
    assert.equal(o.complete, true);
    assert.equal(typeof o.mtimeMs, 'number');
    assert.equal(typeof o.id, 'number');
    assert.equal(o.ufsUri, `file://${underfs}/statme`);
  });

  it('ls --json prints a parseable array, of a directory or of one file', async () => {
    await fs.mkdir('/lsjson/d', { recursive: true });
    await fs.writeFile('/lsjson/f', Buffer.from('abc'));
    const entries = JSON.parse(await ok(['fs', 'ls', '--json', '/lsjson'])) as Array<Record<string, unknown>>;
    assert.deepEqual(
      entries.map((e) => [e.path, e.type, e.size]),
      [
        ['/lsjson/d', 'DIRECTORY', 0],
        ['/lsjson/f', 'FILE', 3],
      ],
    );
    const one = JSON.parse(await ok(['fs', 'ls', '--json', '/lsjson/f'])) as Array<Record<string, unknown>>;
    assert.deepEqual(one.map((e) => e.path), ['/lsjson/f']);
    assert.deepEqual(JSON.parse(await ok(['fs', 'ls', '--json', '/lsjson/d'])), []);
  });

  it('chmod and chown show in ls -l, with names from /etc/passwd where it has them', async () => {
    await fs.mkdir('/perm');
    await fs.writeFile('/perm/file', Buffer.from('0123456789'));
    await fs.symlink('/perm/link', 'file');
    await ok(['fs', 'chmod', '750', '/perm/file']);
    await ok(['fs', 'chown', '48213:48214', '/perm/file']);
    await ok(['fs', 'chmod', '0700', '/perm']);
    const lines = (await ok(['fs', 'ls', '-l', '/perm'])).trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^-rwxr-x--- +1 48213 +48214 +10 [A-Z][a-z]{2} [ \d]\d \d\d:\d\d file$/);
    assert.match(lines[1], /^lrwxrwxrwx +1 \S+ +\S+ +4 .* link -> file$/);
    assert.equal((await fs.stat('/perm')).mode, 0o700);

    const named = readFileSync('/etc/passwd', 'utf8').includes('\nnobody:') ? 'nobody' : 'root';
    await ok(['fs', 'chown', named, '/perm/file']);
    assert.match(await ok(['fs', 'ls', '-l', '/perm/file']), new RegExp(`^-rwxr-x--- 1 ${named} 48214 10 .* /perm/file\\n$`));

    const badMode = await strata(['fs', 'chmod', 'u+rwz', '/perm/file']);
    assert.equal(badMode.code, 2);
    assert.match(badMode.err, /invalid mode 'u\+rwz'/);
    const badUser = await strata(['fs', 'chown', 'no-such-user-xyz', '/perm/file']);
    assert.equal(badUser.code, 1);
    assert.match(badUser.err, /^strata: invalid user: 'no-such-user-xyz'/);
    assert.equal((await fs.stat('/perm/file')).mode, 0o750);
  });

  it('touch creates an empty file, then sets the times of an existing one to now', async () => {
    await ok(['fs', 'touch', '/touched']);
    const created = await fs.stat('/touched');
    assert.equal(created.type, 'FILE');
    assert.equal(created.size, 0);
    assert.equal(created.complete, true);
    assert.equal((await fsp.stat(nodePath.join(underfs, 'touched'))).size, 0);

    const old = Date.UTC(2020, 0, 1);
    await fs.setAttribute('/touched', { mtimeMs: old, atimeMs: old });
    const before = Date.now();
    await ok(['fs', 'touch', '/touched']);
    const touched = await fs.stat('/touched');
    assert.ok(touched.mtimeMs >= before - 1000, `mtime ${touched.mtimeMs} was updated`);
    assert.ok(touched.atimeMs >= before - 1000);
    assert.equal(touched.id, created.id, 'the same file, not a new one');
  });

  it('du and count add up the sizes, directories and files of a tree', async () => {
    await fs.mkdir('/usage/d/e', { recursive: true });
    await fs.writeFile('/usage/a', Buffer.alloc(100));
    await fs.writeFile('/usage/d/b', Buffer.alloc(200));
    await fs.writeFile('/usage/d/e/c', Buffer.alloc(300));
    assert.equal(await ok(['fs', 'du', '/usage']), '300\t/usage/d/e\n500\t/usage/d\n600\t/usage\n');
    assert.equal(await ok(['fs', 'du', '-s', '/usage']), '600\t/usage\n');
    assert.equal(await ok(['fs', 'count', '/usage']), `${'3'.padStart(12)} ${'3'.padStart(12)} ${'600'.padStart(18)} /usage\n`);
  });

  it('mounts --json lists the root mount', async () => {
    const table = JSON.parse(await ok(['fs', 'mounts', '--json'])) as { mounts: Array<Record<string, unknown>> };
    assert.deepEqual(
      table.mounts.map((m) => [m.path, m.ufsUri, m.readOnly]),
      [['/', `file://${underfs}`, false]],
    );
  });

  it('a missing path fails with exit 1 and `strata: PATH: reason`', async () => {
    const run = await strata(['fs', 'ls', '/missing']);
    assert.equal(run.code, 1);
    assert.equal(run.err, 'strata: /missing: No such file or directory\n');
    assert.equal(run.out, '');
    const cat = await strata(['fs', 'cat', '/tree']);
    assert.equal(cat.code, 1);
    assert.equal(cat.err, 'strata: /tree: Is a directory\n');
    await fs.createFile('/unfinished'); // created, data never written nor committed
    const unfinished = await strata(['fs', 'cat', '/unfinished']);
    assert.equal(unfinished.code, 1);
    assert.equal(unfinished.err, 'strata: /unfinished: no data yet: the file is still being written\n');
  });

  it('relative paths, .. and names over 255 bytes fail clearly and create nothing', async () => {
    const long = 'n'.repeat(256);
    const cases: Array<[string, RegExp]> = [
      ['relative/dir', /^strata: relative\/dir: path is not absolute\n$/],
      ['/tree/../escape', /^strata: \/tree\/\.\.\/escape: '\.' and '\.\.' are not allowed\n$/],
      [`/${long}`, /name is longer than 255 bytes\n$/],
    ];
    for (const [path, message] of cases) {
      const run = await strata(['fs', 'mkdir', '-p', path]);
      assert.equal(run.code, 1, path);
      assert.match(run.err, message);
    }
    // The master refuses them too, whoever the client is.
    await expectCode(fs.mkdir('relative/dir', { recursive: true }), ErrorCode.INVALID_ARGUMENT);
    await expectCode(fs.mkdir('/tree/../escape', { recursive: true }), ErrorCode.INVALID_ARGUMENT);
    await expectCode(fs.mkdir(`/${long}`), ErrorCode.NAME_TOO_LONG);
    const names: string[] = [];
    for await (const e of fs.list('/')) names.push(e.name);
    for (const unwanted of ['relative', 'escape', long]) assert.ok(!names.includes(unwanted), unwanted);
    await expectCode(fs.stat('/tree/escape'), ErrorCode.NOT_FOUND);
    const ufsNames = await fsp.readdir(underfs);
    for (const unwanted of ['relative', 'escape', 'n'.repeat(255)]) assert.ok(!ufsNames.some((n) => n.startsWith(unwanted)), unwanted);
  });

  it('usage errors exit 2', async () => {
    const missingArg = await strata(['fs', 'mkdir']);
    assert.equal(missingArg.code, 2);
    assert.match(missingArg.err, /missing required argument/);
    const badOption = await strata(['fs', 'ls', '--bogus', '/']);
    assert.equal(badOption.code, 2);
    assert.match(badOption.err, /unknown option/);
  });

  it('with no master reachable a command fails within seconds, naming the addresses it tried', async () => {
    assert.equal(cliClientOptions({}).connectTimeoutMs, CLI_CONNECT_TIMEOUT_MS);
    const deadPort = await freePort();
    const envs: Array<Record<string, string>> = [{ STRATA_CONNECT_TIMEOUT_MS: '1000' }, { STRATA_CALL_TIMEOUT_MS: '1000' }];
    for (const env of envs) {
      const started = Date.now();
      const run = await strata(['--masters', `127.0.0.1:${deadPort}`, 'fs', 'ls', '/'], env);
      const elapsed = Date.now() - started;
      assert.equal(run.code, 1);
      assert.match(run.err, new RegExp(`^strata: no master (reachable|answered) within 1000 ms \\(tried 127\\.0\\.0\\.1:${deadPort}\\)`));
      assert.ok(elapsed < 4000, `took ${elapsed} ms`);
    }
  });
});

describe("the CLI's fail-fast master client", () => {
  /** How long a getMasterInfo call takes to fail, and with what message. */
  async function failure(address: string): Promise<{ ms: number; message: string }> {
    const client = new MasterClient([address], { connectTimeoutMs: 300, callTimeoutMs: 2000 });
    const started = Date.now();
    try {
      await client.call('getMasterInfo', {});
      return { ms: Date.now() - started, message: 'answered' };
    } catch (err) {
      return { ms: Date.now() - started, message: err instanceof Error ? err.message : String(err) };
    } finally {
      client.close();
    }
  }

  it('gives up on an unreachable master after connectTimeoutMs', async () => {
    const { ms, message } = await failure(`127.0.0.1:${await freePort()}`);
    assert.match(message, /^no master reachable within 300 ms/);
    assert.ok(ms < 1500, `took ${ms} ms`);
  });

  it('lets a call on a live connection run up to callTimeoutMs (a slow master is not an absent one)', async () => {
    // A master that accepts the session and never answers: a slow operation.
    const server = new grpc.Server();
    server.addService(loadMasterProto().strata.master.FileSystemMaster.service, { Session: () => undefined });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    try {
      const { ms, message } = await failure(`127.0.0.1:${port}`);
      assert.match(message, /^no master answered within 2000 ms/);
      assert.ok(ms >= 1900, `gave up after ${ms} ms`);
    } finally {
      server.forceShutdown();
    }
  });
});
