// pino to stderr (stdout is reserved for command output such as `--json`). Secrets are
// redacted by key name wherever they might appear in logged objects.
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  '*.token', '*.apiKey', '*.api_key', '*.authorization', '*.Authorization', '*.signingSecret', '*.appToken',
  'headers.authorization', 'req.headers.authorization', '*.headers.authorization', 'config.headers.Authorization',
];

export function createLogger(level: string, destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'routeops' } }, destination);
}
