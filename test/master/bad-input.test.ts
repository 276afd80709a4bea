// Bad input against an in-process master: every malformed path and every
// request the namespace rules forbid gets its own error code (checked as
// err.code, never the wording) and leaves the namespace exactly as it was
// (a full listing, times and link counts included, is compared before and
// after). Garbage on the gRPC port must not take the master down, and the
// plain unary methods must serve a gRPC client that is not strata's own.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import type { StrataFileSystem } from '../../src/client/file-system';
import { MASTER_PROTO, PROTO_OPTIONS } from '../../src/common/api';
import type { Master } from '../../src/master/master';
import { CODE_METADATA_KEY } from '../../src/master/service';
import { makeTempDir, newClient, outcome, removeDir, startMaster, walkApiFull } from './harness';

/** A call that hangs is a failure, not a stuck test run. */
const CALL_DEADLINE_MS = 10_000;
const TEST_TIMEOUT = { timeout: 60_000 };

describe('bad input', () => {
  let dataDir = '';
  let master: Master | null = null;
  let fs: StrataFileSystem | null = null;

  before(async () => {
    dataDir = await makeTempDir('bad-input');
    master = await startMaster(dataDir);
    fs = newClient(master.address);
    await fs.mkdir('/dir');
    await fs.mkdir('/dir/sub');
    await fs.createFile('/dir/sub/file');
    await fs.createFile('/file');
    await fs.mkdir('/empty');
    await fs.symlink('/link', '/dir');
  });

  after(async () => {
    await fs?.close();
    await master?.close();
    await removeDir(dataDir);
  });

  function client(): StrataFileSystem {
    assert.ok(fs !== null);
    return fs;
  }

  /** Everything the API says about the namespace, the root included. */
  async function snapshot(): Promise<string> {
    const c = client();
    const all = await walkApiFull(c, '/');
    return JSON.stringify([await c.stat('/'), ...all.entries()]);
  }

  async function list(path: string): Promise<void> {
    for await (const _ of client().list(path)) {
      // drain
    }
  }

  test('malformed paths are refused by every call with the right code and change nothing', TEST_TIMEOUT, async () => {
    const fs = client();
    const before = await snapshot();
    const deep = '/' + Array.from({ length: 20 }, () => 'd'.repeat(210)).join('/'); // > 4096 bytes
    assert.ok(Buffer.byteLength(deep) > 4096);
    const cases: Array<[string, string]> = [
      ['', 'INVALID_ARGUMENT'],
      ['dir', 'INVALID_ARGUMENT'],
      ['dir/x', 'INVALID_ARGUMENT'],
      ['./dir', 'INVALID_ARGUMENT'],
      ['/.', 'INVALID_ARGUMENT'],
      ['/..', 'INVALID_ARGUMENT'],
      ['/dir/./x', 'INVALID_ARGUMENT'],
      ['/dir/../x', 'INVALID_ARGUMENT'],
      ['/dir/..', 'INVALID_ARGUMENT'],
      ['/dir//x', 'INVALID_ARGUMENT'],
      ['//', 'INVALID_ARGUMENT'],
      ['//dir', 'INVALID_ARGUMENT'],
      ['/dir/x\0y', 'INVALID_ARGUMENT'],
      ['/\0', 'INVALID_ARGUMENT'],
      ['/' + 'n'.repeat(256), 'NAME_TOO_LONG'],
      ['/dir/' + 'n'.repeat(256) + '/x', 'NAME_TOO_LONG'],
      ['/' + 'é'.repeat(128), 'NAME_TOO_LONG'], // 128 characters, 256 bytes
      [deep, 'NAME_TOO_LONG'],
    ];
    const ops: Array<[string, (p: string) => Promise<unknown>]> = [
      ['stat', (p) => fs.stat(p)],
      ['list', (p) => list(p)],
      ['createFile', (p) => fs.createFile(p)],
      ['createFile recursive', (p) => fs.createFile(p, { recursive: true, overwrite: true })],
      ['mkdir', (p) => fs.mkdir(p)],
      ['mkdir recursive', (p) => fs.mkdir(p, { recursive: true })],
      ['symlink', (p) => fs.symlink(p, '/file')],
      ['setAttribute', (p) => fs.setAttribute(p, { mode: 0o600 })],
      ['delete', (p) => fs.delete(p)],
      ['delete recursive', (p) => fs.delete(p, { recursive: true })],
      ['rename from', (p) => fs.rename(p, '/renamed')],
      ['rename to', (p) => fs.rename('/file', p)],
      ['rename dir to', (p) => fs.rename('/empty', p)],
    ];
    const wrong: string[] = [];
    for (const [path, code] of cases) {
      for (const [name, op] of ops) {
        const got = await outcome(() => op(path));
        if (got !== code) wrong.push(`${name}(${JSON.stringify(path.length > 40 ? path.slice(0, 40) + '…' : path)}): ${got}, expected ${code}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.equal(await snapshot(), before);
    // A single trailing slash is tolerated, as shells produce it.
    assert.equal((await fs.stat('/dir/')).path, '/dir');
  });

  test('names of exactly 255 bytes and paths of 4096 bytes are accepted', TEST_TIMEOUT, async () => {
    const fs = client();
    const ascii = '/' + 'n'.repeat(255);
    const multibyte = '/' + 'é'.repeat(127) + 'a'; // 255 bytes
    await fs.createFile(ascii);
    await fs.mkdir(multibyte);
    assert.equal((await fs.stat(ascii)).type, 'FILE');
    assert.equal((await fs.stat(multibyte)).type, 'DIRECTORY');
    // 4096 bytes exactly, in metadata only (a file: no under store path is made).
    const parts: string[] = [];
    let length = 0;
    while (length + 1 + 200 < 4096) {
      parts.push('p'.repeat(200));
      length += 201;
    }
    const last = 'f'.repeat(4096 - length - 1);
    const longPath = '/' + [...parts, last].join('/');
    assert.equal(Buffer.byteLength(longPath), 4096);
    await fs.createFile(longPath, { recursive: true });
    assert.equal((await fs.stat(longPath)).type, 'FILE');
    await fs.delete(ascii);
    await fs.delete(multibyte);
    await fs.delete('/' + parts[0], { recursive: true });
  });

  test('requests the namespace rules forbid get their error code and change nothing', TEST_TIMEOUT, async () => {
    const fs = client();
    const before = await snapshot();
    const cases: Array<[string, () => Promise<unknown>, string]> = [
      // under a file
      ['createFile under a file', () => fs.createFile('/file/x'), 'NOT_DIRECTORY'],
      ['createFile recursive under a file', () => fs.createFile('/file/x/y', { recursive: true }), 'NOT_DIRECTORY'],
      ['mkdir under a file', () => fs.mkdir('/file/x'), 'NOT_DIRECTORY'],
      ['mkdir -p under a file', () => fs.mkdir('/file/x/y', { recursive: true }), 'NOT_DIRECTORY'],
      ['symlink under a file', () => fs.symlink('/file/x', '/dir'), 'NOT_DIRECTORY'],
      ['stat under a file', () => fs.stat('/file/x'), 'NOT_DIRECTORY'],
      ['rename to under a file', () => fs.rename('/dir/sub/file', '/file/x'), 'NOT_DIRECTORY'],
      ['createFile in a missing directory', () => fs.createFile('/missing/x'), 'NOT_FOUND'],
      // exists / wrong kind
      ['createFile of an existing file', () => fs.createFile('/file'), 'EXISTS'],
      ['createFile of a directory', () => fs.createFile('/dir'), 'EXISTS'],
      ['createFile overwrite of a directory', () => fs.createFile('/dir', { overwrite: true }), 'IS_DIRECTORY'],
      ['mkdir of an existing file', () => fs.mkdir('/file'), 'EXISTS'],
      ['mkdir -p of an existing file', () => fs.mkdir('/file', { recursive: true }), 'EXISTS'],
      ['mkdir of an existing directory', () => fs.mkdir('/dir'), 'EXISTS'],
      ['symlink onto an existing name', () => fs.symlink('/file', '/x'), 'EXISTS'],
      ['symlink with an empty target', () => fs.symlink('/newlink', ''), 'INVALID_ARGUMENT'],
      ['symlink with a NUL in the target', () => fs.symlink('/newlink', 'a\0b'), 'INVALID_ARGUMENT'],
      // delete
      ['delete of a non-empty directory without recursive', () => fs.delete('/dir'), 'NOT_EMPTY'],
      ['delete of a missing path', () => fs.delete('/missing'), 'NOT_FOUND'],
      ['delete of the root', () => fs.delete('/'), 'NOT_PERMITTED'],
      ['recursive delete of the root', () => fs.delete('/', { recursive: true }), 'NOT_PERMITTED'],
      // rename
      ['rename of a directory into itself', () => fs.rename('/dir', '/dir/x'), 'INVALID_ARGUMENT'],
      ['rename of a directory into its subtree', () => fs.rename('/dir', '/dir/sub/x'), 'INVALID_ARGUMENT'],
      ['rename of the root', () => fs.rename('/', '/x'), 'NOT_PERMITTED'],
      ['rename onto the root', () => fs.rename('/dir', '/'), 'NOT_PERMITTED'],
      ['rename of a missing path', () => fs.rename('/missing', '/x'), 'NOT_FOUND'],
      ['rename into a missing directory', () => fs.rename('/file', '/missing/x'), 'NOT_FOUND'],
      ['rename of a file onto a directory', () => fs.rename('/file', '/empty'), 'IS_DIRECTORY'],
      ['rename of a directory onto a file', () => fs.rename('/empty', '/file'), 'NOT_DIRECTORY'],
      ['rename of a directory onto a non-empty directory', () => fs.rename('/empty', '/dir'), 'NOT_EMPTY'],
      ['rename of a directory onto its own parent', () => fs.rename('/dir/sub', '/dir'), 'NOT_EMPTY'],
      // root and attributes
      ['mkdir of the root', () => fs.mkdir('/'), 'EXISTS'],
      ['createFile of the root', () => fs.createFile('/'), 'EXISTS'],
      ['setAttribute with a mode beyond 07777', () => fs.setAttribute('/file', { mode: 0o17777 }), 'INVALID_ARGUMENT'],
      ['setAttribute size of a directory', () => fs.setAttribute('/dir', { size: 1 }), 'IS_DIRECTORY'],
      ['setAttribute of a missing path', () => fs.setAttribute('/missing', { mode: 0o600 }), 'NOT_FOUND'],
      ['list of a missing directory', () => list('/missing'), 'NOT_FOUND'],
    ];
    const wrong: string[] = [];
    for (const [what, op, code] of cases) {
      const got = await outcome(op);
      if (got !== code) wrong.push(`${what}: ${got}, expected ${code}`);
    }
    assert.deepEqual(wrong, []);
    assert.equal(await snapshot(), before);
    // Renaming a path onto itself is allowed and changes nothing either.
    await fs.rename('/dir', '/dir');
    await fs.rename('/file', '/file');
    assert.equal(await snapshot(), before);
  });

  test('garbage bytes on the gRPC port do not crash the master', TEST_TIMEOUT, async () => {
    assert.ok(master !== null);
    const port = master.port;
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    // A SETTINGS frame header that claims 16 MiB of payload, then nothing.
    const hugeFrame = Buffer.from([0xff, 0xff, 0xff, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00]);
    const payloads: Array<[string, Buffer]> = [
      ['random bytes', randomBytes(4096)],
      ['an HTTP/1 request', Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n')],
      ['an HTTP/1 POST to the gRPC path', Buffer.from('POST /strata.master.FileSystemMaster/GetStatus HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc\r\nContent-Length: 5\r\n\r\n\0\0\0\0\0')],
      ['a truncated HTTP/2 preface', preface.subarray(0, 11)],
      ['a preface and random frames', Buffer.concat([preface, randomBytes(2048)])],
      ['a preface and a frame that never ends', Buffer.concat([preface, hugeFrame])],
      ['nothing at all', Buffer.alloc(0)],
    ];
    for (const [what, bytes] of payloads) {
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        const timer = setTimeout(() => socket.destroy(), 300);
        socket.on('connect', () => {
          if (bytes.length > 0) socket.write(bytes);
        });
        socket.on('data', () => undefined);
        socket.on('error', () => undefined); // a reset from the server is fine
        socket.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.on('timeout', () => reject(new Error(`${what}: socket timeout`)));
      });
      // The master still answers, on the connection it had and on a new one.
      assert.equal((await client().stat('/')).type, 'DIRECTORY', `after ${what}`);
    }
    const fresh = newClient(master.address);
    try {
      assert.equal((await fresh.stat('/dir')).type, 'DIRECTORY');
      await fresh.createFile('/after-garbage');
      await fresh.delete('/after-garbage');
    } finally {
      await fresh.close();
    }
  });

  test('plain unary gRPC methods serve a client that is not strata’s, with strata-code on errors', TEST_TIMEOUT, async () => {
    assert.ok(master !== null);
    // Only the .proto and grpc-js, as any other language's client would have.
    const definition = protoLoader.loadSync(MASTER_PROTO, PROTO_OPTIONS);
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      strata: { master: { FileSystemMaster: new (address: string, creds: grpc.ChannelCredentials) => grpc.Client } };
    };
    const raw = new loaded.strata.master.FileSystemMaster(master.address, grpc.credentials.createInsecure());
    const methods = raw as unknown as Record<string, (...args: unknown[]) => unknown>;
    const unary = (method: string, request: object): Promise<Record<string, unknown>> =>
      new Promise((resolve, reject) => {
        methods[method].call(raw, request, { deadline: Date.now() + CALL_DEADLINE_MS }, (err: grpc.ServiceError | null, reply: Record<string, unknown>) => (err ? reject(err) : resolve(reply)));
      });
    const stream = (request: object): Promise<Array<{ entries: Array<{ name: string }>; hasMore: boolean }>> =>
      new Promise((resolve, reject) => {
        const pages: Array<{ entries: Array<{ name: string }>; hasMore: boolean }> = [];
        const call = methods.ListStatus.call(raw, request, { deadline: Date.now() + CALL_DEADLINE_MS }) as grpc.ClientReadableStream<{ entries: Array<{ name: string }>; hasMore: boolean }>;
        call.on('data', (page) => pages.push(page));
        call.on('error', reject);
        call.on('end', () => resolve(pages));
      });
    const failure = async (p: Promise<unknown>): Promise<{ status: number; code: unknown }> => {
      try {
        await p;
      } catch (err) {
        const e = err as grpc.ServiceError;
        return { status: e.code, code: e.metadata?.get(CODE_METADATA_KEY)[0] };
      }
      throw new Error('the call succeeded');
    };
    try {
      const root = await unary('GetStatus', { path: '/' });
      assert.equal((root.info as { type: string }).type, 'DIRECTORY');
      const made = await unary('CreateDirectory', { path: '/plain', mode: 0o750 });
      assert.equal((made.info as { path: string }).path, '/plain');
      assert.equal((made.info as { mode: number }).mode, 0o750);
      for (const name of ['c', 'a', 'e', 'b', 'd']) await unary('CreateFile', { path: `/plain/${name}`, mode: 0o600 });
      // Server streaming: one message per page, in name order.
      const pages = await stream({ path: '/plain', limit: 2 });
      assert.deepEqual(pages.map((p) => p.entries.map((e) => e.name)), [['a', 'b'], ['c', 'd'], ['e']]);
      assert.deepEqual(pages.map((p) => p.hasMore), [true, true, false]);
      await unary('Rename', { src: '/plain/e', dst: '/plain/f' });
      await unary('Delete', { path: '/plain', recursive: true });
      // A mutation retried with the same caller id is answered from memory, not applied twice.
      const caller = { clientId: 'plain-client', seq: 1, firstIncomplete: 1 };
      const first = await unary('CreateFile', { caller, path: '/retried', mode: 0o644 });
      const retry = await unary('CreateFile', { caller, path: '/retried', mode: 0o644 });
      assert.equal((retry.info as { id: number }).id, (first.info as { id: number }).id);
      await unary('Delete', { path: '/retried' });
      // The Session stream refuses a call without an operation, and goes on.
      const replies = await new Promise<Array<{ callId: number; error: { code: string } | null }>>((resolve, reject) => {
        const out: Array<{ callId: number; error: { code: string } | null }> = [];
        const session = methods.Session.call(raw, { deadline: Date.now() + CALL_DEADLINE_MS }) as grpc.ClientDuplexStream<object, { replies: Array<{ callId: number; error: { code: string } | null }> }>;
        session.on('data', (batch) => {
          out.push(...batch.replies);
          if (out.length === 2) session.end();
        });
        session.on('error', reject);
        session.on('end', () => resolve(out));
        session.write({ calls: [{ callId: 7 }, { callId: 8, getStatus: { path: '/dir' } }] });
      });
      replies.sort((a, b) => a.callId - b.callId);
      assert.equal(replies[0].error?.code, 'INVALID_ARGUMENT');
      assert.equal(replies[1].error, null);
      const info = await unary('GetMasterInfo', {});
      assert.equal(info.role, 'leader');
      assert.ok(Number(info.appliedIndex) > 0);

      assert.deepEqual(await failure(unary('GetStatus', { path: '/plain' })), { status: grpc.status.NOT_FOUND, code: 'NOT_FOUND' });
      assert.deepEqual(await failure(unary('GetStatus', { path: 'relative' })), { status: grpc.status.INVALID_ARGUMENT, code: 'INVALID_ARGUMENT' });
      assert.deepEqual(await failure(unary('CreateDirectory', { path: '/dir' })), { status: grpc.status.ALREADY_EXISTS, code: 'EXISTS' });
      assert.deepEqual(await failure(unary('Delete', { path: '/dir' })), { status: grpc.status.FAILED_PRECONDITION, code: 'NOT_EMPTY' });
      assert.deepEqual(await failure(unary('Rename', { src: '/', dst: '/x' })), { status: grpc.status.PERMISSION_DENIED, code: 'NOT_PERMITTED' });
      assert.deepEqual(await failure(stream({ path: '/plain' })), { status: grpc.status.NOT_FOUND, code: 'NOT_FOUND' });
      assert.deepEqual(await failure(stream({ path: '/file/x' })), { status: grpc.status.FAILED_PRECONDITION, code: 'NOT_DIRECTORY' });
    } finally {
      raw.close();
    }
  });
});
