import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { config } from "../config.ts";
import type { LineStatus } from "../domain/line-states.ts";
import type { Line, Order, Sku } from "../domain/model.ts";
import type { Notification } from "../domain/notifications.ts";
import type { NotificationClaim, SkuPolicyInput, Store } from "../ports/store.ts";
import { dynamo } from "./aws-clients.ts";

/**
 * Single-table layout (see docs/data-model.md):
 *   SKU           pk SKU#<sku>       sk SKU
 *   order         pk ORDER#<orderId> sk ORDER
 *   line          pk ORDER#<orderId> sk LINE#<lineId>
 *                 gsi1pk WAITING#<sku> gsi1sk <createdAt>#<lineId>  (only while backordered)
 *   notification  pk ORDER#<orderId> sk NOTIF#<event key>
 */
export const keys = {
  sku: (sku: string) => ({ pk: `SKU#${sku}`, sk: "SKU" }),
  order: (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: "ORDER" }),
  line: (orderId: string, lineId: string) => ({ pk: `ORDER#${orderId}`, sk: `LINE#${lineId}` }),
  waiting: (line: Pick<Line, "sku" | "createdAt" | "lineId">) => ({
    gsi1pk: `WAITING#${line.sku}`,
    gsi1sk: `${line.createdAt}#${line.lineId}`,
  }),
  notification: (orderId: string, key: string) => ({ pk: `ORDER#${orderId}`, sk: `NOTIF#${key}` }),
};

/** How long a claimed-but-unsent email blocks another attempt. */
const CLAIM_LEASE_MS = 2 * 60_000;

const STORAGE_FIELDS = ["pk", "sk", "gsi1pk", "gsi1sk", "type", "waitToken"] as const;

function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...item };
  for (const f of STORAGE_FIELDS) delete out[f];
  return out as T;
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === "ConditionalCheckFailedException")
  );
}

export function lineItem(line: Line): Record<string, unknown> {
  return {
    ...keys.line(line.orderId, line.lineId),
    ...(line.status === "backordered" ? keys.waiting(line) : {}),
    type: "line",
    ...line,
  };
}

export class DynamoDbStore implements Store {
  constructor(private readonly tableName: string = config.tableName()) {}

  async getSku(sku: string): Promise<Sku | null> {
    const out = await dynamo().send(
      new GetCommand({ TableName: this.tableName, Key: keys.sku(sku) }),
    );
    return out.Item ? strip<Sku>(out.Item) : null;
  }

  async putSkuPolicy(input: SkuPolicyInput, at: Date): Promise<Sku> {
    const out = await dynamo().send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.sku(input.sku),
        UpdateExpression:
          "SET #type = :type, sku = :sku, #name = :name, onHand = :onHand, backorder = :backorder, " +
          "substitutes = :substitutes, updatedAt = :at, " +
          "allocated = if_not_exists(allocated, :zero), backorderedQty = if_not_exists(backorderedQty, :zero)",
        ExpressionAttributeNames: { "#type": "type", "#name": "name" },
        ExpressionAttributeValues: {
          ":type": "sku",
          ":sku": input.sku,
          ":name": input.name,
          ":onHand": input.onHand,
          ":backorder": input.backorder,
          ":substitutes": input.substitutes,
          ":at": at.toISOString(),
          ":zero": 0,
        },
        ReturnValues: "ALL_NEW",
      }),
    );
    return strip<Sku>(out.Attributes ?? {});
  }

  async putOrder(order: Order, lines: Line[]): Promise<void> {
    await dynamo().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { ...keys.order(order.orderId), type: "order", ...order },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          ...lines.map((line) => ({
            Put: {
              TableName: this.tableName,
              Item: lineItem(line),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          })),
        ],
      }),
    );
  }

  async getOrder(orderId: string): Promise<Order | null> {
    const out = await dynamo().send(
      new GetCommand({ TableName: this.tableName, Key: keys.order(orderId) }),
    );
    return out.Item ? strip<Order>(out.Item) : null;
  }

  async getLine(orderId: string, lineId: string): Promise<Line | null> {
    const out = await dynamo().send(
      new GetCommand({ TableName: this.tableName, Key: keys.line(orderId, lineId) }),
    );
    return out.Item ? strip<Line>(out.Item) : null;
  }

  async listLines(orderId: string): Promise<Line[]> {
    const items = await this.queryPrefix(`ORDER#${orderId}`, "LINE#");
    return items.map((i) => strip<Line>(i)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async setWaitToken(orderId: string, lineId: string, token: string): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.line(orderId, lineId),
        UpdateExpression: "SET waitToken = :token",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":token": token },
      }),
    );
  }

  async getWaitToken(orderId: string, lineId: string): Promise<string | null> {
    const out = await dynamo().send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.line(orderId, lineId),
        ProjectionExpression: "waitToken",
        ConsistentRead: true,
      }),
    );
    return (out.Item?.waitToken as string | undefined) ?? null;
  }

  async transitionLine(
    orderId: string,
    lineId: string,
    from: LineStatus,
    to: LineStatus,
    at: Date,
    patch: Partial<Pick<Line, "charge" | "eta" | "promisedBy">> = {},
  ): Promise<boolean> {
    const names: Record<string, string> = { "#status": "status" };
    const values: Record<string, unknown> = {
      ":from": from,
      ":to": to,
      ":entry": [{ status: to, at: at.toISOString() }],
    };
    const sets = ["#status = :to", "history = list_append(history, :entry)"];
    for (const [field, value] of Object.entries(patch)) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    const removes = to === "backordered" ? [] : ["gsi1pk", "gsi1sk"];
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.line(orderId, lineId),
          UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
          ConditionExpression: "#status = :from",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markPromiseEscalated(orderId: string, lineId: string, at: Date): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.line(orderId, lineId),
        UpdateExpression: "SET promiseEscalated = :true, promiseEscalatedAt = :at",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":true": true, ":at": at.toISOString() },
      }),
    );
  }

  async touchLastContact(orderId: string, lineIds: string[], at: Date): Promise<void> {
    for (const lineId of lineIds) {
      await dynamo()
        .send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.line(orderId, lineId),
            UpdateExpression: "SET lastContactAt = :at",
            ConditionExpression: "attribute_exists(pk) AND lastContactAt < :at",
            ExpressionAttributeValues: { ":at": at.toISOString() },
          }),
        )
        .catch((error: unknown) => {
          if (!isConditionFailure(error)) throw error;
        });
    }
  }

  async claimNotification(
    orderId: string,
    key: string,
    draft: Notification,
    at: Date,
  ): Promise<NotificationClaim> {
    try {
      await dynamo().send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.notification(orderId, key),
            type: "notification",
            state: "sending",
            claimedAt: at.toISOString(),
            ...draft,
          },
          // A claim left in "sending" by a crashed attempt may be taken again once stale.
          ConditionExpression:
            "attribute_not_exists(pk) OR (#state = :sending AND claimedAt < :staleBefore)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":sending": "sending",
            ":staleBefore": new Date(at.getTime() - CLAIM_LEASE_MS).toISOString(),
          },
        }),
      );
      return "claimed";
    } catch (error) {
      if (isConditionFailure(error)) return "already-sent";
      throw error;
    }
  }

  async markNotificationSent(
    orderId: string,
    key: string,
    messageId: string,
    at: Date,
  ): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.notification(orderId, key),
        UpdateExpression: "SET #state = :sent, messageId = :messageId, sentAt = :at",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: {
          ":sent": "sent",
          ":messageId": messageId,
          ":at": at.toISOString(),
        },
      }),
    );
  }

  async listNotifications(orderId: string): Promise<Notification[]> {
    const items = await this.queryPrefix(`ORDER#${orderId}`, "NOTIF#");
    return items
      .filter((i) => i.state === "sent")
      .map((i) => ({
        kind: i.kind,
        to: i.to,
        subject: i.subject,
        sentAt: i.sentAt,
        lineIds: i.lineIds,
      }))
      .sort((a, b) => String(a.sentAt).localeCompare(String(b.sentAt))) as Notification[];
  }

  private async queryPrefix(pk: string, skPrefix: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await dynamo().send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": pk, ":prefix": skPrefix },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
