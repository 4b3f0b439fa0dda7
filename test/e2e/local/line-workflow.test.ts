import {
  DescribeExecutionCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { LINE_STATES } from "../../../infra/constructs/line-workflow.ts";
import { lineRunInput } from "../../../shared/adapters/sfn-line-workflow.ts";
import { ownStack } from "../own-stack.ts";
import { eventually } from "../support.ts";
import {
  advanceClock,
  backorderedOrder,
  emailsTo,
  enteredStates,
  localAdapters,
  parkedFor,
  virtualNow,
} from "./support-local.ts";

// This file moves the virtual clock, so it runs on a stack of its own.
await ownStack();
const { stack, store, sfn } = localAdapters();

async function startParkedLine(promisedInDays: number) {
  const fixture = backorderedOrder(await virtualNow(), promisedInDays);
  await store.putOrder(fixture.order, [fixture.line]);
  const started = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: stack.lineStateMachineArn,
      name: fixture.line.lineId,
      input: lineRunInput({ orderId: fixture.order.orderId, lineId: fixture.line.lineId }),
    }),
  );
  const executionArn = started.executionArn as string;
  const token = await eventually(
    async () => {
      if ((await parkedFor(sfn, executionArn)) !== "stock") return undefined;
      return (await store.getWaitToken(fixture.order.orderId, fixture.line.lineId)) ?? undefined;
    },
    { what: "the line to park waiting for stock" },
  );
  return { ...fixture, executionArn, token };
}

describe("the line state machine on the local stack", () => {
  it("parks a backordered line on a task token and, resumed, ships it, charges it and emails the customer", async () => {
    const { order, line, email, executionArn, token } = await startParkedLine(14);
    expect(executionArn).toMatch(new RegExp(`:${line.lineId}$`));
    const running = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(running.status).toBe("RUNNING");

    // What the allocator does when stock arrives: reserve the units, then resume the line.
    const now = await virtualNow();
    expect(
      await store.transitionLine(order.orderId, line.lineId, "backordered", "allocated", now),
    ).toBe(true);
    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: token,
        output: JSON.stringify({ allocated: line.qty }),
      }),
    );

    // Resumed, one step forms its shipment, charges it and asks the warehouse to ship.
    await eventually(async () => (await parkedFor(sfn, executionArn)) === "shipped", {
      what: "the line to wait for its shipment",
    });
    const { advance, done, park } = LINE_STATES;
    expect(await enteredStates(sfn, executionArn)).toEqual([
      advance,
      done,
      park,
      advance,
      done,
      park,
    ]);

    const stored = await store.getLine(order.orderId, line.lineId);
    expect(stored?.status).toBe("shipment_requested");
    expect(stored?.shipmentId).toMatch(/^shp_/);
    expect(stored?.history.map((h) => h.status)).toEqual([
      "backordered",
      "allocated",
      "charged",
      "shipment_requested",
    ]);
    expect(stored?.charge).toMatchObject({ amount: 2 * 1999, currency: "USD", attempt: 1 });
    expect(stored?.charge?.chargeId).toMatch(/^sbx_ch_/);

    const notifications = await store.listNotifications(order.orderId);
    expect(notifications.map((n) => n.kind)).toEqual(["charged"]);
    expect(notifications[0]).toMatchObject({ to: email, lineIds: [line.lineId] });

    const emails = await emailsTo(email);
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toContain(order.orderRef);
    expect(emails[0]?.body.text).toContain(`/v1/customer/orders/${order.orderId}`);
    expect(emails[0]?.body.html).toContain("<a href=");
  });

  it("takes the Catch path when the wait times out on the virtual clock, with no real waiting", async () => {
    const { order, line, email, executionArn, token } = await startParkedLine(0);
    expect(await emailsTo(email)).toHaveLength(0);

    // The promised ship-by day is today: two virtual days later the wait has timed out.
    await advanceClock(2 * 86_400);

    // The timeout advances the line once: it escalates and parks again for stock.
    const { advance, done, park } = LINE_STATES;
    const states = await eventually(
      async () => {
        const entered = await enteredStates(sfn, executionArn);
        return entered.length >= 6 && (await parkedFor(sfn, executionArn)) === "stock"
          ? entered
          : undefined;
      },
      { timeoutMs: 5_000, what: "the escalation and the next wait" },
    );
    expect(states).toEqual([advance, done, park, advance, done, park]);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("RUNNING");

    const stored = await store.getLine(order.orderId, line.lineId);
    expect(stored?.promiseEscalated).toBe(true);
    expect(stored?.status).toBe("backordered");
    const notices = await eventually(async () => {
      const sent = await emailsTo(email);
      return sent.length ? sent : undefined;
    });
    expect(notices.map((e) => e.subject)).toEqual([`Order ${order.orderRef} is delayed`]);
    expect((await store.listNotifications(order.orderId)).map((n) => n.kind)).toEqual([
      "delay_notice",
    ]);

    // The timed-out token is dead; the line waits on a new one.
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    const fresh = await store.getWaitToken(order.orderId, line.lineId);
    expect(fresh).not.toBe(token);
  });
});
