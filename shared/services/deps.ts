import { clock } from "../adapters/clock.ts";
import { DynamoDbFulfilment } from "../adapters/dynamodb-fulfilment.ts";
import { DynamoDbStore } from "../adapters/dynamodb-store.ts";
import { DynamoDbSupply } from "../adapters/dynamodb-supply.ts";
import { linkSigningSecret } from "../adapters/link-secret.ts";
import { paymentGateway, paymentProviderAvailable } from "../adapters/payments.ts";
import { sesMailer } from "../adapters/ses-mailer.ts";
import { sfnLineSignals } from "../adapters/sfn-line-signals.ts";
import { sfnLineWorkflow } from "../adapters/sfn-line-workflow.ts";
import { supplierSecrets } from "../adapters/supplier-secrets.ts";
import { config } from "../config.ts";
import type { AllocateDeps } from "./allocate.ts";
import type { FulfilmentDeps } from "./fulfilment.ts";
import type { NotifyDeps } from "./notify.ts";
import type { PlaceOrderDeps } from "./place-order.ts";
import type { SupplyDeps } from "./supply.ts";

/** Wires the ports to their adapters, once per Lambda module. */
let store: DynamoDbStore | undefined;

export function appStore(): DynamoDbStore {
  store ??= new DynamoDbStore();
  return store;
}

export function notifyDeps(): NotifyDeps {
  return {
    store: appStore(),
    mailer: sesMailer,
    clock: clock(),
    publicBaseUrl: config.publicBaseUrl(),
    linkSecret: linkSigningSecret,
    linkTtlDays: config.linkTtlDays(),
  };
}

export function allocateDeps(): AllocateDeps {
  return {
    store: appStore(),
    workflow: sfnLineWorkflow,
    signals: sfnLineSignals(appStore()),
    clock: clock(),
  };
}

let fulfilment: DynamoDbFulfilment | undefined;

export function fulfilmentDeps(): FulfilmentDeps {
  fulfilment ??= new DynamoDbFulfilment();
  return {
    ...allocateDeps(),
    fulfilment,
    notify: notifyDeps(),
    payments: paymentGateway,
    paymentWindowHours: config.paymentWindowHours(),
  };
}

export function placeOrderDeps(): PlaceOrderDeps {
  return {
    store: appStore(),
    workflow: sfnLineWorkflow,
    notify: notifyDeps(),
    clock: clock(),
    idempotencyTtlDays: config.idempotencyTtlDays(),
    paymentProviderAvailable,
    inbound: (sku) => supplyDeps().supply.inbound(sku),
  };
}

let supply: DynamoDbSupply | undefined;

export function supplyDeps(): SupplyDeps {
  supply ??= new DynamoDbSupply();
  return { supply, secrets: supplierSecrets, store: appStore(), notify: notifyDeps() };
}
