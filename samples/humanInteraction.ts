/**
 * Pattern 5, human interaction: wait for an approval event, with a durable timeout and escalation.
 * Input: { requestId, timeoutHours? }. Approve with the sendEventPostUri, event name "ApprovalEvent".
 */
import moment from 'moment';
import * as df from '../src';
import { OrchestrationContext, Task } from '../src';

df.app.activity('RequestApproval', {
  handler: (requestId: string) => `approval requested for ${requestId}`,
});

df.app.activity('Escalate', {
  handler: (requestId: string) => `escalated ${requestId} to the manager`,
});

df.app.orchestration('ApprovalWorkflow', function* (context: OrchestrationContext) {
  const { requestId, timeoutHours } = context.df.getInput<{ requestId: string; timeoutHours?: number }>();
  yield context.df.callActivity('RequestApproval', requestId);

  const dueTime = moment.utc(context.df.currentUtcDateTime).add(timeoutHours ?? 72, 'h');
  const durableTimeout = context.df.createTimer(dueTime.toDate());
  const approvalEvent = context.df.waitForExternalEvent('ApprovalEvent');
  context.df.setCustomStatus('Waiting for approval');

  const winner: Task = yield context.df.Task.any([approvalEvent, durableTimeout]);
  if (winner === approvalEvent) {
    durableTimeout.cancel();
    context.df.setCustomStatus('Approved');
    return { requestId, approved: approvalEvent.result };
  }
  context.df.setCustomStatus('Escalated');
  const escalation: string = yield context.df.callActivity('Escalate', requestId);
  return { requestId, approved: false, escalation };
});
