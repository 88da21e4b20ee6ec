import { FailureDetails } from '../history/events';

/** Thrown into an orchestrator when an activity or sub-orchestration it awaited failed. */
export class TaskFailedError extends Error {
  constructor(
    message: string,
    readonly details: string | null,
    readonly failureDetails?: FailureDetails | null,
  ) {
    super(message);
    this.name = 'TaskFailedError';
    if (failureDetails?.StackTrace) this.stack = `${this.name}: ${message}\n${failureDetails.StackTrace}`;
  }
}

/** The orchestrator's code no longer matches its recorded history. */
export class NonDeterministicOrchestrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonDeterministicOrchestrationError';
  }
}

/** Converts any thrown value to DurableTask FailureDetails. */
export function toFailureDetails(error: unknown): FailureDetails {
  if (error instanceof Error) {
    return {
      ErrorType: error.name || 'Error',
      ErrorMessage: error.message,
      StackTrace: error.stack ?? null,
      InnerFailure: null,
      IsNonRetriable: false,
    };
  }
  return {
    ErrorType: typeof error,
    ErrorMessage: typeof error === 'string' ? error : safeStringify(error),
    StackTrace: null,
    InnerFailure: null,
    IsNonRetriable: false,
  };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
