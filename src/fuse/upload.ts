// The upload of a file while it is being written: a file written from its
// start in order (cp, tar, a download, a log that is written and closed) is
// streamed to its under store as the writes arrive (UnderStore.writeFile
// with a stream), so that close has only the end of it left to wait for, not
// the whole copy. The store keeps the data out of sight until the stream
// ends (a temp file renamed into place, an S3 multipart upload completed),
// so an abandoned upload changes nothing; open-files.ts then uploads the
// staging file whole, as without streaming.

import { PassThrough } from 'node:stream';
import type { UfsStatus, UnderStore } from '../ufs/under-store';

/** Bytes buffered for the store before a write waits for it to catch up. */
const BUFFERED_BYTES = 16 * 1024 * 1024;
/**
 * How long a write waits for the store before the upload is abandoned (and
 * the file uploaded whole at close): well below the binding's 15 s.
 */
const DRAIN_WAIT_MS = 5000;

export class StreamingUpload {
  /** Bytes handed to the store so far: the next write must start here. */
  bytes = 0;
  private failed = false;
  private readonly stream = new PassThrough({ highWaterMark: BUFFERED_BYTES });
  private readonly done: Promise<UfsStatus>;

  constructor(
    readonly store: UnderStore,
    readonly relPath: string,
    mode: number,
  ) {
    this.done = store.writeFile(relPath, this.stream, mode);
    this.done.catch(() => {
      this.failed = true;
    });
  }

  /** Settles when the store is done with the upload: finished, failed or abandoned. */
  get settled(): Promise<unknown> {
    return this.done.catch(() => undefined);
  }

  /** Whether the upload is still going: not abandoned, not failed. */
  get live(): boolean {
    return !this.failed;
  }

  /** Hands the next bytes (owned: not changed afterwards) to the store; waits while it is far behind. */
  async push(data: Buffer): Promise<void> {
    if (this.failed) return;
    this.bytes += data.length;
    if (this.stream.write(data)) return;
    const drained = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.stream.off('drain', onDrain);
        resolve(false);
      }, DRAIN_WAIT_MS);
      const onDrain = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.stream.once('drain', onDrain);
      this.done.catch(() => onDrain());
    });
    if (!drained) this.abandon();
  }

  /** Ends the stream; resolves with the stored file's status once the store has it all. */
  finish(): Promise<UfsStatus> {
    if (this.failed) return Promise.reject(new Error('the upload was abandoned'));
    this.stream.end();
    return this.done;
  }

  /** Stops: the store drops what it got. Safe to call twice. */
  abandon(): void {
    if (this.failed) return;
    this.failed = true;
    this.stream.destroy(new Error('upload abandoned'));
  }
}
