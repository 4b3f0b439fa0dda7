import { httpHandler } from "../../shared/http/handler.ts";
import { problems } from "../../shared/http/problem.ts";
import { postReceiptBody } from "../../shared/http/schemas.ts";
import { allocateDeps, supplyDeps } from "../../shared/services/deps.ts";
import { receiveStock } from "../../shared/services/receive.ts";

/** `POST /v1/receipts`: stock arrived; waiting lines get it oldest first (cross-dock). */
export const handler = httpHandler("post-receipt", { body: postReceiptBody }, async (req) => {
  const result = await receiveStock({ ...allocateDeps(), ...supplyDeps() }, req.body);
  switch (result.outcome) {
    case "received":
      return { status: 200, body: result.body };
    case "unknown-sku":
      throw problems.unprocessable(
        "unknown-sku",
        "Unknown SKU",
        `No such SKU: ${result.skus.join(", ")}. Nothing was received.`,
        { skus: result.skus },
      );
    case "receipt-id-reused":
      throw problems.unprocessable(
        "receipt-id-reused",
        "Receipt id reused",
        "A receipt with this receiptId but other lines was already recorded.",
      );
  }
});
