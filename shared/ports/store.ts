import type { LineStatus } from "../domain/line-states.ts";
import type { BackorderPolicy, Line, Order, Sku } from "../domain/model.ts";
import type { Notification } from "../domain/notifications.ts";

export interface SkuPolicyInput {
  sku: string;
  name: string;
  onHand: number;
  backorder: BackorderPolicy;
  substitutes: string[];
}

export type NotificationClaim = "claimed" | "already-sent";

/** Persistence of SKUs, orders, lines and notifications. */
export interface Store {
  getSku(sku: string): Promise<Sku | null>;
  putSkuPolicy(input: SkuPolicyInput, at: Date): Promise<Sku>;

  putOrder(order: Order, lines: Line[]): Promise<void>;
  getOrder(orderId: string): Promise<Order | null>;
  getLine(orderId: string, lineId: string): Promise<Line | null>;
  listLines(orderId: string): Promise<Line[]>;

  /** Records the task token a waiting line is resumed with. */
  setWaitToken(orderId: string, lineId: string, token: string): Promise<void>;
  getWaitToken(orderId: string, lineId: string): Promise<string | null>;
  /** Moves a line from `from` to `to` if it is still in `from`; false if it was not. */
  transitionLine(
    orderId: string,
    lineId: string,
    from: LineStatus,
    to: LineStatus,
    at: Date,
    patch?: Partial<Pick<Line, "charge" | "eta" | "promisedBy">>,
  ): Promise<boolean>;
  markPromiseEscalated(orderId: string, lineId: string, at: Date): Promise<void>;
  touchLastContact(orderId: string, lineIds: string[], at: Date): Promise<void>;

  /** Claims the right to send the email identified by `key` (once per event). */
  claimNotification(
    orderId: string,
    key: string,
    draft: Notification,
    at: Date,
  ): Promise<NotificationClaim>;
  markNotificationSent(orderId: string, key: string, messageId: string, at: Date): Promise<void>;
  listNotifications(orderId: string): Promise<Notification[]>;
}
