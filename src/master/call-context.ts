// What a proposal belongs to: the client call (or the leadership task) that
// makes it, the term in which that started, and whether it proposed at all.
// Carried by AsyncLocalStorage through every await of the call, so that
//   - a proposal is refused unless this master still leads in that term: a
//     call that began under one leadership never commits under a later one
//     (after the lead went elsewhere and came back, its checks are stale and
//     its client has retried elsewhere);
//   - the service knows whether a successful call committed anything; one
//     that did not (mkdir -p of an existing directory) is confirmed by a
//     ReadIndex round like a read.

import { AsyncLocalStorage } from 'node:async_hooks';

export interface CallContext {
  term: number;
  proposed: boolean;
}

const storage = new AsyncLocalStorage<CallContext>();

/** Runs fn (and everything it awaits) as work of `term`. */
export function inTerm<T>(term: number, fn: () => T): { context: CallContext; result: T } {
  const context: CallContext = { term, proposed: false };
  return { context, result: storage.run(context, fn) };
}

/** The context of the work running now, if any. */
export function currentCall(): CallContext | undefined {
  return storage.getStore();
}
