import type { DelayConfig } from "../domain/delays.ts";
import type { PaymentProvider } from "../domain/model.ts";
import type { RemedyConfig } from "../domain/remedies.ts";
import type { ShopProfile } from "../emails/shop.ts";
import type { AllocationStore } from "./allocation.ts";
import type { BulkJobs } from "./bulk.ts";
import type { CatalogStore } from "./catalog.ts";
import type { ChargeStore } from "./charges.ts";
import type { Clock } from "./clock.ts";
import type { LineWaitStore } from "./line-waits.ts";
import type { LiveLineStore } from "./live-lines.ts";
import type { Mailer } from "./mailer.ts";
import type { BusinessMetrics } from "./metrics.ts";
import type { NotificationStore } from "./notifications.ts";
import type { OrderStore } from "./orders.ts";
import type { OutcomeStore } from "./outcomes.ts";
import type { PaymentGateway } from "./payment-gateway.ts";
import type { RateLimiter } from "./rates.ts";
import type { ShipmentStore } from "./shipments.ts";
import type { SupplyStore } from "./supply.ts";
import type { LineSignals, LineWorkflow, LineWorkflowAdmin } from "./workflow.ts";

/** What emailing a customer needs. */
export interface NotifyPorts {
  notifications: NotificationStore;
  mailer: Mailer;
  /** Sends are governed by the `emails` rate across every instance. */
  rates: RateLimiter;
  clock: Clock;
  publicBaseUrl: string;
  /** The secret customer links are signed with. */
  linkSecret: () => Promise<string>;
  /** How long the links in an email stay valid. */
  linkTtlDays: number;
  /** The shop the emails speak for. */
  shop: ShopProfile;
}

/**
 * Every port and setting the services use. Each service names the few it needs
 * (`Pick<AppPorts, …>`), so a test gives it just those (test/fakes/).
 */
export interface AppPorts {
  catalog: CatalogStore;
  orders: OrderStore;
  allocation: AllocationStore;
  waits: LineWaitStore;
  liveLines: LiveLineStore;
  notifications: NotificationStore;
  shipments: ShipmentStore;
  charges: ChargeStore;
  supply: SupplyStore;
  /** How lines ended, by day (the promise report). */
  outcomes: OutcomeStore;
  workflow: LineWorkflow;
  workflowAdmin: LineWorkflowAdmin;
  signals: LineSignals;
  /** Bulk work that runs outside the HTTP call. */
  bulk: BulkJobs;
  /** Rates of side effects (payments, emails, wake-ups), shared by every instance. */
  rates: RateLimiter;
  clock: Clock;
  /** Business metrics (lines backordered, filled, declines, delays, promises kept). */
  metrics: BusinessMetrics;
  notify: NotifyPorts;
  payments: (provider: PaymentProvider) => PaymentGateway;
  /** Whether orders may name this payment provider here (its credentials are configured). */
  paymentProviderAvailable: (provider: PaymentProvider) => Promise<boolean>;
  /** The suppliers' webhook secrets by supplier id. */
  supplierSecrets: () => Promise<Record<string, string>>;
  settings: {
    /** Hours a declined line waits for a new payment method before it is cancelled. */
    paymentWindowHours: number;
    idempotencyTtlDays: number;
    delays: DelayConfig;
    /** What the delay tiers give. */
    remedies: RemedyConfig;
    /** Days a waiting line may go without an email before it gets a check-in. */
    checkInAfterSilentDays: number;
    /** Seconds a line parked for a shipment, a group or a callback re-checks itself. */
    recheckSeconds: number;
    /** Restarts of one line's execution before it is left to an operator. */
    maxExecutionRestarts: number;
    /** Minutes a stopped (or never started) execution is left to the event that restarts
     * it before the reconciler's backstop restarts it. */
    restartGraceMinutes: number;
    /** Seconds an HTTP call works on bulk work before it hands the rest to a bulk job. */
    inlineWorkSeconds: number;
  };
}
