import { HistoryEvent } from '../history/events';
import { OrchestrationReplay } from '../orchestration/replay';

/** Most orchestrations whose running code is kept between work items (least recently used goes first). */
const MAX_LIVE = 1_000;

/** An orchestration's replay, still running its code, after the work item whose checkpoint it produced. */
export interface LiveReplay {
  replay: OrchestrationReplay;
  /** The history that checkpoint leaves: its length and its last event (the very object). */
  historyLength: number;
  lastEvent: HistoryEvent;
  /** What the step appended after the replay ran (scheduling events, OrchestratorCompleted): applied first on resume. */
  unapplied: HistoryEvent[];
}

/**
 * Replays kept alive between work items, so a hot orchestration's next episode resumes its code where
 * it waits instead of running it again from the first event (DurableTask's extended sessions). One is
 * used only when the work item's history is exactly the one its checkpoint left: the same length and
 * the same last event object, which only the backend's instance cache hands back after that checkpoint
 * committed. Any other history (reloaded, written by another worker, the commit failed) replays in full.
 */
export class LiveReplays {
  private readonly entries = new Map<string, LiveReplay>();

  /** Removes and returns the instance's kept replay if `past` is exactly the history it left. */
  take(instanceId: string, past: HistoryEvent[]): LiveReplay | undefined {
    const entry = this.entries.get(instanceId);
    if (!entry) return undefined;
    this.entries.delete(instanceId);
    if (past.length !== entry.historyLength || past[past.length - 1] !== entry.lastEvent) return undefined;
    return entry;
  }

  keep(instanceId: string, live: LiveReplay): void {
    this.entries.delete(instanceId);
    this.entries.set(instanceId, live);
    for (const id of this.entries.keys()) {
      if (this.entries.size <= MAX_LIVE) break;
      this.entries.delete(id);
    }
  }

  drop(instanceId: string): void {
    this.entries.delete(instanceId);
  }
}
