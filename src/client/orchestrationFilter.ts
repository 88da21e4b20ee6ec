import { OrchestrationRuntimeStatus } from './status';

/** Filter of getStatusBy / purgeInstanceHistoryBy, as durable-functions' OrchestrationFilter. */
export interface OrchestrationFilter {
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  runtimeStatus?: OrchestrationRuntimeStatus[];
  instanceIdPrefix?: string;
  pageSize?: number;
  continuationToken?: string;
}
