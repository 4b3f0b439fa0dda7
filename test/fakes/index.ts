import { DEFAULT_DELAYS } from "../../shared/domain/delays.ts";
import { DEFAULT_ESCALATION } from "../../shared/domain/escalation.ts";
import { DEFAULT_REMEDIES } from "../../shared/domain/remedies.ts";
import { EXAMPLE_SHOP } from "../../shared/emails/shop.ts";
import type { AppPorts, NotifyPorts } from "../../shared/ports/app.ts";
import { FakeAllocation } from "./allocation.ts";
import { FakeCatalog } from "./catalog.ts";
import { FakeCharges } from "./charges.ts";
import { FakeClock } from "./clock.ts";
import { FakeDb } from "./db.ts";
import { FakeLineWaits } from "./line-waits.ts";
import { FakeLiveLines } from "./live-lines.ts";
import { FakeMailer } from "./mailer.ts";
import { FakeMetrics } from "./metrics.ts";
import { FakeNotifications } from "./notifications.ts";
import { FakeOrders } from "./orders.ts";
import { FakeOutcomes } from "./outcomes.ts";
import { FakePaymentGateway } from "./payments.ts";
import type { Races } from "./races.ts";
import { Seeder } from "./seed.ts";
import { FakeShipments } from "./shipments.ts";
import { FakeSupply } from "./supply.ts";
import { FakeBulkJobs, FakeRates, FakeSignals, FakeWorkflow } from "./workflow.ts";

export { MailRefused } from "./mailer.ts";

/** Every port in memory, each reachable by its fake's type, with the table they share. */
export interface Fakes extends AppPorts {
  db: FakeDb;
  /** Races to inject into the next store calls (see Races). */
  races: Races;
  catalog: FakeCatalog;
  orders: FakeOrders;
  allocation: FakeAllocation;
  waits: FakeLineWaits;
  liveLines: FakeLiveLines;
  notifications: FakeNotifications;
  shipments: FakeShipments;
  charges: FakeCharges;
  supply: FakeSupply;
  outcomes: FakeOutcomes;
  workflow: FakeWorkflow;
  workflowAdmin: FakeWorkflow;
  signals: FakeSignals;
  bulk: FakeBulkJobs;
  rates: FakeRates;
  clock: FakeClock;
  metrics: FakeMetrics;
  notify: NotifyPorts & { mailer: FakeMailer; notifications: FakeNotifications };
  /** The one payment provider, whichever an order names. */
  gateway: FakePaymentGateway;
  mailer: FakeMailer;
  /** Puts SKUs, orders and parked lines in place through the fakes. */
  given: Seeder;
}

export const PUBLIC_BASE_URL = "https://shop.example";

/** A full AppPorts in memory, with the settings' defaults of shared/config.ts. */
export function fakePorts({ now = "2026-11-24T10:00:00Z" }: { now?: string } = {}): Fakes {
  const db = new FakeDb();
  const clock = new FakeClock(now);
  const waits = new FakeLineWaits(db);
  const notifications = new FakeNotifications(db);
  const workflow = new FakeWorkflow();
  const gateway = new FakePaymentGateway();
  const mailer = new FakeMailer();
  const rates = new FakeRates();
  const fakes: Omit<Fakes, "given"> = {
    db,
    races: db.races,
    catalog: new FakeCatalog(db),
    orders: new FakeOrders(db),
    allocation: new FakeAllocation(db),
    waits,
    liveLines: new FakeLiveLines(db),
    notifications,
    shipments: new FakeShipments(db),
    charges: new FakeCharges(db),
    supply: new FakeSupply(db),
    outcomes: new FakeOutcomes(),
    workflow,
    workflowAdmin: workflow,
    bulk: new FakeBulkJobs(),
    rates,
    signals: new FakeSignals(waits),
    clock,
    metrics: new FakeMetrics(),
    notify: {
      notifications,
      rates,
      mailer,
      clock,
      publicBaseUrl: PUBLIC_BASE_URL,
      linkSecret: async () => "a-link-secret-for-unit-tests",
      linkTtlDays: 90,
      shop: EXAMPLE_SHOP,
    },
    gateway,
    mailer,
    payments: () => gateway,
    paymentProviderAvailable: async () => true,
    supplierSecrets: async () => ({ acme: "whsec_dGVzdC1zZWNyZXQ=" }),
    // The defaults of shared/config.ts (what deps.ts reads with no environment set).
    settings: {
      paymentWindowHours: 72,
      idempotencyTtlDays: 7,
      delays: { ...DEFAULT_DELAYS },
      remedies: { ...DEFAULT_REMEDIES },
      checkInAfterSilentDays: DEFAULT_ESCALATION.checkInAfterSilentDays,
      recheckSeconds: 7 * 86_400,
      maxExecutionRestarts: 5,
      restartGraceMinutes: 5,
      inlineWorkSeconds: 5,
    },
  };
  return Object.assign(fakes, { given: new Seeder(fakes) });
}
