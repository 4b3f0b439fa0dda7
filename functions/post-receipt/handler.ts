import { httpHandler } from "../../shared/http/handler.ts";
import { postReceiptBody } from "../../shared/http/schemas.ts";
import { receiptView } from "../../shared/http/views.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { takeReceipt } from "../../shared/services/receive.ts";

/**
 * `POST /v1/receipts`: stock arrived; waiting lines get it oldest first (cross-dock). A
 * receipt done within a few seconds answers 200 with its whole cross-dock list; a larger
 * one answers 202 and goes on in a bulk job (`GET /v1/receipts/{receiptId}`).
 */
export const handler = httpHandler("post-receipt", { body: postReceiptBody }, async (req) => {
  const { receipt, done } = await takeReceipt(appPorts(), req.body);
  if (done) return { status: 200, body: receiptView(receipt) };
  return {
    status: 202,
    headers: { location: `/v1/receipts/${encodeURIComponent(receipt.receiptId)}` },
    body: { receiptId: receipt.receiptId, status: "processing" },
  };
});
