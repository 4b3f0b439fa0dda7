/**
 * The HTTP side of the local Step Functions endpoint, AWS JSON 1.0 as the AWS SDK speaks it:
 * a POST whose X-Amz-Target is `AWSStepFunctions.<Operation>` and whose body is a JSON
 * object; the answer is JSON, an error `{__type, message}` with the type in X-Amzn-ErrorType.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { SfnApiError } from "./errors.ts";

export type Params = Record<string, unknown>;

/** Runs one operation; throws SfnApiError for an error the caller should see. */
export type Call = (operation: string, params: Params) => unknown;

const TARGET_PREFIX = "AWSStepFunctions.";
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** An HTTP server answering each request with `call`; other errors are 500 InternalFailure. */
export function createApiServer(call: Call, log: (entry: Record<string, unknown>) => void): Server {
  return createServer((req, res) => {
    void answer(req, res, call, log);
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SfnApiError("ValidationException", "Request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  call: Call,
  log: (entry: Record<string, unknown>) => void,
): Promise<void> {
  let status = 200;
  let body: unknown;
  let errorType: string | undefined;
  try {
    const raw = await readBody(req);
    if (req.method !== "POST") throw new SfnApiError("UnknownOperationException", "POST only");
    const target = String(req.headers["x-amz-target"] ?? "");
    if (!target.startsWith(TARGET_PREFIX)) {
      throw new SfnApiError("UnknownOperationException", `Unknown target "${target}"`);
    }
    let params: unknown = {};
    if (raw.trim() !== "") {
      try {
        params = JSON.parse(raw);
      } catch {
        throw new SfnApiError("SerializationException", "The request body is not valid JSON");
      }
    }
    if (typeof params !== "object" || params === null || Array.isArray(params)) {
      throw new SfnApiError("SerializationException", "The request body must be a JSON object");
    }
    body = call(target.slice(TARGET_PREFIX.length), params as Params);
  } catch (error) {
    if (error instanceof SfnApiError) {
      status = error.status;
      errorType = error.type;
    } else {
      status = 500;
      errorType = "InternalFailure";
      log({ msg: "request failed", error: String(error) });
    }
    body = { __type: errorType, message: error instanceof Error ? error.message : String(error) };
  }
  const text = JSON.stringify(body ?? {});
  if (res.destroyed) return;
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomUUID(),
    ...(errorType ? { "x-amzn-errortype": errorType } : {}),
  });
  res.end(text);
}
