#!/usr/bin/env node
import * as path from 'path';
import { startLocalApp } from './localApp';

/** `npm start`: runs the function app in this folder (or argv[2]) on port 7071 (or $PORT). */
async function main(): Promise<void> {
  const appRoot = path.resolve(process.argv[2] ?? process.cwd());
  const port = Number(process.env.PORT ?? 7071);
  const app = await startLocalApp({ appRoot, port });
  console.log(`Function app running at ${app.baseUrl}. Press Ctrl+C to stop.`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, stopping...`);
    await app.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
