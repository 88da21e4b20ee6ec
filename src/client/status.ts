import { InstanceState } from '../history/instanceState';
import { fromJsonText } from '../util/json';

/** Runtime status names, as durable-functions' OrchestrationRuntimeStatus enum. */
export enum OrchestrationRuntimeStatus {
  Running = 'Running',
  Completed = 'Completed',
  ContinuedAsNew = 'ContinuedAsNew',
  Failed = 'Failed',
  Canceled = 'Canceled',
  Terminated = 'Terminated',
  Pending = 'Pending',
  Suspended = 'Suspended',
}

/** The status of an instance, with the SDK's field names. */
export class DurableOrchestrationStatus {
  readonly name: string;
  readonly instanceId: string;
  readonly createdTime: Date;
  readonly lastUpdatedTime: Date;
  readonly input: unknown;
  readonly output: unknown;
  readonly runtimeStatus: OrchestrationRuntimeStatus;
  readonly customStatus?: unknown;
  readonly history?: Array<unknown>;

  constructor(init: Omit<DurableOrchestrationStatus, never>) {
    this.name = init.name;
    this.instanceId = init.instanceId;
    this.createdTime = init.createdTime;
    this.lastUpdatedTime = init.lastUpdatedTime;
    this.input = init.input;
    this.output = init.output;
    this.runtimeStatus = init.runtimeStatus;
    this.customStatus = init.customStatus;
    if (init.history) this.history = init.history;
  }
}

/** Values stored as JSON text come back parsed; anything unparsable is returned as the raw text. */
function parseStored(text: string | undefined): unknown {
  if (text === undefined || text === '') return null;
  try {
    return fromJsonText(text);
  } catch {
    return text;
  }
}

/** @internal */
export function toStatus(state: InstanceState, options: { showInput?: boolean; history?: unknown[] } = {}): DurableOrchestrationStatus {
  return new DurableOrchestrationStatus({
    name: state.name,
    instanceId: state.instanceId,
    createdTime: state.createdTime,
    lastUpdatedTime: state.lastUpdatedTime,
    input: options.showInput === false ? null : parseStored(state.input),
    output: parseStored(state.output),
    runtimeStatus: state.runtimeStatus as OrchestrationRuntimeStatus,
    customStatus: parseStored(state.customStatus),
    history: options.history,
  });
}
