import { OrchestrationContext } from './context';
import { Task } from './tasks';

/** Orchestrator code: a generator yielding durable tasks (the SDK's type: returns unknown, receives any). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- results of yielded tasks are untyped, as in durable-functions
export type OrchestrationHandler = (context: OrchestrationContext) => Generator<Task, unknown, any>;
