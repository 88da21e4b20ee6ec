import { FailureDetails as WireFailureDetails } from '../history/events';
import { exceptionPropertiesOf } from './exceptionProperties';

/** A failure as orchestrator code sees it (durable-functions 3.5's FailureDetails, camelCase). */
export interface FailureDetails {
  errorType: string;
  errorMessage: string;
  stackTrace?: string;
  isNonRetriable: boolean;
  properties?: Record<string, unknown>;
  innerFailure?: FailureDetails;
  /** True when this failure or one of its inner failures has the given error type. */
  isCausedBy(errorType: string): boolean;
}

/** Thrown into an orchestrator when an activity or sub-orchestration it awaited failed. */
export class TaskFailedError extends Error {
  readonly failureDetails: FailureDetails;
  readonly taskName?: string;
  readonly taskId?: number;

  constructor(failureDetails: FailureDetails, taskName?: string, taskId?: number) {
    super(`${failureDetails.errorType}: ${failureDetails.errorMessage}`);
    this.name = 'TaskFailedError';
    this.failureDetails = failureDetails;
    this.taskName = taskName;
    this.taskId = taskId;
    if (failureDetails.stackTrace) this.stack = failureDetails.stackTrace;
  }
}

/** Base of errors the library itself raises (declared by durable-functions, exported here at runtime too). */
export class DurableError extends Error {
  constructor(message: string | undefined) {
    super(message);
    this.name = 'DurableError';
  }
}

/** Several errors at once; the message lists each one, in the SDK's format. */
export class AggregatedError extends Error {
  errors: Error[];

  constructor(errors: Error[]) {
    const separator = '\n-----------------------------------\n';
    const listed = errors.map((e) => `Name: ${e.name}\nMessage: ${e.message}\nStackTrace: ${e.stack}`).join(separator);
    super(`context.df.Task.all() encountered the below error messages:\n\n${listed}`);
    this.name = 'AggregatedError';
    this.errors = errors;
  }
}

/** The orchestrator's code no longer matches its recorded history. */
export class NonDeterministicOrchestrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonDeterministicOrchestrationError';
  }
}

/** History's FailureDetails (PascalCase) as the camelCase object orchestrator code receives. */
export function toPublicFailureDetails(wire: WireFailureDetails): FailureDetails {
  const details: FailureDetails = {
    errorType: wire.ErrorType ?? 'Error',
    errorMessage: wire.ErrorMessage ?? '',
    stackTrace: wire.StackTrace ?? undefined,
    isNonRetriable: wire.IsNonRetriable ?? false,
    properties: wire.Properties ?? undefined,
    innerFailure: wire.InnerFailure ? toPublicFailureDetails(wire.InnerFailure) : undefined,
    isCausedBy(errorType: string): boolean {
      for (let f: FailureDetails | undefined = details; f; f = f.innerFailure) if (f.errorType === errorType) return true;
      return false;
    },
  };
  return details;
}

/**
 * The error a failed task throws into orchestrator code, as durable-functions builds it: a
 * TaskFailedError when history carries FailureDetails, else an Error of "<Reason> \n <Details>".
 */
export function taskFailure(
  event: { Reason?: string | null; Details?: string | null; FailureDetails?: WireFailureDetails | null },
  taskName?: string,
  taskId?: number,
): Error {
  if (event.FailureDetails && typeof event.FailureDetails === 'object') {
    return new TaskFailedError(toPublicFailureDetails(event.FailureDetails), taskName, taskId);
  }
  return new Error(`${event.Reason ?? ''} \n ${event.Details ?? ''}`);
}

/** Converts any thrown value to DurableTask FailureDetails. */
export function toFailureDetails(error: unknown): WireFailureDetails {
  const properties = exceptionPropertiesOf(error);
  if (error instanceof TaskFailedError) {
    // A task failure rethrown by an orchestrator keeps the original failure as its cause.
    return {
      ErrorType: error.failureDetails.errorType,
      ErrorMessage: error.failureDetails.errorMessage,
      StackTrace: error.failureDetails.stackTrace ?? null,
      InnerFailure: error.failureDetails.innerFailure ? toWire(error.failureDetails.innerFailure) : null,
      IsNonRetriable: error.failureDetails.isNonRetriable,
      Properties: error.failureDetails.properties ?? null,
    };
  }
  if (error instanceof Error) {
    return {
      ErrorType: error.name || 'Error',
      ErrorMessage: error.message,
      StackTrace: error.stack ?? null,
      InnerFailure: null,
      IsNonRetriable: false,
      Properties: properties ?? null,
    };
  }
  return {
    ErrorType: typeof error,
    ErrorMessage: typeof error === 'string' ? error : safeStringify(error),
    StackTrace: null,
    InnerFailure: null,
    IsNonRetriable: false,
    Properties: null,
  };
}

function toWire(details: FailureDetails): WireFailureDetails {
  return {
    ErrorType: details.errorType,
    ErrorMessage: details.errorMessage,
    StackTrace: details.stackTrace ?? null,
    InnerFailure: details.innerFailure ? toWire(details.innerFailure) : null,
    IsNonRetriable: details.isNonRetriable,
    Properties: details.properties ?? null,
  };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
