// The S3 client's HTTP handler for a master's stores: every request that can
// change the bucket (anything but GET and HEAD, the SDK's retries included)
// is admitted by the store's change guard first and carries its abort signal,
// so a master that lost its leadership lease stops changing the store at
// once, its requests in flight cut off (src/master/store-fence.ts).

import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import type { StoreChangeGuard } from './under-store';

type Request = Parameters<NodeHttpHandler['handle']>[0];
type HandlerOptions = NonNullable<Parameters<NodeHttpHandler['handle']>[1]>;

export class FencedHttpHandler extends NodeHttpHandler {
  constructor(
    options: NodeHttpHandlerOptions,
    private readonly guard: StoreChangeGuard,
  ) {
    super(options);
  }

  override async handle(request: Request, options: HandlerOptions = {}): ReturnType<NodeHttpHandler['handle']> {
    if (request.method === 'GET' || request.method === 'HEAD') return super.handle(request, options);
    const lease = await this.guard.admit();
    const given = options.abortSignal as AbortSignal | undefined;
    const abortSignal = given === undefined ? lease : AbortSignal.any([given, lease]);
    try {
      return await super.handle(request, { ...options, abortSignal: abortSignal as HandlerOptions['abortSignal'] });
    } catch (err) {
      // Cut off by the fence: say why (NOT_LEADER, so the client goes to the new leader), not "aborted".
      throw lease.aborted && lease.reason instanceof Error ? lease.reason : err;
    }
  }
}
