import { FunctionTrigger, trigger as functionsTrigger } from '@azure/functions';

export interface OrchestrationTrigger extends FunctionTrigger {
  type: 'orchestrationTrigger';
}

export interface ActivityTrigger extends FunctionTrigger {
  type: 'activityTrigger';
}

export interface EntityTrigger extends FunctionTrigger {
  type: 'entityTrigger';
}

/** `df.trigger.*`: descriptors with the extension's trigger type names (names generated like the SDK's). */
export const trigger = {
  orchestration: (): OrchestrationTrigger => functionsTrigger.generic({ type: 'orchestrationTrigger' }) as OrchestrationTrigger,
  activity: (): ActivityTrigger => functionsTrigger.generic({ type: 'activityTrigger' }) as ActivityTrigger,
  entity: (): EntityTrigger => functionsTrigger.generic({ type: 'entityTrigger' }) as EntityTrigger,
};
