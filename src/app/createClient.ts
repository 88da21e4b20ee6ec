import { AzureStorageBackend } from '../backend/azureStorage/azureStorageBackend';
import { DurableClient } from '../client/durableClient';
import { defaultSettings } from '../config/settings';

/** A client for a task hub outside a function app (scripts, tools): connection string + hub name. */
export function createClient(options: { connectionString: string; taskHubName: string; partitionCount?: number }): DurableClient {
  return new DurableClient(
    new AzureStorageBackend({
      ...defaultSettings,
      connectionString: options.connectionString,
      hubName: options.taskHubName,
      partitionCount: options.partitionCount ?? defaultSettings.partitionCount,
    }),
  );
}
