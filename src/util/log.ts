/** Engine logging: one line per event, level-filtered by DF_LOG_LEVEL (error|warn|info|debug). */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const order: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

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
    const line = `[${new Date().toISOString()}] [${scope}] ${level.toUpperCase()}: ${message}`;
    if (level === 'error' || level === 'warn') console.error(line);
    else console.log(line);
  };
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
}
