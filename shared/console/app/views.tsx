import { Fragment } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { AGING_BUCKETS } from "../../domain/reports.ts";
import { formatDay, formatMoney } from "../../emails/format.ts";
import { PAYMENT_RATE_LIMITED } from "../../ports/payment-gateway.ts";
import { NOTIFICATION_IN_FLIGHT, RATE_LIMITED } from "../../workflow/errors.ts";
import {
  apiGet,
  type BackorderPage,
  type BackorderRow,
  type OrderDetail,
  type OrderSummary,
  type PromiseReport,
  q,
  type SkuDetail,
  type Timeline,
  type TimelineEvent,
} from "./api.ts";
import { type Series, StackedBars } from "./chart.tsx";

/** What every view is given: the key to call the API with, and where to report a failure. */
export interface ViewProps {
  apiKey: string;
  onError: (error: unknown) => void;
}

/** Loads `path` whenever it changes; null while loading. */
function useApi<T>(path: string | null, { apiKey, onError }: ViewProps): T | null {
  const [data, setData] = useState<T | null>(null);
  useEffect(() => {
    if (!path) return;
    let live = true;
    setData(null);
    apiGet<T>(path, apiKey).then(
      (value) => live && setData(value),
      (error) => live && onError(error),
    );
    return () => {
      live = false;
    };
  }, [path, apiKey, onError]);
  return data;
}

const Loading = () => <p class="muted">Loading…</p>;

const AGING_COLORS = ["#4c9a6a", "#d9b44a", "#e0803a", "#c8423b"];

/** The backorder book: aging bars per SKU, the table, and a SKU's inbound notices. */
export function BookView(props: ViewProps) {
  const [rows, setRows] = useState<BackorderRow[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [open, setOpen] = useState<string | null>(null);
  const { apiKey, onError } = props;

  const load = (from: string | null) => {
    setLoading(true);
    const path = `/v1/reports/backorders?limit=50${from ? `&cursor=${q(from)}` : ""}`;
    apiGet<BackorderPage>(path, apiKey).then(
      (page) => {
        setRows((before) => (from ? [...before, ...page.skus] : page.skus));
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (error) => {
        setLoading(false);
        onError(error);
      },
    );
  };
  useEffect(() => load(null), [apiKey]);

  const labels = useMemo(() => rows.map((r) => r.sku), [rows]);
  const series = useMemo<Series[]>(
    () =>
      AGING_BUCKETS.map((bucket, i) => ({
        label: `${bucket} days`,
        data: rows.map((r) => r.aging[bucket]),
        color: AGING_COLORS[i] ?? "#888",
      })),
    [rows],
  );
  const totals = rows.reduce(
    (t, r) => ({
      lines: t.lines + r.waitingLines,
      qty: t.qty + r.waitingQty,
      shortfall: t.shortfall + r.shortfall,
    }),
    { lines: 0, qty: 0, shortfall: 0 },
  );

  return (
    <section>
      <h2>Backorder book</h2>
      <div class="cards">
        <Card label="SKUs waiting" value={rows.length} />
        <Card label="Lines waiting" value={totals.lines} />
        <Card label="Units waiting" value={totals.qty} />
        <Card label="Units no notice covers" value={totals.shortfall} warn={totals.shortfall > 0} />
      </div>
      {cursor && <p class="muted">Totals of the SKUs loaded so far: more SKUs follow below.</p>}
      {rows.length > 0 && (
        <>
          <h3>Waiting lines by days waited</h3>
          <StackedBars
            title="Waiting lines by days waited"
            labels={labels}
            series={series}
            horizontal
          />
        </>
      )}
      {!loading && rows.length === 0 && <p class="muted">Nothing is waiting for stock.</p>}
      {rows.length > 0 && (
        <table class="book">
          <thead>
            <tr>
              <th>SKU</th>
              <th>Name</th>
              <th class="num">Lines</th>
              <th class="num">Units</th>
              <th class="num">Oldest (days)</th>
              <th class="num">Inbound</th>
              <th>Next ETA</th>
              <th class="num">Shortfall</th>
              <th>Backorder limit</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <Fragment key={r.sku}>
                <tr
                  class={open === r.sku ? "open row" : "row"}
                  onClick={() => setOpen(open === r.sku ? null : r.sku)}
                >
                  <td>
                    <button type="button" class="link" aria-expanded={open === r.sku}>
                      {r.sku}
                    </button>
                  </td>
                  <td>{r.name}</td>
                  <td class="num">{r.waitingLines}</td>
                  <td class="num">{r.waitingQty}</td>
                  <td class={r.oldestWaitingDays > 30 ? "num late" : "num"}>
                    {r.oldestWaitingDays}
                  </td>
                  <td class="num">{r.inboundQty}</td>
                  <td>{r.nextEta ? formatDay(r.nextEta) : "none"}</td>
                  <td class={r.shortfall > 0 ? "num late" : "num"}>{r.shortfall}</td>
                  <td>
                    {r.backorderLimit === null
                      ? `${r.limitUsed} (no limit)`
                      : `${r.limitUsed} of ${r.backorderLimit}`}
                  </td>
                </tr>
                {open === r.sku && (
                  <tr class="detail">
                    <td colSpan={9}>
                      <Inbound sku={r.sku} {...props} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      {loading && <Loading />}
      {cursor && !loading && (
        <button type="button" onClick={() => load(cursor)}>
          More SKUs
        </button>
      )}
    </section>
  );
}

/** A SKU's inbound notices and the ETA a unit ordered now would get. */
function Inbound(props: ViewProps & { sku: string }) {
  const sku = useApi<SkuDetail>(`/v1/skus/${q(props.sku)}`, props);
  if (!sku) return <Loading />;
  return (
    <div class="inbound">
      <p>
        {sku.onHand} on hand, {sku.available} free, {sku.backorderedQty} on backorder. A unit
        ordered now: {sku.nextEta ? formatDay(sku.nextEta) : "no date known"}.
      </p>
      {sku.inbound.length === 0 ? (
        <p class="muted">No supplier notice is on its way.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Notice</th>
              <th class="num">Units</th>
              <th>Expected</th>
            </tr>
          </thead>
          <tbody>
            {sku.inbound.map((i) => (
              <tr key={i.asnId}>
                <td>{i.asnId}</td>
                <td class="num">{i.qty}</td>
                <td>{formatDay(i.estimatedDeliveryAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Card(props: { label: string; value: string | number; warn?: boolean }) {
  return (
    <div class={props.warn ? "card warn" : "card"}>
      <div class="value">{props.value}</div>
      <div class="label">{props.label}</div>
    </div>
  );
}

const LATE_WORDS: Record<string, string> = {
  silent: "late 1–3 days",
  apology: "late, apologised",
  substitutes_shipping_discount: "late, shipping discount",
  substitutes_future_discount: "late, future discount",
};
const LATE_COLORS = ["#e9c46a", "#f4a261", "#e76f51", "#b5332e"];

/** How often promises were kept, per SKU and in total, over a span of days. */
export function PromisesView(props: ViewProps) {
  // Until a span is chosen the API's default is shown: the 30 days to the server's today.
  const [span, setSpan] = useState<{ from: string; to: string } | null>(null);
  const report = useApi<PromiseReport>(
    `/v1/reports/promises${span ? `?from=${q(span.from)}&to=${q(span.to)}` : ""}`,
    props,
  );
  const shown = span ?? (report ? { from: report.from, to: report.to } : null);

  const chart = useMemo(() => {
    if (!report) return null;
    const skus = report.skus;
    const tiers = Object.keys(report.total.shippedLate);
    const cancelled = (f: PromiseReport["total"]) =>
      Object.values(f.cancelled).reduce((n, c) => n + c, 0);
    const series: Series[] = [
      { label: "shipped on time", data: skus.map((s) => s.shippedOnTime), color: "#4c9a6a" },
      ...tiers.map((tier, i) => ({
        label: LATE_WORDS[tier] ?? tier,
        data: skus.map((s) => s.shippedLate[tier as keyof typeof s.shippedLate] ?? 0),
        color: LATE_COLORS[i] ?? "#888",
      })),
      { label: "cancelled", data: skus.map(cancelled), color: "#9aa0a6" },
    ];
    return { labels: skus.map((s) => s.sku), series };
  }, [report]);

  const total = report?.total;
  const late = total ? Object.values(total.shippedLate).reduce((n, c) => n + c, 0) : 0;
  const cancelled = total ? Object.values(total.cancelled).reduce((n, c) => n + c, 0) : 0;
  return (
    <section>
      <h2>Promises kept</h2>
      {shown && (
        <form class="span" onSubmit={(e) => e.preventDefault()}>
          <label>
            From{" "}
            <input
              type="date"
              name="from"
              value={shown.from}
              max={shown.to}
              onChange={(e) => setSpan({ ...shown, from: e.currentTarget.value })}
            />
          </label>
          <label>
            To{" "}
            <input
              type="date"
              name="to"
              value={shown.to}
              min={shown.from}
              onChange={(e) => setSpan({ ...shown, to: e.currentTarget.value })}
            />
          </label>
        </form>
      )}
      {!report || !total ? (
        <Loading />
      ) : (
        <>
          <div class="cards">
            <Card
              label="On time"
              value={total.onTimeRate === null ? "–" : `${Math.round(total.onTimeRate * 100)} %`}
              warn={total.onTimeRate !== null && total.onTimeRate < 0.9}
            />
            <Card label="Shipped on time" value={total.shippedOnTime} />
            <Card label="Shipped late" value={late} warn={late > 0} />
            <Card label="Cancelled" value={cancelled} />
            <Card label="Days to ship (avg)" value={total.averageDaysToShip ?? "–"} />
            <Card label="Days to ship (p90)" value={total.p90DaysToShip ?? "–"} />
          </div>
          {chart && chart.labels.length > 0 ? (
            <StackedBars title="Lines by outcome, per SKU" {...chart} />
          ) : (
            <p class="muted">No line shipped or was cancelled in these days.</p>
          )}
          {cancelled > 0 && (
            <p>
              Cancelled:{" "}
              {Object.entries(total.cancelled)
                .filter(([, n]) => n > 0)
                .map(([reason, n]) => `${n} ${reason.replace(/_/g, " ")}`)
                .join(", ")}
              .
            </p>
          )}
        </>
      )}
    </section>
  );
}

/** Orders by ref, or by the customer's email (anything with an @), a page at a time. */
export function SearchView(props: ViewProps & { query: string }) {
  const term = props.query.trim();
  const [found, setFound] = useState<OrderSummary[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const { apiKey, onError } = props;
  const load = (after: string | null) => {
    const path = `/v1/orders?${term.includes("@") ? "email" : "orderRef"}=${q(term)}&limit=50${
      after ? `&cursor=${q(after)}` : ""
    }`;
    apiGet<{ orders: OrderSummary[]; nextCursor: string | null }>(path, apiKey).then((page) => {
      setFound((before) => (after ? [...(before ?? []), ...page.orders] : page.orders));
      setCursor(page.nextCursor);
    }, onError);
  };
  useEffect(() => {
    setFound(null);
    setCursor(null);
    if (term) load(null);
  }, [term, apiKey]);
  return (
    <section>
      <h2>Orders for “{term}”</h2>
      {!term && <p class="muted">Search by order ref or email above.</p>}
      {term && !found && <Loading />}
      {found && found.length === 0 && <p class="muted">No order found.</p>}
      {found && found.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Order</th>
              <th>Customer</th>
              <th>Placed</th>
            </tr>
          </thead>
          <tbody>
            {found.map((o) => (
              <tr key={o.orderId}>
                <td>
                  <a href={`#/orders/${q(o.orderId)}`}>{o.orderRef}</a>
                </td>
                <td>
                  {o.customer.name} &lt;{o.customer.email}&gt;
                </td>
                <td>{formatDay(o.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <button type="button" onClick={() => load(cursor)}>
          More orders
        </button>
      )}
    </section>
  );
}

/** An order and its lines, each opening its timeline. */
export function OrderView(props: ViewProps & { orderId: string }) {
  const order = useApi<OrderDetail>(`/v1/orders/${q(props.orderId)}`, props);
  if (!order) return <Loading />;
  return (
    <section>
      <h2>
        Order {order.orderRef} <span class={`status ${order.status}`}>{order.status}</span>
      </h2>
      <p>
        {order.customer.name} &lt;{order.customer.email}&gt;, placed {formatDay(order.createdAt)}
      </p>
      <table>
        <thead>
          <tr>
            <th>Line</th>
            <th>SKU</th>
            <th class="num">Qty</th>
            <th>Status</th>
            <th>Promised by</th>
            <th>ETA</th>
            <th class="num">Amount</th>
          </tr>
        </thead>
        <tbody>
          {order.lines.map((l) => (
            <tr key={l.lineId}>
              <td>
                <a href={`#/orders/${q(order.orderId)}/lines/${q(l.lineId)}`}>
                  {l.lineRef} · {l.lineId}
                </a>
              </td>
              <td>{l.sku}</td>
              <td class="num">{l.qty}</td>
              <td>
                <span class={`status ${l.status}`}>{l.status.replace(/_/g, " ")}</span>
              </td>
              <td>{formatDay(l.promisedBy)}</td>
              <td>{l.eta ? formatDay(l.eta) : "–"}</td>
              <td class="num">{formatMoney(l.unitPrice * l.qty, order.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const WAIT_WORDS: Record<string, string> = {
  stock: "stock",
  group: "the rest of its shipment",
  payment: "a new payment method",
  shipped: "the warehouse to ship",
  delivered: "delivery",
};

const WAITS_ITS_TURN = new Set([RATE_LIMITED, PAYMENT_RATE_LIMITED, NOTIFICATION_IN_FLIGHT]);

/** One event of a timeline in words: what, and a detail. */
export function describe(event: TimelineEvent): { what: string; detail?: string; bad?: boolean } {
  switch (event.kind) {
    case "status":
      return { what: `Status: ${event.status.replace(/_/g, " ")}` };
    case "email":
      return event.state === "failed"
        ? {
            what: `Email ${event.email.replace(/_/g, " ")} failed`,
            detail: `to ${event.to} after ${event.attempts ?? "?"} tries${event.failure ? `: ${event.failure}` : ""}`,
            bad: true,
          }
        : event.delivery
          ? {
              what: `Email ${event.email.replace(/_/g, " ")} ${event.delivery.status}`,
              detail: `to ${event.to}${event.delivery.detail ? `: ${event.delivery.detail}` : ""}${event.delivery.status === "rejected" ? "" : " (SES sends it nothing more)"}`,
              bad: true,
            }
          : {
              what: `Email sent: ${event.email.replace(/_/g, " ")}`,
              detail: `“${event.subject}” to ${event.to}`,
            };
    case "charge":
      return {
        what: `Charged ${formatMoney(event.amount, event.currency)}`,
        detail: `${event.chargeId}, attempt ${event.attempt}`,
      };
    case "charge_declined":
      return { what: "Charge declined", detail: `decline ${event.decline}`, bad: true };
    case "refund":
      return {
        what: `Refunded ${formatMoney(event.amount, event.currency)}`,
        detail: event.refundId,
      };
    case "run_started":
      return { what: "Workflow run started", detail: event.execution };
    case "parked":
      return {
        what: `Waiting for ${WAIT_WORDS[event.wait] ?? event.wait}`,
        ...(event.seconds === null
          ? {}
          : { detail: `looks again within ${duration(event.seconds)}` }),
      };
    case "woken":
      return {
        what: "Woken",
        detail:
          event.reason === "timer"
            ? "its time was up"
            : event.reason === "line-changed"
              ? "the line changed"
              : event.reason,
      };
    case "rate_wait":
      return { what: "Waiting for its turn at a rate", detail: `${event.seconds} s` };
    case "step_failed": {
      const times = event.times > 1 ? ` (${event.times} times)` : "";
      // Not failures: the step waits its turn at a shared rate, or for another's email.
      return WAITS_ITS_TURN.has(event.error)
        ? { what: `Waited its turn, tried again${times}`, detail: event.error }
        : { what: `A step failed and was retried${times}`, detail: event.error, bad: true };
    }
    case "run_ended":
      return {
        what: `Workflow run ${event.status.toLowerCase().replace(/_/g, " ")}`,
        detail: event.execution,
        bad: event.status !== "SUCCEEDED",
      };
  }
}

const duration = (seconds: number) =>
  seconds >= 7200
    ? `${Math.round(seconds / 3600)} h`
    : seconds >= 120
      ? `${Math.round(seconds / 60)} min`
      : `${seconds} s`;

const TIME = new Intl.DateTimeFormat("en-US", {
  dateStyle: "medium",
  timeStyle: "long",
  timeZone: "UTC",
});

/** One line's timeline: its states, emails (sent and failed), charges, waits and wakes. */
export function TimelineView(props: ViewProps & { orderId: string; lineId: string }) {
  const timeline = useApi<Timeline>(
    `/v1/orders/${q(props.orderId)}/lines/${q(props.lineId)}/timeline`,
    props,
  );
  if (!timeline) return <Loading />;
  const { line } = timeline;
  return (
    <section>
      <p>
        <a href={`#/orders/${q(timeline.orderId)}`}>← Order {timeline.orderRef}</a>
      </p>
      <h2>
        {line.name ?? line.sku} × {line.qty}{" "}
        <span class={`status ${line.status}`}>{line.status.replace(/_/g, " ")}</span>
      </h2>
      <dl class="facts">
        <dt>Line</dt>
        <dd>
          {line.lineRef} · {line.lineId}
        </dd>
        <dt>Customer</dt>
        <dd>
          {timeline.customer.name} &lt;{timeline.customer.email}&gt;
        </dd>
        <dt>First promise</dt>
        <dd>{formatDay(line.firstPromisedBy)}</dd>
        <dt>Promised by</dt>
        <dd>
          {formatDay(line.promisedBy)}
          {line.delays > 0 ? ` (${line.delays} delay notice${line.delays === 1 ? "" : "s"})` : ""}
        </dd>
        <dt>ETA</dt>
        <dd>{line.eta ? formatDay(line.eta) : "–"}</dd>
        {line.trackingNumber && (
          <>
            <dt>Tracking</dt>
            <dd>
              {line.carrier} {line.trackingNumber}
            </dd>
          </>
        )}
        {line.cancelReason && (
          <>
            <dt>Cancelled</dt>
            <dd>{line.cancelReason.replace(/_/g, " ")}</dd>
          </>
        )}
      </dl>
      <h3>Timeline</h3>
      <ol class="timeline">
        {timeline.events.map((event, i) => {
          const { what, detail, bad } = describe(event);
          return (
            <li key={`${event.at}-${i}`} class={`event ev-${event.kind}${bad ? " bad" : ""}`}>
              <time dateTime={event.at}>{TIME.format(new Date(event.at))}</time>
              <span class="what">{what}</span>
              {detail && <span class="detail">{detail}</span>}
            </li>
          );
        })}
      </ol>
      {(timeline.truncated || timeline.runsOmitted > 0) && (
        <p class="muted">
          Older workflow events are left out here; Step Functions keeps the whole history.
        </p>
      )}
    </section>
  );
}
