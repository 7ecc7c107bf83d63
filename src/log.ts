import { pino, type Logger } from 'pino';

/** Structured JSON logs; pretty output only when a person is watching a terminal. */
export function createLogger(level: string, name: string): Logger {
  const pretty = process.stdout.isTTY && level !== 'silent';
  return pino({
    name,
    level,
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } }
      : {}),
  });
}

export type { Logger };
