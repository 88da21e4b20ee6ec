/** What an orchestrator asks the engine to do; each becomes one history event plus outbound messages. */

export interface CallActivityAction {
  kind: 'callActivity';
  name: string;
  input: unknown;
}

export interface CreateTimerAction {
  kind: 'createTimer';
  fireAt: Date;
}

export interface CallSubOrchestratorAction {
  kind: 'callSubOrchestrator';
  name: string;
  instanceId: string;
  input: unknown;
  /** Version for the child's ExecutionStarted event (callSubOrchestrator's `version`). */
  version?: string;
}

export interface SendEventAction {
  kind: 'sendEvent';
  instanceId: string;
  eventName: string;
  input: unknown;
}

export type OrchestratorAction =
  | CallActivityAction
  | CreateTimerAction
  | CallSubOrchestratorAction
  | SendEventAction;

/** An action with the sequence number (history EventId) the replay assigned to it. */
export interface NumberedAction {
  id: number;
  action: OrchestratorAction;
}

export function describeAction(action: OrchestratorAction): string {
  switch (action.kind) {
    case 'callActivity':
      return `CallActivity '${action.name}'`;
    case 'createTimer':
      return `CreateTimer`;
    case 'callSubOrchestrator':
      return `CallSubOrchestrator '${action.name}'`;
    case 'sendEvent':
      return `SendEvent '${action.eventName}' to '${action.instanceId}'`;
  }
}
