import { clock } from "../adapters/clock.ts";
import { DynamoDbAllocation } from "../adapters/dynamodb/allocation.ts";
import { DynamoDbCatalog } from "../adapters/dynamodb/catalog.ts";
import { DynamoDbCharges } from "../adapters/dynamodb/charges.ts";
import { DynamoDbLineWaits } from "../adapters/dynamodb/line-waits.ts";
import { DynamoDbLiveLines } from "../adapters/dynamodb/live-lines.ts";
import { DynamoDbNotifications } from "../adapters/dynamodb/notifications.ts";
import { DynamoDbOrderSearch } from "../adapters/dynamodb/order-search.ts";
import { DynamoDbOrders } from "../adapters/dynamodb/orders.ts";
import { DynamoDbOutcomes } from "../adapters/dynamodb/outcomes.ts";
import { DynamoDbRateLimiter } from "../adapters/dynamodb/rates.ts";
import { DynamoDbShipments } from "../adapters/dynamodb/shipments.ts";
import { DynamoDbSupply } from "../adapters/dynamodb/supply.ts";
import { Table } from "../adapters/dynamodb/table.ts";
import { linkSigningSecret } from "../adapters/link-secret.ts";
import { cloudWatchMetrics } from "../adapters/metrics.ts";
import { paymentGateway, paymentProviderAvailable } from "../adapters/payments.ts";
import { sesMailer } from "../adapters/ses-mailer.ts";
import { sfnBulkJobs } from "../adapters/sfn-bulk-jobs.ts";
import { sfnLineSignals } from "../adapters/sfn-line-signals.ts";
import { sfnLineWorkflow } from "../adapters/sfn-line-workflow.ts";
import { sfnRunHistory } from "../adapters/sfn-run-history.ts";
import { supplierSecrets } from "../adapters/supplier-secrets.ts";
import { config } from "../config.ts";
import type { AppPorts } from "../ports/app.ts";
import type { LookupDeps } from "./lookup.ts";
import { rateGovernedStarts } from "./rates.ts";

let ports: AppPorts | undefined;

/** Wires every port to its AWS adapter, once per Lambda module (the composition root). */
export function appPorts(): AppPorts {
  if (ports) return ports;
  const table = new Table();
  const waits = new DynamoDbLineWaits(table);
  const notifications = new DynamoDbNotifications(table);
  const now = { now: () => clock().now() };
  const rates = new DynamoDbRateLimiter(config.rates(), table);
  const starts = rateGovernedStarts(sfnLineWorkflow, rates);
  ports = {
    catalog: new DynamoDbCatalog(table),
    orders: new DynamoDbOrders(table),
    allocation: new DynamoDbAllocation(table),
    waits,
    liveLines: new DynamoDbLiveLines(table),
    notifications,
    shipments: new DynamoDbShipments(table),
    charges: new DynamoDbCharges(table),
    supply: new DynamoDbSupply(table),
    outcomes: new DynamoDbOutcomes(table),
    workflow: starts,
    workflowAdmin: starts,
    bulk: sfnBulkJobs,
    rates,
    signals: sfnLineSignals(waits),
    clock: now,
    metrics: cloudWatchMetrics,
    notify: {
      notifications,
      mailer: sesMailer,
      rates,
      clock: now,
      publicBaseUrl: config.publicBaseUrl(),
      linkSecret: linkSigningSecret,
      linkTtlDays: config.linkTtlDays(),
      shop: config.shop(),
    },
    payments: paymentGateway,
    paymentProviderAvailable,
    supplierSecrets,
    settings: {
      paymentWindowHours: config.paymentWindowHours(),
      idempotencyTtlDays: config.idempotencyTtlDays(),
      delays: config.delays(),
      remedies: config.remedies(),
      checkInAfterSilentDays: config.checkInAfterSilentDays(),
      recheckSeconds: config.recheckSeconds(),
      maxExecutionRestarts: config.maxExecutionRestarts(),
      restartGraceMinutes: config.restartGraceMinutes(),
      inlineWorkSeconds: config.inlineWorkSeconds(),
    },
  };
  return ports;
}

/** The operator's look-ups (search, a line's timeline): the app's stores, the search
 * indexes and the line machine's execution histories. */
export function lookupPorts(): LookupDeps {
  const app = appPorts();
  return {
    orders: app.orders,
    notifications: app.notifications,
    search: new DynamoDbOrderSearch(),
    runs: sfnRunHistory,
  };
}
