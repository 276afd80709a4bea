// The grpc-js reference of the metadata benchmark: an echo server (run in
// its own process) and two measurements against it: messages per second over
// one bidirectional stream with a window of messages in flight, and unary
// calls per second with one in flight.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import path from 'node:path';
import { PROTO_OPTIONS } from '../common/api';
import type { ProtoGrpcType } from '../gen/bench';
import type { EchoClient } from '../gen/strata/bench/Echo';
import type { EchoMessage__Output } from '../gen/strata/bench/EchoMessage';

const BENCH_PROTO = path.join(__dirname, '..', '..', '..', 'proto', 'bench.proto');

function loadBenchProto(): ProtoGrpcType {
  return grpc.loadPackageDefinition(protoLoader.loadSync(BENCH_PROTO, PROTO_OPTIONS)) as unknown as ProtoGrpcType;
}

export async function startEchoServer(port = 0): Promise<{ port: number; server: grpc.Server }> {
  const proto = loadBenchProto();
  const server = new grpc.Server();
  server.addService(proto.strata.bench.Echo.service, {
    Unary: (call: grpc.ServerUnaryCall<EchoMessage__Output, EchoMessage__Output>, cb: grpc.sendUnaryData<EchoMessage__Output>) => cb(null, call.request),
    Stream: (call: grpc.ServerDuplexStream<EchoMessage__Output, EchoMessage__Output>) => {
      call.on('data', (m: EchoMessage__Output) => call.write(m));
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port: bound, server };
}

function client(address: string): EchoClient {
  const proto = loadBenchProto();
  return new proto.strata.bench.Echo(address, grpc.credentials.createInsecure());
}

const SAMPLE_PATH = '/bench/tree/c0/d0/f000123';

/** Echoes per second over one stream, keeping `window` messages in flight. */
export async function measureStream(address: string, seconds: number, window = 64): Promise<number> {
  const c = client(address);
  try {
    const call = c.Stream();
    let received = 0;
    let sent = 0;
    const start = process.hrtime.bigint();
    const endAt = Date.now() + seconds * 1000;
    await new Promise<void>((resolve, reject) => {
      call.on('error', reject);
      call.on('data', () => {
        received++;
        if (Date.now() < endAt) call.write({ id: sent++, path: SAMPLE_PATH });
        else if (received === sent) resolve();
      });
      for (let i = 0; i < window; i++) call.write({ id: sent++, path: SAMPLE_PATH });
    });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    call.end();
    return received / elapsed;
  } finally {
    c.close();
  }
}

/** Unary calls per second with one in flight. */
export async function measureUnary(address: string, seconds: number): Promise<number> {
  const c = client(address);
  try {
    let calls = 0;
    const start = process.hrtime.bigint();
    const endAt = Date.now() + seconds * 1000;
    while (Date.now() < endAt) {
      await new Promise<void>((resolve, reject) => c.Unary({ id: calls, path: SAMPLE_PATH }, (err) => (err ? reject(err) : resolve())));
      calls++;
    }
    return calls / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    c.close();
  }
}
