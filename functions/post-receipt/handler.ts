import { httpHandler } from "../../shared/http/handler.ts";
import { postReceiptBody } from "../../shared/http/schemas.ts";
import { receiptView } from "../../shared/http/views.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { receiveStock } from "../../shared/services/receive.ts";

/** `POST /v1/receipts`: stock arrived; waiting lines get it oldest first (cross-dock). */
export const handler = httpHandler("post-receipt", { body: postReceiptBody }, async (req) => ({
  status: 200,
  body: receiptView(await receiveStock(appPorts(), req.body)),
}));
