import { RetryOptions, RetryableTask } from '../orchestration/retry';
import { AtomicTask, Task } from '../orchestration/tasks';
import { SubOrchestrationTask, requireRetryOptions } from '../orchestration/context';
import { currentReplay } from '../orchestration/replay';

/**
 * What `app.activity` / `app.orchestration` return (durable-functions 3.x): callables that, inside
 * orchestrator code, schedule the function like callActivity / callSubOrchestrator, with
 * `.withRetry(options)` for the retrying variant.
 */
export interface RegisteredActivityTask extends Task {
  withRetry: (retryOptions: RetryOptions) => Task;
}

export interface RegisteredOrchestrationTask extends Task {
  withRetry: (retryOptions: RetryOptions) => Task;
}

export type RegisteredActivity = (input?: unknown) => RegisteredActivityTask;
export type RegisteredOrchestration = (input?: unknown, instanceId?: string) => RegisteredOrchestrationTask;

function alreadyScheduled(id: number | undefined, kind: 'activity' | 'subOrchestration', name: string): Error {
  return new Error(
    'Invalid use of `.withRetry`: attempted to create a retriable task from an already scheduled task. ' +
      `A task with ID ${id} to call ${kind} ${name} has already been scheduled. ` +
      'Make sure to only invoke `.withRetry` on tasks that have not previously been yielded.',
  );
}

class ActivityCallTask extends AtomicTask implements RegisteredActivityTask {
  constructor(
    private readonly activityName: string,
    private readonly input: unknown,
  ) {
    super({ kind: 'callActivity', name: activityName, input });
  }

  withRetry = (retryOptions: RetryOptions): Task => {
    if (this.scheduled) throw alreadyScheduled(this.id, 'activity', this.activityName);
    requireRetryOptions(retryOptions, 'withRetry');
    const replay = currentReplay('A registered activity with .withRetry');
    return new RetryableTask(() => new AtomicTask({ kind: 'callActivity', name: this.activityName, input: this.input }), retryOptions, replay);
  };
}

export function registeredActivity(name: string): RegisteredActivity {
  return (input?: unknown) => new ActivityCallTask(name, input);
}

export function registeredOrchestration(name: string): RegisteredOrchestration {
  return (input?: unknown, instanceId?: string) => {
    const replay = currentReplay('A registered orchestration');
    const task = new SubOrchestrationTask(replay, name, input, instanceId) as SubOrchestrationTask & RegisteredOrchestrationTask;
    task.withRetry = (retryOptions: RetryOptions): Task => {
      if (task.scheduled) throw alreadyScheduled(task.id, 'subOrchestration', name);
      requireRetryOptions(retryOptions, 'withRetry');
      return new RetryableTask(() => new SubOrchestrationTask(replay, name, input, instanceId), retryOptions, replay);
    };
    return task;
  };
}
