import { OrchestrationRuntimeStatus } from './status';

/** Filter of getStatusBy / purgeInstanceHistoryBy, as durable-functions' OrchestrationFilter. */
export interface OrchestrationFilter {
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  runtimeStatus?: OrchestrationRuntimeStatus[];
  instanceIdPrefix?: string;
  /** Orchestrator name, exact match (our addition; the dashboard's name filter). */
  name?: string;
  /** Leave out entity rows (instance ids '@name@key'; our addition). */
  excludeEntities?: boolean;
  pageSize?: number;
  continuationToken?: string;
}
