import { xmlSafeJson } from '../../util/xmlText';
import { EventType, HistoryEvent, OrchestrationInstance } from '../../history/events';

/**
 * Queue messages of the task hub: DurableTask.AzureStorage's MessageData envelope around a
 * DurableTask.Core TaskMessage. The .NET backend serializes with Newtonsoft TypeNameHandling.Objects
 * and a binder that writes the full type name without assembly, so every object carries a `$type`
 * like "DurableTask.Core.History.TaskScheduledEvent"; we write the same and ignore them on read.
 */

export interface TaskMessage {
  Event: HistoryEvent;
  SequenceNumber: number;
  OrchestrationInstance: OrchestrationInstance;
}

export interface MessageData {
  ActivityId: string;
  TaskMessage: TaskMessage;
  CompressedBlobName: string | null;
  SequenceNumber: number;
  /** Only logged by DurableTask.AzureStorage; omitted on client-sent messages. */
  Episode?: number;
  /** Never null: .NET dereferences it (client-sent messages carry empty strings). */
  Sender?: OrchestrationInstance | null;
  SerializableTraceContext?: string | null;
}

/** The Sender of messages that no orchestration sent (clients), as DurableTask.AzureStorage writes it. */
export const CLIENT_SENDER: OrchestrationInstance = { InstanceId: '', ExecutionId: '' };

const CORE = 'DurableTask.Core';
export const MESSAGE_DATA_TYPE = 'DurableTask.AzureStorage.MessageData';

/** .NET class name of each event type (most are `<Name>Event`). */
function eventClassName(type: EventType): string {
  const name = EventType[type];
  return name.endsWith('Event') ? name : `${name}Event`;
}

function typed<T extends object>(typeName: string, value: T): T & { $type: string } {
  return { $type: typeName, ...value };
}

function withInstanceType(instance: OrchestrationInstance): OrchestrationInstance {
  return typed(`${CORE}.OrchestrationInstance`, instance);
}

function annotateEvent(event: HistoryEvent): Record<string, unknown> {
  const copy: Record<string, unknown> = { $type: `${CORE}.History.${eventClassName(event.EventType)}`, ...event };
  if (event.EventType === EventType.ExecutionStarted) {
    copy.OrchestrationInstance = withInstanceType(event.OrchestrationInstance);
    if (event.ParentInstance) {
      copy.ParentInstance = typed(`${CORE}.ParentInstance`, {
        ...event.ParentInstance,
        OrchestrationInstance: withInstanceType(event.ParentInstance.OrchestrationInstance),
      });
    }
  }
  if ('FailureDetails' in event && event.FailureDetails) {
    copy.FailureDetails = typed(`${CORE}.FailureDetails`, event.FailureDetails);
  }
  return copy;
}

export function encodeMessage(message: MessageData): string {
  const body = typed(MESSAGE_DATA_TYPE, {
    ActivityId: message.ActivityId,
    TaskMessage: typed(`${CORE}.TaskMessage`, {
      Event: annotateEvent(message.TaskMessage.Event),
      SequenceNumber: message.TaskMessage.SequenceNumber,
      OrchestrationInstance: withInstanceType(anyExecutionAsNull(message.TaskMessage.OrchestrationInstance)),
    }),
    CompressedBlobName: message.CompressedBlobName,
    SequenceNumber: message.SequenceNumber,
    ...(message.Episode === undefined ? {} : { Episode: message.Episode }),
    // Sender is the one object the .NET serializer writes without $type.
    Sender: message.Sender ?? CLIENT_SENDER,
    SerializableTraceContext: message.SerializableTraceContext ?? null,
  });
  // Queue text travels in XML: characters XML cannot carry go as JSON escapes (see util/xmlText).
  return xmlSafeJson(JSON.stringify(body));
}

/**
 * In memory we write "" for "whichever execution is current" (events to other instances, entity
 * messages); on the wire .NET uses null, and only auto-starts an entity for null.
 */
function anyExecutionAsNull(instance: OrchestrationInstance): OrchestrationInstance {
  return instance.ExecutionId === '' ? { ...instance, ExecutionId: null as unknown as string } : instance;
}

function stripTypes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripTypes);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== '$type') out[k] = stripTypes(v);
    return out;
  }
  return value;
}

/** Parses a queue message; throws a descriptive error for anything that is not a task hub message. */
export function decodeMessage(text: string): MessageData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`Queue message is not JSON: ${(e as Error).message}`);
  }
  const data = stripTypes(parsed) as MessageData;
  if (!data || typeof data !== 'object' || typeof data.TaskMessage !== 'object' || data.TaskMessage === null) {
    if (data && typeof data === 'object' && data.CompressedBlobName) return data;
    throw new Error('Queue message has no TaskMessage: not a DurableTask message.');
  }
  const event = data.TaskMessage.Event as HistoryEvent | undefined;
  if (!event || typeof event.EventType !== 'number' || EventType[event.EventType] === undefined) {
    throw new Error('Queue message carries no recognizable history event.');
  }
  const target = data.TaskMessage.OrchestrationInstance;
  if (target && (target.ExecutionId === null || target.ExecutionId === undefined)) target.ExecutionId = '';
  return data;
}
