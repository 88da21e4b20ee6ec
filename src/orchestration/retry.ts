import { ReplayState } from './replay';
import { AtomicTask, DurableTask, DurableTimerTask, SequentialTask } from './tasks';

/** Retry policy of callActivityWithRetry / callSubOrchestratorWithRetry, as durable-functions' RetryOptions. */
export class RetryOptions {
  /** Multiplier of the delay after each failed attempt. */
  backoffCoefficient = 1;
  /** Upper bound of one delay; 0 means no bound. */
  maxRetryIntervalInMilliseconds = 0;
  /** Total time after the first attempt during which retries may start; 0 means no limit. */
  retryTimeoutInMilliseconds = 0;

  constructor(
    readonly firstRetryIntervalInMilliseconds: number,
    readonly maxNumberOfAttempts: number,
  ) {
    if (!(firstRetryIntervalInMilliseconds > 0)) {
      throw new RangeError('firstRetryIntervalInMilliseconds value must be greater than 0.');
    }
    if (!Number.isInteger(maxNumberOfAttempts) || maxNumberOfAttempts < 1) {
      throw new RangeError('maxNumberOfAttempts must be an integer of at least 1.');
    }
  }

  /** Delay before attempt `nextAttempt` (2 for the first retry), or undefined when no retry is left. */
  delayBefore(nextAttempt: number, elapsedMs: number): number | undefined {
    if (nextAttempt > this.maxNumberOfAttempts) return undefined;
    if (!(this.backoffCoefficient > 0)) throw new RangeError('backoffCoefficient must be greater than 0.');
    let delay = this.firstRetryIntervalInMilliseconds * Math.pow(this.backoffCoefficient, nextAttempt - 2);
    if (this.maxRetryIntervalInMilliseconds > 0) delay = Math.min(delay, this.maxRetryIntervalInMilliseconds);
    if (this.retryTimeoutInMilliseconds > 0 && elapsedMs + delay > this.retryTimeoutInMilliseconds) return undefined;
    return delay;
  }
}

/**
 * A task that re-runs its action after failures: each retry waits on a durable timer, then
 * schedules a fresh attempt. Driven only by history, so replays take the same path.
 */
export class RetryableTask extends SequentialTask {
  private attempt = 1;
  private readonly firstAttemptAt: number;

  constructor(
    private readonly makeAttempt: () => AtomicTask,
    private readonly options: RetryOptions,
    private readonly replay: ReplayState,
  ) {
    super(makeAttempt(), (task) => replay.scheduleNow(task));
    this.firstAttemptAt = replay.currentUtcDateTime.getTime();
  }

  protected onStepSettled(step: DurableTask): void {
    if (step instanceof DurableTimerTask) {
      this.attempt++;
      this.continueWith(this.makeAttempt());
      return;
    }
    if (!step.isFaulted) {
      this.complete(step.result);
      return;
    }
    const now = this.replay.currentUtcDateTime.getTime();
    const delay = this.options.delayBefore(this.attempt + 1, now - this.firstAttemptAt);
    if (delay === undefined) {
      this.fail(step.error ?? new Error('The task failed.'));
      return;
    }
    this.continueWith(new DurableTimerTask({ kind: 'createTimer', fireAt: new Date(now + delay) }));
  }
}
