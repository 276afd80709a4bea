// `strata cluster …`: the masters, their roles, and membership changes.

import { Command } from 'commander';
import type { MasterInfo } from '../common/api';
import { mastersFrom } from '../common/config';
import { MasterClient } from '../client/master-client';
import { parsePeers } from './master';
import { UsageError } from './errors';

interface MasterRow {
  id: string;
  address: string;
  role: string;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  reachable: boolean;
}

async function askInfo(address: string): Promise<MasterInfo | null> {
  const client = new MasterClient([address], { callTimeoutMs: 2000, connectTimeoutMs: 2000 });
  try {
    return await client.call<MasterInfo>('getMasterInfo', {});
  } catch {
    return null;
  } finally {
    client.close();
  }
}

/**
 * Every master: the configured addresses, plus the members that the
 * reachable ones name (so `--masters` may list just one of them).
 */
export async function clusterStatus(addresses: string[]): Promise<MasterRow[]> {
  const rows = new Map<string, MasterRow>(); // by the address a master gives as its own
  const asked = new Set<string>();
  const ids = new Map<string, string>(); // address -> id, from the members lists
  let queue = [...new Set(addresses)];
  while (queue.length > 0) {
    const infos = await Promise.all(queue.map(async (address) => ({ address, info: await askInfo(address) })));
    for (const address of queue) asked.add(address);
    const next: string[] = [];
    for (const { address, info } of infos) {
      // Asked by another name (127.0.0.1 for a master that calls itself by its external address): one row.
      const own = info?.address || address;
      asked.add(own);
      rows.set(own, {
        id: info?.id ?? ids.get(address) ?? '?',
        address: own,
        role: info?.role ?? 'unreachable',
        term: info?.term ?? 0,
        commitIndex: info?.commitIndex ?? 0,
        appliedIndex: info?.appliedIndex ?? 0,
        reachable: info !== null,
      });
      for (const peer of info?.peers ?? []) {
        ids.set(peer.address, peer.id);
        if (!asked.has(peer.address) && !next.includes(peer.address) && !queue.includes(peer.address)) next.push(peer.address);
      }
    }
    for (const row of rows.values()) if (row.id === '?' && ids.has(row.address)) row.id = ids.get(row.address) ?? '?';
    queue = next;
  }
  return [...rows.values()].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

/** Sends a membership call to the leader (the client follows redirects) and prints the members after it. */
async function membershipCall(command: Command, op: 'addMaster' | 'removeMaster' | 'transferLeader', request: Record<string, string>): Promise<void> {
  const masters = mastersFrom(command.optsWithGlobals<{ masters?: string }>().masters);
  const client = new MasterClient(masters, { callTimeoutMs: 15_000, connectTimeoutMs: 5000 });
  try {
    const reply = await client.call<{ peers: Array<{ id: string; address: string }>; leaderId: string }>(op, request);
    process.stdout.write(`members: ${reply.peers.map((p) => `${p.id}=${p.address}`).join(',')}; leader ${reply.leaderId || 'unknown'}\n`);
  } finally {
    client.close();
  }
}

export function clusterCommand(): Command {
  const cmd = new Command('cluster').description('cluster administration');
  cmd
    .command('status')
    .description('every master: id, address, role, term, commit and applied index, reachable or not')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const masters = mastersFrom(command.optsWithGlobals<{ masters?: string }>().masters);
      const rows = await clusterStatus(masters);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ masters: rows }) + '\n');
      } else {
        process.stdout.write('ID  ADDRESS                ROLE         TERM  COMMIT    APPLIED\n');
        for (const r of rows) {
          process.stdout.write(
            `${r.id.padEnd(3)} ${r.address.padEnd(22)} ${r.role.padEnd(12)} ${String(r.term).padStart(4)}  ${String(r.commitIndex).padEnd(9)} ${r.appliedIndex}\n`,
          );
        }
      }
      if (rows.every((r) => !r.reachable)) process.exitCode = 1;
    });
  cmd
    .command('add')
    .description('add a master to the voting members (start it with --peers listing every member, itself included)')
    .argument('<member>', 'ID=HOST:PORT')
    .action(async (member: string, _opts: object, command: Command) => {
      const peers = parsePeers(member);
      if (peers.length !== 1) throw new UsageError('add takes one ID=HOST:PORT');
      await membershipCall(command, 'addMaster', { id: peers[0].id, address: peers[0].address });
    });
  cmd
    .command('remove')
    .description('remove a master from the voting members')
    .argument('<id>', 'master id')
    .action(async (id: string, _opts: object, command: Command) => {
      await membershipCall(command, 'removeMaster', { id });
    });
  cmd
    .command('transfer-leader')
    .description('hand leadership to the master with this id')
    .argument('<id>', 'master id')
    .action(async (id: string, _opts: object, command: Command) => {
      await membershipCall(command, 'transferLeader', { id });
    });
  return cmd;
}
