// The gateway wired to the running services (docs/ARCHITECTURE.md §3.3 gateway): the HTTP
// handler over the providers, the catalog in force, the keys and the usage meter, with the batch
// recorder that must be flushed before the database closes.
import type { Logger } from 'pino';
import { createGatewayHandler, type GatewayHandler } from '../adapters/http/gateway.js';
import type { Services } from '../features/services.js';
import { createBatchedRecorder } from '../features/gateway/recorder.js';


export interface RunningGateway {
  handler: GatewayHandler;
  /** On when a key exists or gateway.enabled (read when the app starts: whether HTTP must run for it). */
  enabledAtStart: boolean;
  /** Hands the queued rows to the meter (at stop, after in-flight requests ended). */
  flush(): void;
}

export async function startGateway(services: Services, log: Logger): Promise<RunningGateway> {
  const recorder = createBatchedRecorder(services.usage);
  const keys = services.gatewayKeys;
  const enabledAtStart = services.config.gateway.enabled || (await keys.activeCount()) > 0;
  const handler = createGatewayHandler({
    config: services.config,
    catalog: () => services.catalog,
    clientFor: (p) => services.providers.get(p),
    usage: services.usage,
    recorder,
    now: () => services.clock().getTime(),
    firstTokenTimeoutMs: services.config.ask.first_token_timeout_ms,
    keys,
    log,
    enabled: async () => services.config.gateway.enabled || (await keys.activeCount()) > 0,
  });
  return { handler, enabledAtStart, flush: () => recorder.flush() };
}
