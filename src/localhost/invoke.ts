import { randomUUID } from 'crypto';
import { LocalCoreApi, RegisteredFunction, RpcBinding, RpcTypedData } from './coreApi';

export interface InvocationResult {
  invocationId: string;
  returnValue?: RpcTypedData;
}

/**
 * Invokes a registered function through the app's programming model (what the Functions worker does
 * for an InvocationRequest): the trigger's data and metadata in, the handler's result out. Throws
 * what the handler throws, so the caller applies the host's retry rules.
 */
export async function invokeRegistered(
  core: LocalCoreApi,
  fn: RegisteredFunction,
  triggerName: string,
  data: RpcTypedData,
  triggerMetadata: Record<string, RpcTypedData> = {},
): Promise<InvocationResult> {
  const invocationId = randomUUID();
  const model = core.programmingModel().getInvocationModel({
    invocationId,
    request: { invocationId, functionId: fn.name, inputData: [{ name: triggerName, data }], triggerMetadata },
    metadata: { name: fn.name, bindings: fn.bindings as Record<string, RpcBinding> },
    log: (level, category, message) => core.log(level, category, message),
  });
  const { context, inputs } = await model.getArguments();
  const result = await model.invokeFunction(context, inputs, fn.callback);
  const response = await model.getResponse(context, result);
  return { invocationId, returnValue: response.returnValue };
}
