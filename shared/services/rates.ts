import type { RateLimiter, RateName, Turn } from "../ports/rates.ts";
import type { LineWorkflow, LineWorkflowAdmin } from "../ports/workflow.ts";
import { RateLimitedError, TurnLaterError } from "../workflow/errors.ts";

/** How far ahead a workflow step may reserve its turn: a big day's queue at the rates
 * (10,000 charges at Stripe's 25/s take under 7 minutes). Past it the step backs off. */
export const TURN_HORIZON_MS = 15 * 60_000;

/** A turn this close is waited for in the Lambda itself; a later one by the machine (a
 * Wait state costs nothing while it waits, a Lambda does). */
export const TURN_SLEEP_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * For a workflow step: one call at a rate, in its turn. The turn is reserved (turns are
 * handed out in order, across every instance); a turn within TURN_SLEEP_MS is waited for
 * here, a later one fails the step with TurnLater, which the line step returns to the
 * machine to wait for in a Wait state, holding its turn (holdingTurn, below). Nothing was
 * done yet when it throws. With no turn within TURN_HORIZON_MS (or none won in a crowd of
 * callers) it fails with RateLimited (back-off).
 */
export async function takeTurn(rates: RateLimiter, name: RateName): Promise<void> {
  const turn = await rates.reserve(name, 1, TURN_HORIZON_MS);
  if (!turn)
    throw new RateLimitedError(
      `no ${name} turn within the horizon (a queue that long, or too many callers at once)`,
    );
  const wait = turn.at - Date.now();
  if (wait > TURN_SLEEP_MS) throw new TurnLaterError(turn);
  await sleep(wait);
}

/**
 * Takes `n` of a rate in turn, waiting for it until `until` (epoch ms, real time); false
 * when the turn would come later than that (nothing is reserved; the caller leaves the
 * work to a later run). A request passes `Date.now()`: it never waits.
 */
export async function takeWithin(
  rates: RateLimiter,
  name: RateName,
  n: number,
  until: number,
): Promise<boolean> {
  const turn = await rates.reserve(name, n, until - Date.now());
  if (!turn) return false;
  await sleep(turn.at - Date.now());
  return true;
}

/**
 * The rates as a step sees them when the machine brings it back in the turn it reserved
 * earlier: the first reservation of that rate is the held turn (no new one). A late turn
 * is used all the same: it is a turn nobody else was given, and sending it to the back of
 * the queue would waste it and starve the line (a busy day makes every turn a little late).
 * Every other call goes to `rates`.
 */
export function holdingTurn(rates: RateLimiter, held: Turn | null | undefined): RateLimiter {
  if (!held) return rates;
  let used = false;
  return {
    take: (name, n) => rates.take(name, n),
    perSecond: (name) => rates.perSecond(name),
    async reserve(name, n, horizonMs) {
      if (!used && name === held.rate && n === 1) {
        used = true;
        return held;
      }
      return rates.reserve(name, n, horizonMs);
    },
  };
}

/** Error name AWS gives a throttled Step Functions call; callers of `start` handle it. */
const THROTTLED = "ThrottlingException";

/** How long a start waits for its turn at the StartExecution rate before it is refused as
 * Step Functions would refuse it (every caller handles that: a retry or recovery). */
export const START_WAIT_MS = 2_000;

/**
 * Line executions started at the StartExecution rate, whoever starts them: each batch waits
 * up to START_WAIT_MS for its turn, else fails as a throttled StartExecution does.
 */
export function rateGovernedStarts(
  workflow: LineWorkflow & LineWorkflowAdmin,
  rates: RateLimiter,
): LineWorkflow & LineWorkflowAdmin {
  const turnFor = async (n: number) => {
    if (!(await takeWithin(rates, "starts", n, Date.now() + START_WAIT_MS))) {
      const error = new Error(`the StartExecution rate is used up; ${n} not started`);
      error.name = THROTTLED;
      throw error;
    }
  };
  return {
    describe: (name) => workflow.describe(name),
    async start(runs) {
      const chunk = Math.max(1, Math.min(10, Math.floor(rates.perSecond("starts"))));
      for (let i = 0; i < runs.length; i += chunk) {
        const batch = runs.slice(i, i + chunk);
        await turnFor(batch.length);
        await workflow.start(batch);
      }
    },
    async startNamed(run, name) {
      await turnFor(1);
      await workflow.startNamed(run, name);
    },
  };
}
