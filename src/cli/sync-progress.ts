// Progress of a long `strata fs sync` on a terminal: the sync call carries a
// progress id, and while it runs the CLI asks the master how far it got
// (SyncProgress) and redraws one status line on stderr. Nothing is drawn for
// a sync that ends within the first delay, and the line is erased at the end,
// so the command's own output (on stdout) stays as it is.

import { randomUUID } from 'node:crypto';
import type { SyncProgressResponse } from '../common/api';

export interface SyncProgressOptions {
  /** Shown before the counts, e.g. the path. */
  label: string;
  /** Nothing is drawn before this (ms). */
  delayMs: number;
  /** Between two polls (ms). */
  intervalMs: number;
}

/** Erases the current terminal line. */
const CLEAR_LINE = '\r\x1b[K';

/**
 * Runs the sync that run starts (passing it a fresh progress id), drawing its
 * progress, as poll reports it, on out while it runs. A failed poll draws
 * nothing: progress is a courtesy, the sync's own outcome is what counts.
 */
export async function withSyncProgress<T>(
  run: (progressId: string) => Promise<T>,
  poll: (progressId: string) => Promise<SyncProgressResponse>,
  out: { write(text: string): unknown },
  options: SyncProgressOptions,
): Promise<T> {
  const progressId = randomUUID();
  let done = false;
  let drawn = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async (): Promise<void> => {
    try {
      const p = await poll(progressId);
      if (!done && p.running) {
        out.write(`${CLEAR_LINE}${progressLine(options.label, p)}`);
        drawn = true;
      }
    } catch {
      // see above
    }
    if (!done) timer = setTimeout(() => void tick(), options.intervalMs);
  };
  timer = setTimeout(() => void tick(), options.delayMs);
  try {
    return await run(progressId);
  } finally {
    done = true;
    clearTimeout(timer);
    if (drawn) out.write(CLEAR_LINE);
  }
}

export function progressLine(label: string, p: SyncProgressResponse): string {
  const dirs = p.directories === 1 ? 'directory' : 'directories';
  return `${label}: syncing, ${p.entries.toLocaleString('en-US')} entries listed in ${p.directories.toLocaleString('en-US')} ${dirs}`;
}
