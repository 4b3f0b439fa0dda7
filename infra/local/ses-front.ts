/**
 * The local SES's public face: an HTTP front on the SES port that passes every request on to
 * aws-ses-v2-local (listening on an internal port), so the SDK, the mail viewer (`/`) and
 * `GET /store` all work through it, and that may answer a send itself, with the error SES v2
 * answers, before it reaches the mail store: faults are injected here (faults.ts), and a send
 * above the account's maximum sending rate (limits.ts) is refused as SES refuses it.
 */
import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";

/** Errors SES v2 answers a send with (REST-JSON: the type in `x-amzn-ErrorType`, a JSON
 * `message`), by the name the AWS SDK raises. */
export const SES_ERRORS = {
  /** The account's maximum sending rate is exceeded. */
  TooManyRequestsException: { status: 429, message: "Maximum sending rate exceeded." },
  /** A quota is used up (e.g. the 24-hour sending quota). */
  LimitExceededException: { status: 400, message: "Daily message quota exceeded." },
  /** SES failed on its side; the SDK sees a server fault. */
  InternalFailure: { status: 500, message: "An internal error occurred." },
} as const;

export type SesErrorName = keyof typeof SES_ERRORS;
export const SES_ERROR_NAMES = Object.keys(SES_ERRORS) as [SesErrorName, ...SesErrorName[]];

/** SES v2 SendEmail. */
const SEND_EMAIL = { method: "POST", path: "/v2/email/outbound-emails" } as const;

export interface SesFrontOptions {
  /** Where aws-ses-v2-local listens. */
  upstream: { host: string; port: number };
  /** Asked before each SendEmail: the error to answer it with instead, or undefined to send. */
  beforeSend?: () => SesErrorName | undefined;
}

/** An HTTP server in front of the local SES (see the module comment); not yet listening. */
export function createSesFront(options: SesFrontOptions): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const refusal =
      req.method === SEND_EMAIL.method && path === SEND_EMAIL.path
        ? options.beforeSend?.()
        : undefined;
    if (refusal) {
      req.resume();
      req.once("end", () => answerError(res, refusal));
      return;
    }
    forward(req, res, options.upstream);
  });
}

function answerError(res: ServerResponse, name: SesErrorName): void {
  const { status, message } = SES_ERRORS[name];
  const body = JSON.stringify({ message });
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "x-amzn-errortype": name,
    "x-amzn-requestid": randomUUID(),
  });
  res.end(body);
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: SesFrontOptions["upstream"],
): void {
  const outgoing = request(
    {
      host: upstream.host,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  outgoing.once("error", () => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify({ message: "The local SES is not answering." });
    res.writeHead(502, { "content-type": "application/json" });
    res.end(body);
  });
  req.pipe(outgoing);
}
