import * as z from "zod";
import { RATE_NAMES } from "../../shared/ports/rates.ts";
import { advanceLine } from "../../shared/services/advance.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { holdingTurn } from "../../shared/services/rates.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

const input = lineTaskInput.extend({
  /** The execution's state: `notify` is set on a line's first execution only; `step` is
   * the last step's answer, with the turn at a rate it reserved and waited for. */
  execution: z
    .object({
      notify: z.enum(["backordered"]).nullish(),
      step: z
        .object({
          wait: z.string().nullish(),
          turn: z.object({ rate: z.enum(RATE_NAMES), at: z.number() }).nullish(),
        })
        .nullish(),
    })
    .optional(),
});

/** Line workflow: move the line on as far as it can go now; say what it waits for next. */
export const handler = lineTask(input, ({ orderId, lineId, execution }) => {
  const ports = appPorts();
  // Back in the turn it reserved: its first call at that rate uses it.
  const rates = holdingTurn(ports.rates, execution?.step?.turn);
  const deps = { ...ports, rates, notify: { ...ports.notify, rates } };
  // The `backordered` email is made sure of by the execution's first step (or that step
  // run again in its turn at the email rate), not by every step after it.
  const first = !execution?.step || execution.step.wait === "turn";
  return advanceLine(deps, orderId, lineId, { notify: first ? execution?.notify : null });
});
