import { TimerLimits } from '../config/settings';
import { ReplayState } from './replay';
import { DurableTask, DurableTimerTask, SequentialTask, TimerTask } from './tasks';

/**
 * A durable timer longer than the storage can delay one message, recorded as the Functions extension
 * records it (its in-process CreateTimer, which also serves Node apps): a first timer at now + interval,
 * then, each time one fires, the next at now + interval, or at the final time once less than an
 * interval remains. Every timer of the chain takes the next action id when it is created, so a history
 * written by either side replays on the other.
 */
export class LongTimerTask extends SequentialTask implements TimerTask {
  private canceled = false;
  private timer: DurableTimerTask;

  constructor(
    private readonly fireAt: Date,
    private readonly replay: ReplayState,
    private readonly limits: TimerLimits,
  ) {
    const first = new DurableTimerTask({ kind: 'createTimer', fireAt: new Date(replay.currentUtcDateTime.getTime() + limits.intervalMs) });
    super(first, (task) => replay.scheduleNow(task));
    this.timer = first;
  }

  get isCanceled(): boolean {
    return this.canceled;
  }

  cancel(): void {
    if (this.isCompleted) throw new Error('Cannot cancel a timer that has already fired.');
    this.canceled = true;
    this.timer.cancel();
  }

  protected onStepSettled(_step: DurableTask): void {
    if (this.canceled) return;
    const now = this.replay.currentUtcDateTime.getTime();
    const remaining = this.fireAt.getTime() - now;
    if (remaining <= 0) {
      this.complete(undefined);
      return;
    }
    this.timer = new DurableTimerTask({ kind: 'createTimer', fireAt: new Date(now + Math.min(remaining, this.limits.intervalMs)) });
    this.continueWith(this.timer);
  }
}

/** True when a timer due at `fireAt` must be split into a chain. */
export function isLongTimer(fireAt: Date, now: Date, limits: TimerLimits): boolean {
  return fireAt.getTime() - now.getTime() > limits.maximumDelayMs;
}
