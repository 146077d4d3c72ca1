// Slack's HTTP requests (Events API, slash commands, interactivity) into Bolt, built from Bolt's
// own request functions (signature check, body parsing, responses) as its HTTPReceiver is, with
// one difference: requests whose ack carries nothing (/ask, every Events API callback) are acked
// as soon as they are verified, and Bolt processes them on a later turn of the event loop. In a
// burst of 200 /ask, each ack then costs only its parse, check and write, and every one goes out
// before the answers' work starts (an ack through Bolt's listener chain cost about twice as much).
// Other commands (/spend, /models, /routecheck) go through Bolt as usual and ack from their
// listener, which may put a reply in the ack.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import bolt from '@slack/bolt';
import type { App, Logger as BoltLogger, Receiver, ReceiverEvent } from '@slack/bolt';

const { HTTPModuleFunctions: http, HTTPResponseAck } = bolt;

export interface EarlyAckReceiverOptions {
  signingSecret: string;
  logger: BoltLogger;
  /** The path Slack posts to. Default /slack/events. */
  path?: string;
  /** Which parsed bodies are acked (empty 200) at once. */
  ackAtOnce: (body: Record<string, unknown>) => boolean;
  /** Registers the processing of an event acked at once, so a graceful stop waits for it. */
  track?: (work: Promise<unknown>) => void;
}

export class EarlyAckReceiver implements Receiver {
  private app: App | undefined;
  readonly requestListener: RequestListener;

  constructor(private readonly opts: EarlyAckReceiverOptions) {
    this.requestListener = (req, res) => this.handle(req, res);
  }

  init(app: App): void {
    this.app = app;
  }

  // The HTTP server is routeops' own (src/adapters/http/server.ts): nothing to start or stop here.
  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== (this.opts.path ?? '/slack/events') || req.method !== 'POST') {
      http.buildNoBodyResponse(res, 404);
      return;
    }
    this.receive(req, res).catch((err: unknown) => {
      this.opts.logger.error(`Slack request failed: ${(err as Error).message}`);
      if (!res.headersSent) http.buildNoBodyResponse(res, 500);
    });
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const log = this.opts.logger;
    let buffered;
    try {
      buffered = await http.parseAndVerifyHTTPRequest({ enabled: true, signingSecret: this.opts.signingSecret }, req);
    } catch (err) {
      if (http.isRawBodyError(err) && (err.type === 'entity.too.large' || err.statusCode === 413)) {
        log.warn('Slack request body over the size limit');
        http.buildNoBodyResponse(res, 413);
        return;
      }
      log.warn(`Slack request refused: ${(err as Error).message}`);
      http.buildNoBodyResponse(res, 401);
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = http.parseHTTPRequestBody(buffered) as Record<string, unknown>;
    } catch (err) {
      log.warn(`Malformed Slack request body: ${(err as Error).message}`);
      http.buildNoBodyResponse(res, 400);
      return;
    }
    if (body['ssl_check'] === '1') return http.buildSSLCheckResponse(res);
    if (body['type'] === 'url_verification') return http.buildUrlVerificationResponse(res, body);
    const app = this.app;
    if (!app) {
      http.buildNoBodyResponse(res, 503);
      return;
    }
    const event: Omit<ReceiverEvent, 'ack'> = {
      body,
      retryNum: http.extractRetryNumFromHTTPRequest(req),
      retryReason: http.extractRetryReasonFromHTTPRequest(req),
      customProperties: {},
    };

    if (this.opts.ackAtOnce(body)) {
      http.buildContentResponse(res, undefined);
      const processed = new Promise<void>((resolve) => {
        setImmediate(() => {
          app
            .processEvent({ ...event, ack: () => Promise.resolve() })
            .catch((err: unknown) => log.error(`Slack event failed after its ack: ${(err as Error).message}`))
            .finally(resolve);
        });
      });
      this.opts.track?.(processed);
      return;
    }

    const ack = new HTTPResponseAck({ logger: log, processBeforeResponse: false, httpRequest: buffered, httpRequestBody: body, httpResponse: res });
    try {
      await app.processEvent({ ...event, ack: ack.bind() });
    } catch (err) {
      log.error(`Slack request failed: ${(err as Error).message}`);
      if (!res.headersSent) http.buildNoBodyResponse(res, 500);
    }
  }
}
