import { OrchestrationContext } from './context';
import { Task } from './tasks';

/** Orchestrator code: a generator yielding durable tasks (or a plain function returning the output). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- results of yielded tasks are untyped, as in durable-functions
export type OrchestrationHandler = (context: OrchestrationContext) => Generator<Task, any, any>;
