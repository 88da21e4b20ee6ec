import { StorageConnectionError, describeStorageConnection, storageConnectionFor } from '../../src/config/storageConnection';

describe('storage connection settings (as the Functions host reads them)', () => {
  test('an exact setting is a connection string and wins over identity settings', () => {
    const c = storageConnectionFor('AzureWebJobsStorage', {
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      AzureWebJobsStorage__accountName: 'acct',
    });
    expect(c).toEqual({ kind: 'connectionString', setting: 'AzureWebJobsStorage', connectionString: 'UseDevelopmentStorage=true' });
  });

  test('an empty exact setting falls through to the identity settings (templates often set it to "")', () => {
    const c = storageConnectionFor('AzureWebJobsStorage', { AzureWebJobsStorage: '', AzureWebJobsStorage__accountName: 'acct' });
    expect(c.kind).toBe('identity');
  });

  test('accountName gives the public-cloud endpoints; no credential means the developer sign-in', () => {
    const c = storageConnectionFor('AzureWebJobsStorage', { AzureWebJobsStorage__accountName: 'mystorage' });
    expect(c).toEqual({
      kind: 'identity',
      setting: 'AzureWebJobsStorage',
      blobServiceUri: 'https://mystorage.blob.core.windows.net',
      queueServiceUri: 'https://mystorage.queue.core.windows.net',
      tableServiceUri: 'https://mystorage.table.core.windows.net',
      credential: { kind: 'developer', clientId: undefined },
    });
  });

  test('service URIs win over accountName, suffixes are case-insensitive, credential=managedidentity with a client id', () => {
    const c = storageConnectionFor('AzureWebJobsStorage', {
      AzureWebJobsStorage__accountname: 'mystorage',
      AzureWebJobsStorage__queueServiceUri: 'https://q.example.net/',
      AzureWebJobsStorage__credential: 'ManagedIdentity',
      AzureWebJobsStorage__clientId: '11111111-2222-3333-4444-555555555555',
    });
    expect(c).toMatchObject({
      blobServiceUri: 'https://mystorage.blob.core.windows.net',
      queueServiceUri: 'https://q.example.net',
      tableServiceUri: 'https://mystorage.table.core.windows.net',
      credential: { kind: 'managedIdentity', clientId: '11111111-2222-3333-4444-555555555555' },
    });
    expect(describeStorageConnection(c)).toContain('managed identity (client id 11111111-2222-3333-4444-555555555555)');
  });

  test('a custom connection name, and AzureWebJobs<name> as the host also accepts', () => {
    const env = {
      MyStorage__blobServiceUri: 'https://a.blob.core.chinacloudapi.cn',
      MyStorage__queueServiceUri: 'https://a.queue.core.chinacloudapi.cn',
      MyStorage__tableServiceUri: 'https://a.table.core.chinacloudapi.cn',
      MyStorage__credential: 'managedidentity',
      MyStorage__managedIdentityResourceId:
        '/subscriptions/x/resourceGroups/y/providers/Microsoft.ManagedIdentity/userAssignedIdentities/z',
    };
    expect(storageConnectionFor('MyStorage', env)).toMatchObject({
      kind: 'identity',
      credential: { kind: 'managedIdentity', resourceId: expect.stringContaining('/z') },
    });
    expect(storageConnectionFor('Other', { AzureWebJobsOther: 'UseDevelopmentStorage=true' })).toMatchObject({
      setting: 'AzureWebJobsOther',
    });
  });

  test('a service principal (local development) needs tenant, client and secret; the secret never shows in messages', () => {
    const base = { S__accountName: 'acct', S__tenantId: 't', S__clientId: 'c' };
    expect(storageConnectionFor('S', { ...base, S__clientSecret: 'hunter2' })).toMatchObject({
      credential: { kind: 'clientSecret', tenantId: 't', clientId: 'c' },
    });
    expect(() => storageConnectionFor('S', { S__accountName: 'acct', S__clientSecret: 'hunter2' })).toThrow(/S__tenantId and S__clientId/);
    expect(describeStorageConnection(storageConnectionFor('S', { ...base, S__clientSecret: 'hunter2' }))).not.toContain('hunter2');
  });

  test.each([
    [{ X__queueServiceUri: 'https://q.example.net' }, /no blob, table endpoint.*X__accountName/],
    [{ X__accountName: 'Not_Valid' }, /X__accountName' must be a storage account name/],
    [{ X__accountName: 'acct', X__tableServiceUri: 'http://t.example.net' }, /X__tableServiceUri' must be an https:\/\/ URL/],
    [{ X__accountName: 'acct', X__blobServiceUri: 'not a url' }, /X__blobServiceUri' is not a valid URL/],
    [{ X__accountName: 'acct', X__credential: 'certificate' }, /X__credential' must be 'managedidentity'/],
    [
      { X__accountName: 'acct', X__credential: 'managedidentityasfederatedidentity' },
      /cross-tenant federated identities are not supported/,
    ],
    [
      { X__accountName: 'acct', X__credential: 'managedidentity', X__clientId: 'a', X__managedIdentityResourceId: 'b' },
      /either 'X__clientId' or 'X__managedIdentityResourceId'/,
    ],
    [{ X__accountName: 'acct', X__managedIdentityResourceId: 'b' }, /needs 'X__credential' set to 'managedidentity'/],
    [{}, /The storage connection 'X' is not configured.*X__accountName/],
  ])('refuses %j with a message naming the setting', (env, message) => {
    expect(() => storageConnectionFor('X', env as NodeJS.ProcessEnv)).toThrow(StorageConnectionError);
    expect(() => storageConnectionFor('X', env as NodeJS.ProcessEnv)).toThrow(message);
  });
});
