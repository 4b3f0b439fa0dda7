import { SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import type { LineWaitStore } from "../ports/line-waits.ts";
import type { LineSignals } from "../ports/workflow.ts";
import { sfn } from "./aws-clients.ts";

/** A token that no longer stands for a waiting task: its line has moved on. */
const STALE = new Set(["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"]);

/** Wakes parked lines through SendTaskSuccess with the token the line recorded. */
export function sfnLineSignals(store: Pick<LineWaitStore, "getWaitToken">): LineSignals {
  const resume = async (token: string, reason: string) => {
    try {
      await sfn().send(
        new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ reason }) }),
      );
      return "woken" as const;
    } catch (error) {
      if (error instanceof Error && STALE.has(error.name)) return "not-parked" as const;
      throw error;
    }
  };
  return {
    async wake(orderId, lineId, reason, known) {
      if (known && (await resume(known, reason)) === "woken") return "woken";
      const token = await store.getWaitToken(orderId, lineId);
      if (!token || token === known) return "not-parked";
      return resume(token, reason);
    },
  };
}
