// A FUSE mount of a three-master cluster stays mounted and usable while its
// leader is SIGKILLed: shell commands in the mount go on working (a write
// during the election waits, then succeeds), and what was written before and
// after the failover reads back byte for byte.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mountFiles } from '../../src/cli/mount';
import { isMounted } from '../../src/fuse/mount';
import { STRATA_BIN } from '../master/harness';
import { Cluster } from '../raft/cluster-harness';
import { sh } from './harness';

/** The strata command line for the cluster's masters. */
function strataFor(cluster: Cluster): string {
  return `'${process.execPath}' '${STRATA_BIN}' --masters ${cluster.addresses.join(',')}`;
}

/** `strata mount` at mp (made here). */
async function mountAt(strata: string, mp: string, options: string): Promise<void> {
  await mkdir(mp);
  const res = await sh(`${strata} mount '${mp}' ${options}`);
  assert.equal(res.code, 0, res.stderr);
}

/** Unmounts (lazily if it must) and makes sure the mount process is gone, whatever state the test left. */
async function unmountFromCluster(strata: string, mp: string): Promise<void> {
  let pid: number | null = null;
  try {
    pid = Number(readFileSync(mountFiles(mp).pidFile, 'utf8').trim());
  } catch {
    // not running
  }
  await sh(`${strata} umount '${mp}'`);
  if (isMounted(mp)) await sh(`fusermount -uz '${mp}'`);
  if (pid !== null) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await rm(mountFiles(mp).pidFile, { force: true });
  await rm(mountFiles(mp).logFile, { force: true });
}

describe('a FUSE mount across a leader failover', { timeout: 120_000 }, () => {
  let cluster: Cluster;
  let mp = '';
  let strata = '';

  before(async () => {
    cluster = await Cluster.start(3);
    strata = strataFor(cluster);
    mp = path.join(cluster.root, 'mnt'); // set first: after() clears even a mount that failed half way
    await mountAt(strata, mp, '-o master_timeout=10');
  });

  after(async () => {
    if (mp !== '') await unmountFromCluster(strata, mp);
    await cluster?.close();
  });

  it('writes and reads go on after the leader is killed', async () => {
    let res = await sh(`mkdir '${mp}/d' && seq 1 2000 > '${mp}/d/before' && echo one > '${mp}/d/log'`);
    assert.equal(res.code, 0, res.stderr);
    const leader = await cluster.waitForLeader();
    await cluster.kill(leader);
    // Immediately, while the others elect a new leader: these wait, then work.
    res = await sh(`echo two >> '${mp}/d/log' && seq 1 3000 > '${mp}/d/after' && mv '${mp}/d/after' '${mp}/d/after2' && ls '${mp}/d'`, undefined, 60_000);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(res.stdout.trim().split('\n').sort(), ['after2', 'before', 'log']);
    res = await sh(`cat '${mp}/d/log'`);
    assert.equal(res.stdout, 'one\ntwo\n', res.stderr);
    res = await sh(`seq 1 3000 | cmp - '${mp}/d/after2' && seq 1 2000 | cmp - '${mp}/d/before' && echo same`);
    assert.equal(res.stdout.trim(), 'same', res.stderr);
    const newLeader = await cluster.waitForLeader(10_000, [leader]);
    assert.notEqual(newLeader, leader);
    assert.ok(isMounted(mp), 'the mount is still there');
  });
});

describe('a mount holding callbacks across a leadership transfer', { timeout: 120_000 }, () => {
  let cluster: Cluster;
  let mp = '';
  let strata = '';

  before(async () => {
    cluster = await Cluster.start(3);
    strata = strataFor(cluster);
    mp = path.join(cluster.root, 'mnt'); // set first: after() clears even a mount that failed half way
    await mountAt(strata, mp, '-o attr_timeout=0,entry_timeout=0');
  });

  after(async () => {
    if (mp !== '') await unmountFromCluster(strata, mp);
    await cluster?.close();
  });

  it('drops what it held when the lead moves, so a change made through the new leader shows at once', async () => {
    let res = await sh(`echo x > '${mp}/f' && stat -c %a '${mp}/f' && stat -c %a '${mp}/f'`);
    assert.equal(res.stdout, '644\n644\n', res.stderr);
    const leader = await cluster.waitForLeader();
    const next = cluster.ids.find((id) => id !== leader) ?? '';
    // At once, within the cache lease (1 s): only the old leader cutting its
    // sessions off makes the mount drop what it held in time.
    res = await sh(`${strata} cluster transfer-leader ${next} > /dev/null && ${strata} fs chmod 600 /f && stat -c %a '${mp}/f'`);
    assert.equal(res.stdout, '600\n', res.stderr);
    assert.equal(await cluster.waitForLeader(10_000, [leader]), next);
  });
});
