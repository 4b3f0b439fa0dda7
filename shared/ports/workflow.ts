/** One line's run through the line state machine. */
export interface LineRun {
  orderId: string;
  lineId: string;
  /** An email the run makes sure of before anything else (a backstop to the API's send). */
  notify?: "backordered";
}

/** The line state machine, as the API starts it. */
export interface LineWorkflow {
  /** Starts one execution per line, named after the line id; starting one twice is a no-op. */
  start(runs: readonly LineRun[]): Promise<void>;
}
