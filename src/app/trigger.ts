import { FunctionTrigger } from '@azure/functions';

/** `df.trigger.*`: descriptors with the extension's trigger type names, for code that inspects them. */
export const trigger = {
  orchestration: (): FunctionTrigger => ({ type: 'orchestrationTrigger', name: 'context' }),
  activity: (): FunctionTrigger => ({ type: 'activityTrigger', name: 'input' }),
  entity: (): FunctionTrigger => ({ type: 'entityTrigger', name: 'context' }),
};
