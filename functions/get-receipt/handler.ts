import * as z from "zod";
import { httpHandler } from "../../shared/http/handler.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { receiptPageView } from "../../shared/http/views.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { receiptPage } from "../../shared/services/receive.ts";

const query = z.object({
  limit: z.coerce.number().int().positive().max(1000).default(100),
  cursor: z.string().min(1).optional(),
});

/** `GET /v1/receipts/{receiptId}`: a receipt's status and its cross-dock list so far, paged. */
export const handler = httpHandler("get-receipt", {}, async (req) => {
  const { limit, cursor } = parseOr400(query, req.query);
  const receiptId = parseOr400(z.string().min(1).max(200), req.pathParameters.receiptId);
  return {
    status: 200,
    body: receiptPageView(await receiptPage(appPorts(), receiptId, cursor, limit)),
  };
});
