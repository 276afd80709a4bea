// Linearizability of the replicated master, with real processes: clients
// run namespace operations on a handful of paths against three masters
// while a nemesis SIGKILLs and restarts leaders and cuts links (the
// transport's fault injection). Every operation's invocation and response
// (or its unknown outcome) is recorded, and the history is checked against
// the sequential namespace model. A failing run prints its seed
// (RAFT_LIN_SEED=… reruns the same choices; timing still varies).

import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { StrataFileSystem } from '../../src/client/file-system';
import { ErrorCode, StrataError } from '../../src/common/errors';
import { Operation, checkLinearizable } from '../lib/linearizability';
import { NamespaceInput, NamespaceOutput, namespaceModel } from '../lib/namespace-model';
import { Rng, seedFrom } from '../master/harness';
import { Cluster } from './cluster-harness';

const PATHS = ['/a', '/b', '/a/x', '/b/x'];
const CLIENTS = 5;
const RUN_MS = Number(process.env.RAFT_LIN_MS ?? 12_000);
/** Outcomes that say nothing about whether the operation took effect. */
const UNKNOWN: ReadonlySet<string> = new Set([ErrorCode.UNAVAILABLE, ErrorCode.CLOSED, ErrorCode.NOT_LEADER, ErrorCode.IO, ErrorCode.INTERNAL]);

function randomInput(rng: Rng): NamespaceInput {
  const path = rng.pick(PATHS);
  switch (rng.int(6)) {
    case 0:
      return { op: 'mkdir', path };
    case 1:
      return { op: 'create', path };
    case 2:
      return { op: 'delete', path };
    case 3:
      return { op: 'rename', src: path, dst: rng.pick(PATHS) };
    case 4:
      return { op: 'stat', path };
    default:
      return { op: 'list', path: rng.pick(['/', '/a', '/b']) };
  }
}

async function perform(fs: StrataFileSystem, input: NamespaceInput): Promise<NamespaceOutput> {
  switch (input.op) {
    case 'mkdir':
      await fs.mkdir(input.path);
      return { ok: true };
    case 'create':
      await fs.createFile(input.path);
      return { ok: true };
    case 'delete':
      await fs.delete(input.path);
      return { ok: true };
    case 'rename':
      await fs.rename(input.src, input.dst);
      return { ok: true };
    case 'stat': {
      const info = await fs.stat(input.path);
      return { ok: true, kind: info.type === 'DIRECTORY' ? 'dir' : 'file' };
    }
    case 'list': {
      const names: string[] = [];
      for await (const entry of fs.list(input.path)) names.push(entry.name);
      return { ok: true, names };
    }
  }
}

describe('linearizability of three real masters under leader kills and partitions', { timeout: 180_000 }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await Cluster.start(3);
  });
  after(async () => {
    await cluster?.close();
  });

  it('every history is linearizable against the namespace model', async () => {
    const seed = seedFrom('RAFT_LIN_SEED');
    const rng = new Rng(seed);
    const history: Operation<NamespaceInput, NamespaceOutput>[] = [];
    const clients = Array.from({ length: CLIENTS }, () => new StrataFileSystem(cluster.addresses, { callTimeoutMs: 4000 }));
    const end = performance.now() + RUN_MS;
    const faults: string[] = [];
    try {
      const workers = clients.map(async (fs, client) => {
        const local = new Rng(seed + client + 1);
        while (performance.now() < end) {
          const input = randomInput(local);
          const call = performance.now();
          try {
            const output = await perform(fs, input);
            history.push({ client, input, call, ret: performance.now(), output });
          } catch (err) {
            const code = err instanceof StrataError ? err.code : 'INTERNAL';
            if (UNKNOWN.has(code)) history.push({ client, input, call, ret: Infinity, output: undefined });
            else history.push({ client, input, call, ret: performance.now(), output: { ok: false, code } });
          }
        }
      });
      const nemesis = (async () => {
        while (performance.now() < end - 2000) {
          await new Promise((r) => setTimeout(r, 1000 + rng.int(1500)));
          const leader = await cluster.waitForLeader(10_000).catch(() => null);
          if (leader === null) continue;
          if (rng.chance(0.5)) {
            faults.push(`kill ${leader}`);
            await cluster.kill(leader);
            await new Promise((r) => setTimeout(r, 500 + rng.int(1500)));
            await cluster.startMember(leader);
          } else {
            faults.push(`isolate ${leader}`);
            await cluster.isolate(leader);
            await new Promise((r) => setTimeout(r, 1500 + rng.int(1500)));
            await cluster.heal();
          }
        }
      })();
      await Promise.all([...workers, nemesis]);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
    const completed = history.filter((op) => op.ret !== Infinity).length;
    assert.ok(completed > 100, `only ${completed} operations completed (seed=${seed})`);
    const result = checkLinearizable(namespaceModel, history, { timeoutMs: 60_000 });
    assert.notEqual(result.ok, false, `not linearizable (seed=${seed}, faults: ${faults.join(', ')}): ${result.ok === false ? result.reason : ''}`);
    process.stdout.write(`# linearizable: ${history.length} ops (${completed} completed), faults: ${faults.join(', ')}, seed=${seed}, result ${String(result.ok)}\n`);
  });
});
