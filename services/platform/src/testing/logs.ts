import { Writable } from 'node:stream';
import { parseJsonObject } from '../guards.ts';
import { createLogger, type Logger } from '../logger.ts';

/** A real logger whose JSON lines are kept in memory, for asserting what reaches the logs. */
export function captureLogger(service = 'test'): {
  logger: Logger;
  lines: () => Array<Record<string, unknown>>;
  raw: () => string;
} {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ service, level: 'debug', stream });
  const raw = () => chunks.join('');
  return {
    logger,
    raw,
    lines: () => raw().split('\n').filter(Boolean).map(parseJsonObject),
  };
}
