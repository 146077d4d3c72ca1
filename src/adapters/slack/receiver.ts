// Slack's HTTP requests (Events API, slash commands, interactivity) into Bolt, built from Bolt's
// own request functions (signature check, body parsing, responses) as its HTTPReceiver is, with
// one difference: requests whose ack carries nothing (/ask, every Events API callback) are acked
// as soon as they are verified, and Bolt processes them on a later turn of the event loop. In a
// burst of 200 /ask, each ack then costs only its parse, check and write, and every one goes out
// before the answers' work starts (an ack through Bolt's listener chain cost about twice as much).
// Other commands (/spend, /models, /routecheck) go through Bolt as usual and ack from their
// listener, which may put a reply in the ack. Before Bolt sees a request it is checked here
// (request-check.ts, docs/ARCHITECTURE.md §3.3): a body over 1 MiB gets 413 unread, a timestamp
// over 5 minutes off either way or a bad signature 401, and a signed body that is no command,
// event or interaction 400 at once (Bolt would leave it unanswered for 3 s, then say 404).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import bolt from '@slack/bolt';
import type { App, BufferedIncomingMessage, Logger as BoltLogger, Receiver, ReceiverEvent } from '@slack/bolt';
import { readBodyCapped, refuseTooLarge } from '../http/body.js';
import { checkSlackSignature, SLACK_BODY_MAX_BYTES, SLACK_READS_IN_FLIGHT_MAX, slackPayloadKind } from './request-check.js';

const { HTTPModuleFunctions: http, HTTPResponseAck } = bolt;

export interface EarlyAckReceiverOptions {
  signingSecret: string;
  logger: BoltLogger;
  /** The path Slack posts to. Default /slack/events. */
  path?: string;
  /** The largest body read, in bytes (default SLACK_BODY_MAX_BYTES); a larger one gets 413. */
  bodyLimit?: number;
  /** Which parsed bodies are acked (empty 200) at once. */
  ackAtOnce: (body: Record<string, unknown>) => boolean;
  /** Registers the processing of an event acked at once, so a graceful stop waits for it. */
  track?: (work: Promise<unknown>) => void;
}

const plain = (text: string) => ({ contentType: 'text/plain; charset=utf-8', text });

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export class EarlyAckReceiver implements Receiver {
  private app: App | undefined;
  /** Bodies being read, not yet verified (SLACK_READS_IN_FLIGHT_MAX). */
  private reading = 0;
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
    // The body is read only up to the cap, before the signature can be checked (it covers the body).
    const limit = this.opts.bodyLimit ?? SLACK_BODY_MAX_BYTES;
    if (this.reading >= SLACK_READS_IN_FLIGHT_MAX) {
      log.warn(`Slack request refused: ${this.reading} bodies already being read`);
      res.setHeader('retry-after', '1');
      refuseTooLarge(res, plain('too many requests being read: try again'), 503);
      return;
    }
    this.reading++;
    let blocks: Buffer[] | null;
    try {
      blocks = await readBodyCapped(req, limit);
    } finally {
      this.reading--;
    }
    if (blocks === null) {
      log.warn(`Slack request refused: body over ${limit} bytes`);
      refuseTooLarge(res, plain(`body over ${limit} bytes: Slack's requests are smaller`));
      return;
    }
    const raw = blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks);
    const buffered = req as BufferedIncomingMessage;
    buffered.rawBody = raw;
    const text = raw.toString();
    // Slack's SSL check is not signed (Bolt answers it the same way, with nothing else read).
    if (req.headers['content-type'] === 'application/x-www-form-urlencoded' && parseQuery(text).ssl_check === '1') {
      return http.buildSSLCheckResponse(res);
    }
    const signed = checkSlackSignature(this.opts.signingSecret, req.headers, text, Date.now());
    if (!signed.ok) {
      log.warn(`Slack request refused: ${signed.reason}`);
      http.buildNoBodyResponse(res, 401);
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = http.parseHTTPRequestBody(buffered) as Record<string, unknown>;
    } catch (err) {
      log.warn(`Malformed Slack request body: ${(err as Error).message}`);
      return sendText(res, 400, 'malformed body: expected JSON, or a form with the fields Slack sends');
    }
    // Anything else would reach no listener, and Bolt would answer 404 only after 3 s.
    const kind = slackPayloadKind(body);
    if (kind === null) {
      log.warn('Slack request refused: the body is no command, event or interaction');
      return sendText(res, 400, 'not a Slack request: expected a slash command, an Events API callback or an interaction payload');
    }
    if (kind === 'app_rate_limited') {
      log.warn('Slack reports that it is rate-limiting the events sent to this app (app_rate_limited)');
      return http.buildContentResponse(res, undefined);
    }
    if (kind === 'url_verification') return http.buildUrlVerificationResponse(res, body);
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
