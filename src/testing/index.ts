/**
 * `durable-functions-node/testing`: run an app's durable functions in process, on the in-memory
 * backend with virtual time, from any test runner.
 */
export { TestHost } from './testHost';
export type { TestHostOptions, WaitOptions, NamedHistoryEvent } from './testHost';
export { VirtualClock } from './virtualClock';
export { MemoryBackend } from '../backend/memory/memoryBackend';
