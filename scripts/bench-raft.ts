// The price and the benefit of replication, measured in one run on this
// machine: `strata bench meta` (createFile and getStatus) against one master
// and against a cluster of three (all on this one machine, so the three
// share its two cores and its disk), with the ratio three/one; then the
// failover time over N trials: a client keeps creating files, the leader is
// SIGKILLed, and the clock runs until the client's first successful create
// after the kill (the killed master is restarted and caught up between
// trials).
//
//   npx tsc -p . && node dist/scripts/bench-raft.js [--trials 10] [--clients 4] [--files 2000] [--duration 8] [--json]

import { performance } from 'node:perf_hooks';
import { MetaBenchResult, runMetaBench } from '../src/bench/meta';
import { machine, round } from '../src/bench/stats';
import { MasterProcess, makeTempDir, removeDir } from '../test/master/harness';
import { Cluster } from '../test/raft/cluster-harness';

interface Args {
  trials: number;
  clients: number;
  files: number;
  duration: number;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { trials: 10, clients: 4, files: 2000, duration: 8, json: false };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (name === 'json') args.json = true;
    else if (name in args) (args as unknown as Record<string, number>)[name] = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return args;
}

async function meta(masters: string[], a: Args): Promise<MetaBenchResult> {
  return runMetaBench({
    masters,
    clients: a.clients,
    files: a.files,
    durationSec: a.duration,
    ops: ['create', 'getStatus'],
    window: 32,
    layouts: ['tree'],
    referenceSec: 2,
    readSec: a.duration,
    keep: false,
  });
}

/** Time from the leader's SIGKILL to the first create acknowledged after it, in ms. */
async function failoverTrial(cluster: Cluster, trial: number): Promise<number> {
  const fs = cluster.client(20_000);
  let stop = false;
  let killedAt = Infinity;
  let firstAfterKill = Infinity;
  let n = 0;
  try {
    await fs.mkdir(`/failover-${trial}`);
    const writers = Array.from({ length: 8 }, async () => {
      while (!stop) {
        // Only a create issued after the kill proves a new leader serves.
        const issuedAt = performance.now();
        await fs.createFile(`/failover-${trial}/f${n++}`).then(
          () => {
            if (issuedAt >= killedAt) firstAfterKill = Math.min(firstAfterKill, performance.now());
          },
          () => undefined,
        );
      }
    });
    await new Promise((r) => setTimeout(r, 500));
    const leader = await cluster.waitForLeader();
    killedAt = performance.now();
    await cluster.kill(leader);
    while (firstAfterKill === Infinity && performance.now() - killedAt < 30_000) await new Promise((r) => setTimeout(r, 2));
    const ms = firstAfterKill - killedAt;
    stop = true;
    await Promise.all(writers);
    await cluster.startMember(leader);
    // Caught up before the next trial.
    for (;;) {
      const infos = await Promise.all(cluster.ids.map((id) => cluster.info(id)));
      if (infos.every((i) => i !== null && i.appliedIndex === infos[0]?.commitIndex)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return ms;
  } finally {
    stop = true;
    await fs.close();
  }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const log = (line: string) => {
    if (!a.json) process.stdout.write(line + '\n');
  };
  const dir = await makeTempDir('bench-raft');
  let lone: MasterProcess | null = null;
  let cluster: Cluster | null = null;
  try {
    log(`bench raft — ${new Date().toISOString()} — ${machine()}`);
    lone = await MasterProcess.start(dir);
    log('one master …');
    const one = await meta([lone.address], a);
    await lone.stop();
    lone = null;
    cluster = await Cluster.start(3);
    log('three masters …');
    const three = await meta(cluster.addresses, a);
    const rows = (['create', 'getStatus'] as const).map((op) => {
      const x = one.ops[op];
      const y = three.ops[op];
      return { op, one: x, three: y, ratio: x && y ? round(y.opsPerSec / x.opsPerSec, 2) : 0 };
    });
    log('op          1 master ops/s  p99 ms   3 masters ops/s  p99 ms   3/1');
    for (const r of rows) {
      log(
        `${r.op.padEnd(11)} ${String(r.one?.opsPerSec).padStart(14)}  ${String(r.one?.p99Ms).padStart(6)}   ${String(r.three?.opsPerSec).padStart(15)}  ${String(r.three?.p99Ms).padStart(6)}   ${r.ratio.toFixed(2)}`,
      );
    }
    const failovers: number[] = [];
    for (let t = 0; t < a.trials; t++) {
      const ms = await failoverTrial(cluster, t);
      failovers.push(round(ms));
      log(`failover trial ${t + 1}: ${round(ms)} ms`);
    }
    const sorted = [...failovers].sort((x, y) => x - y);
    const median = sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)];
    const max = sorted[sorted.length - 1] ?? 0;
    log(`failover (leader SIGKILL -> first acknowledged create), ${a.trials} trials: median ${median} ms, max ${max} ms`);
    if (a.json) process.stdout.write(JSON.stringify({ machine: machine(), date: new Date().toISOString(), rows, failovers, median, max }) + '\n');
  } finally {
    await lone?.stop();
    await cluster?.close();
    await removeDir(dir);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-raft: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
