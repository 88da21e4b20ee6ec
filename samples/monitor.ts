/**
 * Pattern 4, monitor: poll a condition on a flexible schedule with durable timers until it holds
 * or the monitor expires. Input: { jobId, pollingIntervalSeconds?, expiryMinutes? }.
 */
import moment from 'moment';
import * as df from '../src';
import { OrchestrationContext } from '../src';

interface MonitorInput {
  jobId: string;
  pollingIntervalSeconds?: number;
  expiryMinutes?: number;
}

// A stand-in for an external job: it reports "Completed" from its third check on.
const checks = new Map<string, number>();
df.app.activity('GetJobStatus', {
  handler: (jobId: string) => {
    const n = (checks.get(jobId) ?? 0) + 1;
    checks.set(jobId, n);
    return n >= 3 ? 'Completed' : 'Running';
  },
});

df.app.activity('SendAlert', {
  handler: (message: string) => `alert sent: ${message}`,
});

df.app.orchestration('MonitorJob', function* (context: OrchestrationContext) {
  const input = context.df.getInput<MonitorInput>();
  const interval = input.pollingIntervalSeconds ?? 2;
  const expiry = moment.utc(context.df.currentUtcDateTime).add(input.expiryMinutes ?? 5, 'm');
  let polls = 0;

  while (moment.utc(context.df.currentUtcDateTime).isBefore(expiry)) {
    polls++;
    const status: string = yield context.df.callActivity('GetJobStatus', input.jobId);
    context.df.setCustomStatus({ polls, lastStatus: status });
    if (status === 'Completed') {
      yield context.df.callActivity('SendAlert', `job ${input.jobId} completed`);
      return { jobId: input.jobId, polls, result: 'Completed' };
    }
    const next = moment.utc(context.df.currentUtcDateTime).add(interval, 's');
    if (!context.df.isReplaying) context.log(`Job ${input.jobId} is ${status}; next check at ${next.toISOString()}.`);
    yield context.df.createTimer(next.toDate());
  }
  return { jobId: input.jobId, polls, result: 'Expired' };
});
