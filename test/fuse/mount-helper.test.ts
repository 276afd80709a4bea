// The mount(8) helper (scripts/mount.fuse.strata): `mount -t fuse.strata` and
// an fstab line (through `mount --fstab FILE`, so the system's /etc/fstab is
// not touched) against a real master process, then `umount`. The first two
// need root and /sbin/mount.fuse.strata linked to this checkout (what
// scripts/setup.sh installs); the helper itself is also run directly, the way
// mount(8) runs it. Every command runs in a child process.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultMountOptions, isMounted, parseMountOptions } from '../../src/fuse/mount';
import { REPO_ROOT } from '../master/harness';
import { FuseFixture, sh, strata } from './harness';

const HELPER = path.join(REPO_ROOT, 'scripts', 'mount.fuse.strata');

/** Why mount(8) cannot run this checkout's helper here, or null when it can. */
function helperNotInstalled(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (mount(8) runs helpers from /sbin only)';
  try {
    if (realpathSync('/sbin/mount.fuse.strata') === realpathSync(HELPER)) return null;
  } catch {
    // missing
  }
  return '/sbin/mount.fuse.strata is not a link to this checkout: run scripts/setup.sh as root';
}

/** The /proc/mounts line of mp, split into fields. */
function mountEntry(mp: string): string[] | undefined {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[1] === mp);
}

/** Pids of processes whose command line names mp (the mount process serving it). */
function processesServing(mp: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (args.includes(mp) && args.includes('--foreground')) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Waits until no process serves mp (its mount process notices an outside umount within a second). */
async function waitUntilServed(mp: string, served: boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((processesServing(mp).length > 0) !== served) {
    if (Date.now() > deadline) throw new Error(`${mp}: mount process ${served ? 'not started' : 'still running'} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('mount options from mount(8) and fstab', () => {
  it('accepts and filters what mount(8) adds, and takes the masters from master=', () => {
    const o = parseMountOptions(['rw,noexec,nosuid,nodev,master=10.0.0.1:19998+10.0.0.2:19998,_netdev,user,nofail,noauto,defaults,x-systemd.automount,comment=x', 'fsname=lake,attr_timeout=1']);
    assert.deepEqual(o.masters, ['10.0.0.1:19998', '10.0.0.2:19998']);
    assert.equal(o.fsname, 'lake');
    assert.equal(o.attrTimeoutSec, 1);
    assert.equal(o.readOnly, false);
    assert.deepEqual(o.extra, ['noexec', 'nosuid', 'nodev']); // restrictions go to libfuse; the rest is mount(8)'s
    assert.equal(parseMountOptions(['ro']).masters, undefined);
    assert.throws(() => parseMountOptions(['master=nohost']), /HOST:PORT/);
    assert.deepEqual(parseMountOptions(['master=a:1', 'master=b:2'], defaultMountOptions()).masters, ['a:1', 'b:2']);
  });
});

describe('the mount helper', () => {
  let fx: FuseFixture;
  const notInstalled = helperNotInstalled();

  before(async () => {
    fx = await FuseFixture.start();
    await writeFile(path.join(fx.underfs, 'hello.txt'), 'hello from the under store\n');
  });

  after(async () => {
    await fx?.close();
  });

  async function mountPoint(name: string): Promise<string> {
    const mp = path.join(fx.dir, name);
    await mkdir(mp, { recursive: true });
    fx.mounts.push(mp); // fx.close() clears it even if the test fails
    return mp;
  }

  it('mount -t fuse.strata mounts read-only with master= and attr_timeout=, and umount stops the mount process', { skip: notInstalled ?? false }, async () => {
    const mp = await mountPoint('typed');
    const res = await sh(`mount -t fuse.strata strata '${mp}' -o master=${fx.master.address},attr_timeout=1,ro`);
    assert.equal(res.code, 0, res.stderr);
    const entry = mountEntry(mp);
    assert.ok(entry !== undefined, `${mp} not in /proc/mounts`);
    assert.equal(entry[0], 'strata');
    assert.equal(entry[2], 'fuse.strata');
    assert.ok(entry[3].split(',').includes('ro'), entry[3]);
    const cat = await sh(`cat '${mp}/hello.txt'`);
    assert.equal(cat.stdout, 'hello from the under store\n', cat.stderr);
    const touch = await sh(`touch '${mp}/new'`);
    assert.notEqual(touch.code, 0);
    assert.match(touch.stderr, /Read-only file system/);
    const um = await sh(`umount '${mp}'`);
    assert.equal(um.code, 0, um.stderr);
    assert.equal(isMounted(mp), false);
    await waitUntilServed(mp, false);
  });

  it('an fstab line with _netdev, noauto, nofail, user and x- options mounts by its mount point', { skip: notInstalled ?? false }, async () => {
    const mp = await mountPoint('fstab');
    const fstab = path.join(fx.dir, 'fstab.txt');
    await writeFile(fstab, `# strata\nstrata ${mp} fuse.strata master=${fx.master.address},_netdev,noauto,nofail,user,x-systemd.automount,comment=x 0 0\n`);
    const res = await sh(`mount --fstab '${fstab}' '${mp}'`);
    assert.equal(res.code, 0, res.stderr);
    const entry = mountEntry(mp);
    assert.ok(entry !== undefined, `${mp} not in /proc/mounts`);
    const flags = entry[3].split(',');
    for (const f of ['rw', 'noexec', 'nosuid', 'nodev']) assert.ok(flags.includes(f), `${f} not in ${entry[3]}`); // `user` implies noexec
    const write = await sh(`echo through-fstab > '${mp}/from-fstab.txt'`);
    assert.equal(write.code, 0, write.stderr);
    const back = await strata(['fs', 'cat', '/from-fstab.txt'], fx.master);
    assert.equal(back.stdout, 'through-fstab\n', back.stderr);
    const again = await sh(`mount --fstab '${fstab}' '${mp}'`);
    assert.notEqual(again.code, 0, 'a second mount of the same mount point must fail');
    const um = await sh(`umount '${mp}'`);
    assert.equal(um.code, 0, um.stderr);
    await waitUntilServed(mp, false);
  });

  it('run directly as mount(8) runs it, the helper mounts and maps a bad option to status 1 or 32', async () => {
    const mp = await mountPoint('direct');
    const bad = await sh(`'${HELPER}' strata '${mp}' -o master=nohost`);
    assert.ok(bad.code === 1 || bad.code === 32, `status ${bad.code}`);
    assert.match(bad.stderr, /master=HOST:PORT/);
    assert.equal(isMounted(mp), false);
    const fake = await sh(`'${HELPER}' strata '${mp}' -f -o master=${fx.master.address}`);
    assert.equal(fake.code, 0, fake.stderr);
    assert.equal(isMounted(mp), false, 'mount -f must not mount');
    const res = await sh(`'${HELPER}' strata '${mp}' -n -o rw,nosuid,nodev,master=${fx.master.address},_netdev`);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(mountEntry(mp)?.[0], 'strata');
    const ls = await sh(`ls '${mp}'`);
    assert.match(ls.stdout, /hello\.txt/, ls.stderr);
    const um = await strata(['umount', mp], fx.master);
    assert.equal(um.code, 0, um.stderr);
    await waitUntilServed(mp, false);
  });
});
