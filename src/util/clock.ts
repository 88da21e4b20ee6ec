/**
 * Where the engine reads the time. Production uses the system clock; the testing host swaps in a
 * virtual clock so durable timers can be skipped instead of waited for.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
