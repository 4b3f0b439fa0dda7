/** State names of the line machine (infra/constructs/line-workflow.ts builds it), shared with
 * the reader of its execution history and the tests that walk its paths. */
export const LINE_STATES = {
  advance: "AdvanceLine",
  done: "LineDone",
  park: "ParkLine",
  turn: "WaitForTurn",
  finished: "Finished",
} as const;
