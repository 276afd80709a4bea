// The seeded randomized comparison: ~2,000 mixed pwrites, appends, truncates,
// preads and mmap writes on one file through the mount and on a local file
// side by side (one python child), byte for byte after every step. A failure
// names its seed; rerun it with STRATA_FUSE_SEED=<seed>.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seedFrom } from '../master/harness';
import { FuseFixture, python } from './harness';
import { RANDOMIZED_SCRIPT } from './scripts';

const STEPS = Number(process.env.STRATA_FUSE_STEPS ?? 2000);

describe('the FUSE mount under a randomized workload', () => {
  let fx: FuseFixture;
  let mnt: string;

  before(async () => {
    fx = await FuseFixture.start();
    mnt = await fx.mount('mnt');
  });

  after(async () => {
    await fx?.close();
  });

  it('one file through the mount matches a local file byte for byte after every step', async (t) => {
    const seed = seedFrom('STRATA_FUSE_SEED');
    t.diagnostic(`seed ${seed} (rerun with STRATA_FUSE_SEED=${seed})`);
    const local = path.join(fx.dir, 'local.bin');
    const res = await python(fx.dir, 'randomized.py', RANDOMIZED_SCRIPT, [path.join(mnt, 'random.bin'), local, String(seed), String(STEPS)], fx.dir, 170_000);
    assert.equal(res.code, 0, `[STRATA_FUSE_SEED=${seed}] ${res.stderr}`);
    // After the last close the under store holds the same bytes.
    const stored = await readFile(path.join(fx.underfs, 'random.bin'));
    assert.ok(stored.equals(await readFile(local)), `[STRATA_FUSE_SEED=${seed}] the under store's copy differs from the local file`);
  });
});
