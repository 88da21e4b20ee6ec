import { input, output, trigger } from '@azure/functions';
import * as df from '../../src';
import { UnsupportedBindingError } from '../../src/app/durableBindings';
import { registry } from '../../src/runtime/registry';

describe('bindings on durable functions are refused, never ignored', () => {
  test('an activity with a blob output (as in the official samples) is refused, naming the function and the binding; nothing is registered', () => {
    const blobOutput = output.storageBlob({ path: 'backups/{rand-guid}', connection: 'AzureWebJobsStorage' });
    const register = () =>
      df.app.activity('CopyFileToBlobTest', {
        extraOutputs: [blobOutput],
        handler: (_: unknown, context: { extraOutputs: { set(b: unknown, v: unknown): void } }) =>
          context.extraOutputs.set(blobOutput, 'x'),
      } as df.ActivityOptions);
    expect(register).toThrow(UnsupportedBindingError);
    expect(register).toThrow(
      /df\.app\.activity\('CopyFileToBlobTest'\) declares extraOutputs \(blob 'backups\/\{rand-guid\}'\).*cannot honour/,
    );
    expect(register).toThrow(/@azure\/storage-blob/);
    expect(registry.activity('CopyFileToBlobTest')).toBeUndefined();
  });

  test('extraInputs, return and trigger are refused too; all of them are listed', () => {
    expect(() =>
      df.app.activity('ReadAndReturn', {
        extraInputs: [input.storageBlob({ path: 'in/a.txt', connection: 'AzureWebJobsStorage' })],
        return: output.storageQueue({ queueName: 'out-queue', connection: 'AzureWebJobsStorage' }),
        handler: () => 'x',
      }),
    ).toThrow(/declares extraInputs \(blob 'in\/a\.txt'\) and return \(queue 'out-queue'\)/);
    expect(() =>
      df.app.orchestration('WithTrigger', { trigger: trigger.generic({ type: 'orchestrationTrigger' }), handler: function* () {} }),
    ).toThrow(/df\.app\.orchestration\('WithTrigger'\) declares trigger \(orchestrationTrigger\).*deterministic/);
    expect(() => df.app.entity('WithOutput', { handler: () => undefined, extraOutputs: [output.generic({ type: 'signalR' })] })).toThrow(
      /df\.app\.entity\('WithOutput'\) declares extraOutputs \(signalR\)/,
    );
  });

  test('empty binding lists are fine', () => {
    df.app.activity('NoBindings', { extraInputs: [], extraOutputs: [], handler: () => 'ok' });
    expect(registry.activity('NoBindings')).toBeDefined();
  });
});
