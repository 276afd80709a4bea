// The progress line of `strata fs sync` on a terminal (src/cli/sync-progress.ts),
// driven by a fake sync and a fake progress source, so nothing depends on time.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { SyncProgressResponse } from '../../src/common/api';
import { withSyncProgress } from '../../src/cli/sync-progress';

function recorder(): { text: string[]; write(s: string): boolean } {
  const text: string[] = [];
  return { text, write: (s: string) => text.push(s) > 0 };
}

describe('sync progress on a terminal', () => {
  test('a sync that ends before the delay draws nothing', async () => {
    const out = recorder();
    let polls = 0;
    const result = await withSyncProgress(
      async () => 'done',
      async () => {
        polls++;
        return { running: true, entries: 1, directories: 1 };
      },
      out,
      { label: '/a', delayMs: 60_000, intervalMs: 60_000 },
    );
    assert.equal(result, 'done');
    assert.equal(polls, 0);
    assert.deepEqual(out.text, []);
  });

  test('a long sync shows the entries listed so far, then erases its line', async () => {
    const out = recorder();
    let finish: (value: string) => void = () => undefined;
    const polled: string[] = [];
    let sawPoll: () => void = () => undefined;
    const twoPolls = new Promise<void>((resolve) => (sawPoll = resolve));
    let entries = 0;
    const result = await withSyncProgress(
      (id) => {
        polled.push(`sync ${id}`);
        return new Promise<string>((resolve) => (finish = resolve));
      },
      async (id): Promise<SyncProgressResponse> => {
        polled.push(`poll ${id}`);
        entries += 1500;
        if (entries === 3000) {
          sawPoll();
          void twoPolls.then(() => finish('synced'));
        }
        return { running: true, entries, directories: 2 };
      },
      out,
      { label: '/s3', delayMs: 0, intervalMs: 0 },
    );
    assert.equal(result, 'synced');
    const id = polled[0].slice('sync '.length);
    assert.ok(id.length > 0);
    assert.ok(polled.slice(1).every((p) => p === `poll ${id}`), 'polls ask for the sync that was started');
    assert.ok(out.text.includes('\r\x1b[K/s3: syncing, 1,500 entries listed in 2 directories'), JSON.stringify(out.text));
    assert.ok(out.text.includes('\r\x1b[K/s3: syncing, 3,000 entries listed in 2 directories'), JSON.stringify(out.text));
    assert.equal(out.text[out.text.length - 1], '\r\x1b[K', 'the line is erased at the end');
  });

  test('a sync that fails still erases the line and fails the same way', async () => {
    const out = recorder();
    let fail: (err: Error) => void = () => undefined;
    await assert.rejects(
      withSyncProgress(
        () => new Promise<string>((_resolve, reject) => (fail = reject)),
        async () => {
          setImmediate(() => fail(new Error('store unreachable')));
          return { running: true, entries: 7, directories: 1 };
        },
        out,
        { label: '/x', delayMs: 0, intervalMs: 60_000 },
      ),
      /store unreachable/,
    );
    assert.deepEqual(out.text, ['\r\x1b[K/x: syncing, 7 entries listed in 1 directory', '\r\x1b[K']);
  });
});
