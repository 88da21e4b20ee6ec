import { EntityId, entityInstanceId } from '../entities/entityId';
import { LOCK_GRANTED, OPERATION_EVENT, RELEASE_EVENT, ReleaseMessage, RequestMessage, ResponseMessage, toEntityIdJson } from '../entities/messages';
import { EventType, HistoryEvent } from '../history/events';
import { fromJsonText } from '../util/json';
import { AtomicTask, DurableTask, ExternalEventTask } from './tasks';

/** An error an entity operation threw, reported back to the calling orchestration. */
export class EntityOperationError extends Error {
  constructor(
    message: string,
    readonly exceptionType: string,
  ) {
    super(message);
    this.name = 'EntityOperationError';
  }
}

export function sendToEntity(entity: EntityId, eventName: string, body: unknown): AtomicTask {
  return new AtomicTask({ kind: 'sendEvent', instanceId: entityInstanceId(entity), eventName, input: body });
}

/** Sends a request and completes with the entity's response (an event named after the request id). */
export class EntityRequestTask extends DurableTask {
  private readonly send: AtomicTask;
  private readonly response: ExternalEventTask;

  constructor(
    entity: EntityId,
    request: RequestMessage,
    private readonly onGranted?: () => unknown,
    private readonly onSettled?: () => void,
    /** Called when the send is numbered (sent for the first time, or replayed): stamps the request. */
    onNumbered?: () => void,
  ) {
    super();
    this.send = sendToEntity(entity, OPERATION_EVENT, request);
    this.send.onNumbered = onNumbered;
    this.response = new ExternalEventTask(request.id);
    this.response.addListener(this);
  }

  children(): DurableTask[] {
    return [this.send, this.response];
  }

  protected override onChildSettled(child: DurableTask): void {
    if (child !== this.response) return;
    this.onSettled?.();
    const response = child.result as ResponseMessage | undefined;
    if (!response || typeof response !== 'object') {
      this.fail(new Error('The entity sent a response that is not a ResponseMessage.'));
      return;
    }
    if (response.exceptionType) {
      this.fail(new EntityOperationError(entityErrorMessage(response.result), response.exceptionType));
      return;
    }
    // The Functions extension grants a lock with the JSON string; DT.Core's entities with the bare text.
    if (this.onGranted && response.result === LOCK_GRANTED) {
      this.complete(this.onGranted());
      return;
    }
    const result = fromJsonText(response.result, 'entity operation result');
    this.complete(this.onGranted && result === LOCK_GRANTED ? this.onGranted() : result);
  }
}

/**
 * The message of a failed operation: the result is JSON text of the message (what durable-functions
 * parses); plain text from older histories is taken as is.
 */
function entityErrorMessage(result: string | null | undefined): string {
  if (!result) return 'The entity operation failed.';
  try {
    const parsed: unknown = JSON.parse(result);
    return typeof parsed === 'string' ? parsed : result;
  } catch {
    return result;
  }
}

/** Lock requests sent and not released in a history: the locks an orchestration may still hold. */
export function unreleasedLocks(events: HistoryEvent[]): { id: string; entities: EntityId[] }[] {
  const requests = new Map<string, EntityId[]>();
  for (const e of events) {
    if (e.EventType !== EventType.EventSent) continue;
    let body: unknown;
    try {
      body = fromJsonText(e.Input);
    } catch {
      continue;
    }
    if (e.Name === OPERATION_EVENT) {
      const request = body as RequestMessage;
      if (request && !request.op && Array.isArray(request.lockset)) {
        requests.set(request.id, request.lockset.map((l) => new EntityId(l.name, l.key)));
      }
    } else if (e.Name === RELEASE_EVENT) {
      requests.delete((body as ReleaseMessage)?.id);
    }
  }
  return [...requests.entries()].map(([id, entities]) => ({ id, entities }));
}

export { toEntityIdJson };
