/**
 * Durable HTTP with a managed identity: callHttp gets a bearer token for the resource when the
 * request runs (Azure Identity's default chain: the app's managed identity in Azure, a developer
 * login such as `az login` locally), so no secret is ever in code or history.
 *   POST /api/orchestrators/ListAzureSubscriptions
 */
import * as df from '../src';

df.app.orchestration('ListAzureSubscriptions', function* (context) {
  const response: { statusCode: number; content?: string } = yield context.df.callHttp({
    method: 'GET',
    url: 'https://management.azure.com/subscriptions?api-version=2019-06-01',
    tokenSource: new df.ManagedIdentityTokenSource('https://management.core.windows.net'),
  });
  if (response.statusCode >= 400) throw new Error(`Azure Resource Manager answered ${response.statusCode}`);
  const body = JSON.parse(response.content ?? '{}') as { value?: { subscriptionId: string; displayName: string }[] };
  return (body.value ?? []).map((s) => ({ id: s.subscriptionId, name: s.displayName }));
});
