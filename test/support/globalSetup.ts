import { freePorts, startAzurite } from '../../src/localhost/azurite';

/** One in-memory Azurite for the whole integration run, on free ports so a dev Azurite can keep running. */
export default async function globalSetup(): Promise<void> {
  const azurite = await startAzurite(await freePorts());
  process.env.DF_TEST_STORAGE = azurite.connectionString;
  process.env.DF_LOG_LEVEL ??= 'warn';
  (globalThis as Record<string, unknown>).__AZURITE__ = azurite;
}
