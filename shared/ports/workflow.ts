/** One line's run through the line state machine. */
export interface LineRun {
  orderId: string;
  lineId: string;
  /** An email the run makes sure of before anything else (a backstop to the API's send). */
  notify?: "backordered";
  /** The execution's name when not the line id (a restarted line). */
  name?: string;
}

/** The line state machine, as the API starts it. */
export interface LineWorkflow {
  /** Starts one execution per line, named after the line id; starting one twice is a no-op. */
  start(runs: readonly LineRun[]): Promise<void>;
}

/** Wakes parked lines (contract: a stale or unknown token never loses anything). */
export interface LineSignals {
  /**
   * Resumes the line's parked task with its recorded token; the line reloads its status
   * and goes on. `not-parked` when the token is stale or gone: the line is not waiting
   * on it any more and reloads on its own. `token`: the one the caller read with the line,
   * tried first (it saves a read); when it is stale the recorded one is read and tried.
   */
  wake(
    orderId: string,
    lineId: string,
    reason: string,
    token?: string,
  ): Promise<"woken" | "not-parked">;
}

/** An execution's status, as Step Functions reports it. */
export type ExecutionStatus =
  | "RUNNING"
  | "SUCCEEDED"
  | "FAILED"
  | "TIMED_OUT"
  | "ABORTED"
  | "PENDING_REDRIVE";

/** What the line machine says of one of its executions. */
export interface ExecutionState {
  status: ExecutionStatus;
  /** When it stopped; null while it runs. */
  stoppedAt: Date | null;
}

/** What the reconciler needs of the line machine beyond starting runs. */
export interface LineWorkflowAdmin {
  /** The execution of the line machine by that name; null when there is none. */
  describe(name: string): Promise<ExecutionState | null>;
  /** Starts a run under a given execution name (a restart); a repeat is a no-op. */
  startNamed(run: LineRun, name: string): Promise<void>;
}
