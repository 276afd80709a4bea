// A real S3-protocol server for tests: s3rver started as its own process
// (s3rver-main.ts under `node --openssl-legacy-provider`) on a free loopback
// port, with a fresh temp directory and the buckets asked for. stop() kills
// it and removes the directory; call it in after() (it is safe to call twice,
// and the child also exits when the test process dies, as its stdin closes).

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

/** s3rver's built-in account. */
export const S3RVER_ACCESS_KEY = 'S3RVER';
export const S3RVER_SECRET_KEY = 'S3RVER';

export interface S3TestServer {
  endpoint: string;
  /** Mount options for a store on this server (credentials included). */
  options: Record<string, string>;
  /** An SDK client for changing buckets behind strata's back. */
  client(): S3Client;
  stop(): Promise<void>;
}

const MAIN = nodePath.join(__dirname, 's3rver-main.js');

export async function startS3Server(buckets: string[]): Promise<S3TestServer> {
  const dir = await fsp.mkdtemp(nodePath.join(os.tmpdir(), 'strata-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', MAIN, dir, ...buckets], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let port: number;
  try {
    port = await readyPort(child);
  } catch (err) {
    child.kill('SIGKILL');
    await fsp.rm(dir, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const options = { endpoint, region: 'us-east-1', access_key: S3RVER_ACCESS_KEY, secret_key: S3RVER_SECRET_KEY, path_style: 'true' };
  const clients: S3Client[] = [];
  let stopped: Promise<void> | null = null;
  return {
    endpoint,
    options,
    client() {
      const c = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: S3RVER_ACCESS_KEY, secretAccessKey: S3RVER_SECRET_KEY },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      clients.push(c);
      return c;
    },
    stop() {
      stopped ??= (async () => {
        for (const c of clients) c.destroy();
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(timer);
        }
        await fsp.rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Waits for the {"port":N} line; rejects if the child exits or stays silent for 20 s. */
function readyPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error('s3rver did not start within 20 s')), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with status ${String(code)} before serving`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const parsed: unknown = JSON.parse(buffered.slice(0, nl));
      if (typeof parsed === 'object' && parsed !== null && 'port' in parsed && typeof parsed.port === 'number') resolve(parsed.port);
      else reject(new Error(`s3rver printed ${buffered.slice(0, nl)}`));
    });
  });
}
