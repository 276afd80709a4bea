// The S3 test server as its own process (started by s3-server.ts, never
// imported): s3rver on a free loopback port, storing in the directory given as
// argv[2], with the buckets named by the other arguments. Prints one JSON line
// {"port":N} on stdout when it serves. Exits on SIGTERM/SIGINT and when its
// stdin closes, so it dies with the test process even if that one crashes.
// Run it under `node --openssl-legacy-provider`: on Node 20, s3rver's paged
// listings (continuation tokens) fail without it.

import S3rver from 's3rver';

async function main(): Promise<void> {
  const [directory, ...buckets] = process.argv.slice(2);
  if (directory === undefined) throw new Error('usage: s3rver-main DIRECTORY [BUCKET…]');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const address = await server.run();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.stdout.write(JSON.stringify({ port: address.port }) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`s3rver-main: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
