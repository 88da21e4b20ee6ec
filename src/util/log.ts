import { HostLogLevel, hostLog } from './hostLog';

/**
 * Engine logging: one line per event, level-filtered by DF_LOG_LEVEL (error|warn|info|debug), into
 * the Functions host's pipeline when running in a worker.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const order: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const hostLevels: Record<LogLevel, HostLogLevel> = { error: 'error', warn: 'warning', info: 'information', debug: 'debug' };

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

function threshold(): number {
  const level = (process.env.DF_LOG_LEVEL ?? 'info').toLowerCase() as LogLevel;
  return order[level] ?? order.info;
}

export function createLogger(scope: string): Logger {
  const write = (level: LogLevel) => (message: string) => {
    if (order[level] > threshold()) return;
    hostLog(hostLevels[level], 'system', `[${new Date().toISOString()}] [${scope}] ${level.toUpperCase()}: ${message}`);
  };
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
}
