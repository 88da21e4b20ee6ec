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

  /**
   * Delay after failed attempt `attempt` (1-based), or undefined when retrying must stop now
   * (retry timeout passed). DurableTask's rule: first * coefficient^(attempt-1), capped.
   */
  delayAfter(attempt: number, elapsedMs: number): number | undefined {
    if (!(this.backoffCoefficient > 0)) throw new RangeError('backoffCoefficient must be greater than 0.');
    if (this.retryTimeoutInMilliseconds > 0 && elapsedMs >= this.retryTimeoutInMilliseconds) return undefined;
    const delay = this.firstRetryIntervalInMilliseconds * Math.pow(this.backoffCoefficient, attempt - 1);
    return this.maxRetryIntervalInMilliseconds > 0 ? Math.min(delay, this.maxRetryIntervalInMilliseconds) : delay;
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

  private lastError: Error | undefined;

  /**
   * Like DurableTask's RetryInterceptor (which the SDK's replay follows): every failed attempt,
   * the last one included, is followed by a retry timer; the task fails once that timer fires
   * with no attempts left.
   */
  protected onStepSettled(step: DurableTask): void {
    if (step instanceof DurableTimerTask) {
      if (this.attempt >= this.options.maxNumberOfAttempts) {
        this.fail(this.lastError ?? new Error('The task failed.'));
        return;
      }
      this.attempt++;
      this.continueWith(this.makeAttempt());
      return;
    }
    if (!step.isFaulted) {
      this.complete(step.result);
      return;
    }
    this.lastError = step.error ?? new Error('The task failed.');
    const now = this.replay.currentUtcDateTime.getTime();
    const delay = this.options.delayAfter(this.attempt, now - this.firstAttemptAt);
    if (delay === undefined) {
      this.fail(this.lastError);
      return;
    }
    this.continueWith(new DurableTimerTask({ kind: 'createTimer', fireAt: new Date(now + delay) }));
  }
}
