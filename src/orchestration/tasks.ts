import { OrchestratorAction } from './actions';

/** The public face of a durable task, as in durable-functions 3.x. */
export interface Task {
  readonly isCompleted: boolean;
  readonly isFaulted: boolean;
  readonly result?: unknown;
}

export interface TimerTask extends Task {
  readonly isCanceled: boolean;
  cancel(): void;
}

type TaskState = 'pending' | 'completed' | 'failed';

/** Base of every task the replay tracks; compound tasks listen to their children. */
export abstract class DurableTask implements Task {
  private state: TaskState = 'pending';
  private value: unknown;
  private failure: Error | undefined;
  /** Allocated on first use: most tasks (the atomic ones of a long replay) never get a listener. */
  private listeners: DurableTask[] | undefined;

  /** True only on success, as in durable-functions; see isSettled for "done either way". */
  get isCompleted(): boolean {
    return this.state === 'completed';
  }

  get isSettled(): boolean {
    return this.state !== 'pending';
  }

  get isFaulted(): boolean {
    return this.state === 'failed';
  }

  /** The value on success; on failure the Error (durable-functions' semantics, used after Task.any/all). */
  get result(): unknown {
    return this.state === 'failed' ? this.failure : this.value;
  }

  get error(): Error | undefined {
    return this.failure;
  }

  /** Children in scheduling order; atomic tasks have none. */
  abstract children(): DurableTask[];

  addListener(parent: DurableTask): void {
    (this.listeners ??= []).push(parent);
  }

  complete(value: unknown): void {
    if (this.state !== 'pending') return;
    this.state = 'completed';
    this.value = value;
    this.notify();
  }

  fail(error: Error): void {
    if (this.state !== 'pending') return;
    this.state = 'failed';
    this.failure = error;
    this.notify();
  }

  /** Called when a child settles. */
  protected onChildSettled(_child: DurableTask): void {}

  private notify(): void {
    if (this.listeners) for (const parent of this.listeners) parent.onChildSettled(this);
  }
}

/** A task that maps to one action (or, for external events, to no action at all). */
export class AtomicTask extends DurableTask {
  /** History EventId once the replay has numbered the action. */
  id: number | undefined;
  scheduled = false;
  /** Runs when the replay numbers the action, in numbering order (deterministic on every replay). */
  onNumbered: (() => void) | undefined;

  constructor(readonly action: OrchestratorAction | undefined) {
    super();
  }

  children(): DurableTask[] {
    return [];
  }
}

export class DurableTimerTask extends AtomicTask implements TimerTask {
  private canceled = false;

  get isCanceled(): boolean {
    return this.canceled;
  }

  cancel(): void {
    if (this.isSettled) throw new Error('Cannot cancel a completed task.');
    this.canceled = true;
  }
}

/** waitForExternalEvent: no action; completed by an EventRaised event with its name. */
export class ExternalEventTask extends AtomicTask {
  constructor(readonly eventName: string) {
    super(undefined);
  }
}

/** Task.all: results in order; fails with the first child failure. */
export class WhenAllTask extends DurableTask {
  /** Children completed so far: counted, not re-scanned, so a fan-out of n replays in O(n), not O(n²). */
  private completedChildren = 0;

  constructor(private readonly tasks: DurableTask[]) {
    super();
    for (const t of tasks) t.addListener(this);
    const failed = tasks.find((t) => t.isFaulted);
    if (failed) {
      this.fail(failed.error ?? new Error('A task in Task.all failed.'));
      return;
    }
    this.completedChildren = tasks.filter((t) => t.isCompleted).length;
    this.completeIfAllDone();
  }

  children(): DurableTask[] {
    return this.tasks;
  }

  // Called once per listing of the child (a task listed twice is counted twice, as it appears twice).
  protected override onChildSettled(child: DurableTask): void {
    if (this.isSettled) return;
    if (child.isFaulted) {
      this.fail(child.error ?? new Error('A task in Task.all failed.'));
      return;
    }
    this.completedChildren++;
    this.completeIfAllDone();
  }

  private completeIfAllDone(): void {
    if (this.completedChildren === this.tasks.length) this.complete(this.tasks.map((t) => t.result));
  }
}

/** Task.any: completes with the first child to settle (the task itself, as in the SDK). */
export class WhenAnyTask extends DurableTask {
  constructor(private readonly tasks: DurableTask[]) {
    super();
    for (const t of tasks) t.addListener(this);
    const done = tasks.find((t) => t.isSettled);
    if (done) this.complete(done);
  }

  children(): DurableTask[] {
    return this.tasks;
  }

  protected override onChildSettled(child: DurableTask): void {
    this.complete(child);
  }
}

export function isDurableTask(value: unknown): value is DurableTask {
  return value instanceof DurableTask;
}

/**
 * A task that waits on one child at a time and may replace it as history unfolds (a retry's
 * timer then the next attempt, an HTTP poll's timer then the next GET). Replacements are numbered
 * at once through `scheduleNow`, which keeps them in history order.
 */
export abstract class SequentialTask extends DurableTask {
  private current: DurableTask;

  protected constructor(
    first: DurableTask,
    private readonly scheduleNow: (task: AtomicTask) => void,
  ) {
    super();
    this.current = first;
    first.addListener(this);
  }

  children(): DurableTask[] {
    return [this.current];
  }

  protected continueWith(next: AtomicTask): void {
    this.current = next;
    next.addListener(this);
    this.scheduleNow(next);
  }

  protected abstract onStepSettled(step: DurableTask): void;

  protected override onChildSettled(child: DurableTask): void {
    if (child === this.current && !this.isSettled) this.onStepSettled(child);
  }
}
