// `strata cluster …`: the masters and their roles.

import { Command } from 'commander';
import type { MasterInfo } from '../common/api';
import { mastersFrom } from '../common/config';
import { MasterClient } from '../client/master-client';

interface MasterRow {
  id: string;
  address: string;
  role: string;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  reachable: boolean;
}

/** Asks each configured master about itself, with a short timeout each. */
export async function clusterStatus(addresses: string[]): Promise<MasterRow[]> {
  return Promise.all(
    addresses.map(async (address) => {
      const client = new MasterClient([address], { callTimeoutMs: 2000 });
      try {
        const info = await client.call<MasterInfo>('getMasterInfo', {});
        return { id: info.id, address, role: info.role, term: info.term, commitIndex: info.commitIndex, appliedIndex: info.appliedIndex, reachable: true };
      } catch {
        return { id: '?', address, role: 'unreachable', term: 0, commitIndex: 0, appliedIndex: 0, reachable: false };
      } finally {
        client.close();
      }
    }),
  );
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
  return cmd;
}
