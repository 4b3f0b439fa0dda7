import type { AppPorts } from "../ports/app.ts";
import type { BulkJob } from "../ports/bulk.ts";
import { type AllocateDeps, allocateWaitingUntil } from "./allocate.ts";
import { continueReceipt } from "./receive.ts";
import { type EtaDeps, redate } from "./supply.ts";

export type BulkDeps = AllocateDeps & EtaDeps & Pick<AppPorts, "catalog" | "bulk" | "settings">;

/**
 * Works on a bulk job until `deadline` (epoch ms, real time: a Lambda's time budget); true
 * when it is done. Every kind goes on from what the table says is left, so running a job
 * twice, or two runs at once, does the work once.
 */
export async function workOnJob(deps: BulkDeps, job: BulkJob, deadline: number): Promise<boolean> {
  switch (job.kind) {
    case "receipt":
      return continueReceipt(deps, job.receiptId, deadline);
    case "allocate":
      return (await allocateWaitingUntil(deps, job.sku, { deadline })).finished;
    case "etas":
      return (await redate(deps, job.sku, deadline)).finished;
  }
}

/**
 * An HTTP call's share of bulk work: it works on the jobs itself for a few seconds
 * (settings.inlineWorkSeconds, well inside the HTTP API's 30 s), then hands what is left to
 * bulk jobs, which go on outside the call. True when all was done in the call.
 */
export async function workInlineThenHandOver(
  deps: BulkDeps,
  jobs: readonly BulkJob[],
): Promise<boolean> {
  const deadline = Date.now() + deps.settings.inlineWorkSeconds * 1000;
  let all = true;
  for (const job of jobs) {
    // No time for it (or none given: 0 hands everything over).
    const done = Date.now() < deadline && (await workOnJob(deps, job, deadline));
    if (!done) {
      await deps.bulk.start(job);
      all = false;
    }
  }
  return all;
}
