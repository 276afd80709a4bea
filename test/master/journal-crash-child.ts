// The child process of the journal crash test: appends records to the journal
// in argv[2] forever, keeping a window of appends in flight, and prints each
// index to stdout once it is durable. The parent SIGKILLs it at a random
// moment and checks that every printed index survived. Payloads are derived
// from the index (crashPayload) so the parent can check them.
// Stdout is a pipe, and Node writes to pipes synchronously on Linux, so a
// printed line has left this process before the next append is made.

import { LocalJournal } from '../../src/master/journal/local-journal';

export function crashPayload(index: number): Buffer {
  const text = `record ${index} `;
  return Buffer.from(text.repeat(1 + (index % 13)));
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  const inFlight = Number(process.argv[3] ?? '32');
  const journal = new LocalJournal(dir, { segmentBytes: 16 * 1024 });
  await journal.open();
  process.stdout.write(`open ${journal.lastIndex}\n`);

  const appendOne = (): void => {
    const expected = journal.lastIndex + 1;
    const { index, durable } = journal.append(crashPayload(expected));
    if (index !== expected) throw new Error(`got index ${index}, expected ${expected}`);
    durable.then(
      () => {
        process.stdout.write(`${index}\n`);
        appendOne();
      },
      (err: unknown) => {
        process.stderr.write(`append ${index} failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  for (let i = 0; i < inFlight; i++) appendOne();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}
