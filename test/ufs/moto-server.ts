// A second real S3-protocol server for tests, for what s3rver does not
// implement (UploadPartCopy: s3rver 3.7.1 answers NotImplemented): moto's
// server (`moto_server`, Python) started as its own process on a free
// loopback port. Not every machine has it (pip package moto[server]):
// startMotoServer() resolves to null then, and the tests that need it skip,
// saying why.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface MotoServer {
  endpoint: string;
  /** Mount options for a store on this server (moto takes any credentials). */
  options: Record<string, string>;
  client(): S3Client;
  stop(): Promise<void>;
}

/** moto's server on a free port with the buckets made; null where moto_server is not installed. */
export async function startMotoServer(buckets: string[]): Promise<MotoServer | null> {
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let port: number | null;
  try {
    port = await readyPort(child);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  if (port === null) return null;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  const client = (): S3Client => {
    const c = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' } });
    clients.push(c);
    return c;
  };
  const stop = async (): Promise<void> => {
    for (const c of clients) c.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    const admin = client();
    for (const Bucket of buckets) await admin.send(new CreateBucketCommand({ Bucket }));
  } catch (err) {
    await stop();
    throw err;
  }
  let stopped: Promise<void> | null = null;
  return {
    endpoint,
    options: { endpoint, region: 'us-east-1', access_key: 'moto', secret_key: 'moto', path_style: 'true' },
    client,
    stop() {
      stopped ??= stop();
      return stopped;
    },
  };
}

/**
 * Waits for werkzeug's "Running on http://127.0.0.1:PORT" line (stdout or
 * stderr); null if there is no moto_server to run. Its request log is read
 * and dropped afterwards, so that a full pipe never stalls it.
 */
function readyPort(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    let seen = '';
    let ready = false;
    const timer = setTimeout(() => reject(new Error(`moto_server did not start within 20 s: ${seen}`)), 20_000);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT') resolve(null);
      else reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`moto_server exited with status ${String(code)} before serving: ${seen}`));
    });
    const onData = (chunk: Buffer): void => {
      if (ready) return;
      seen += chunk.toString('utf8');
      const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(seen);
      if (m !== null) {
        ready = true;
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}
