/** What the dashboard shows about a task hub; each backend fills it in its own terms. */

export interface PartitionOverview {
  partition: number;
  controlQueue: string;
  /** Approximate number of messages (null when the queue does not exist). */
  queueDepth: number | null;
  /** Worker named in the lease blob; with an expired lease it is the last owner. */
  owner: string | null;
  /** Blob lease state: leased, available, expired, breaking, broken (or missing). */
  leaseState: string;
  epoch: number | null;
}

export interface ThroughputMinute {
  /** Start of the minute, ISO-8601 UTC. */
  minute: string;
  started: number;
  completed: number;
  failed: number;
  terminated: number;
}

export interface HubOverview {
  taskHub: string;
  createdAt: string | null;
  partitionCount: number;
  partitions: PartitionOverview[];
  workItemQueueDepth: number | null;
  workers: { workerId: string; partitions: number[] }[];
  throughput: { minutes: ThroughputMinute[]; rowsRead: number; complete: boolean };
  generatedAt: string;
}

export interface InstanceCounts {
  /** Instances per runtime status among the rows read. */
  counts: Record<string, number>;
  total: number;
  /** False when the scan stopped at `maxRows` or the time budget: the numbers are then lower bounds. */
  complete: boolean;
}

export interface CountOptions {
  maxRows?: number;
  timeBudgetMs?: number;
}
