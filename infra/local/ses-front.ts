/**
 * The local SES's public face: an HTTP front on the SES port that passes every request on to
 * aws-ses-v2-local (listening on an internal port), so the SDK, the mail viewer (`/`) and
 * `GET /store` all work through it, and that may answer a send itself, with the error SES v2
 * answers, before it reaches the mail store: faults are injected here (faults.ts), and a send
 * above the account's maximum sending rate (limits.ts) is refused as SES refuses it.
 *
 * As SES does for a configuration set with an EventBridge destination, it hands the "Email
 * Sent" event of every send it passed (with the send's tags) to `onFeedback`. It also plays
 * SES's mailbox simulator: a send to `bounce@simulator.amazonses.com` bounces and one to
 * `complaint@simulator.amazonses.com` is complained of, with the "Email Bounced" or "Email
 * Complaint Received" event.
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
  /** Given SES's feedback event of a send to the mailbox simulator (see above). */
  onFeedback?: (event: Record<string, unknown>) => void;
  /** Given every email the local SES took, as soon as it took it (the local stack keeps
   * them on disk: the mail store itself is in memory and gone with a kill). */
  onSent?: (mail: SentMail) => void;
  /** The time its events carry (the local stack's virtual clock). */
  now?: () => Date;
}

/** SES's mailbox simulator addresses, and the event each makes. */
export const SIMULATOR = {
  "bounce@simulator.amazonses.com": "Email Bounced",
  "complaint@simulator.amazonses.com": "Email Complaint Received",
} as const;

interface SendRequest {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  ConfigurationSetName?: string;
  EmailTags?: { Name: string; Value: string }[];
  Content?: {
    Simple?: { Subject?: { Data?: string }; Headers?: { Name: string; Value: string }[] };
  };
}

/** An email the local SES took, as the mail store has it (`GET /store`'s shape). */
export interface SentMail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  headers: { name: string; value: string }[];
  at: number;
}

/** An SES sending event of `send` as SES puts it on EventBridge. */
function sesEvent(
  detailType: string,
  eventType: string,
  send: SendRequest,
  messageId: string,
  time: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const tags = Object.fromEntries((send.EmailTags ?? []).map((t) => [t.Name, [t.Value]]));
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": detailType,
    source: "aws.ses",
    time,
    region: "us-east-1",
    resources: [],
    detail: {
      eventType,
      mail: {
        timestamp: time,
        source: send.FromEmailAddress ?? "",
        messageId,
        destination: send.Destination?.ToAddresses ?? [],
        tags: { "ses:configuration-set": [send.ConfigurationSetName ?? ""], ...tags },
      },
      ...extra,
    },
  };
}

/** The SEND event SES puts for every email it took under a configuration set whose
 * EventBridge destination has SEND (the engine's does). */
export function sentEvent(
  send: SendRequest,
  messageId: string,
  now: Date,
): Record<string, unknown> | null {
  if (!send.ConfigurationSetName) return null;
  return sesEvent("Email Sent", "Send", send, messageId, now.toISOString(), {
    send: {},
  });
}

/** The EventBridge event SES puts for a simulated bounce or complaint of `send`. */
export function simulatorFeedback(
  send: SendRequest,
  messageId: string,
  now: Date,
): Record<string, unknown> | null {
  const to = send.Destination?.ToAddresses ?? [];
  const address = to.find((a) => a.toLowerCase() in SIMULATOR) as
    | keyof typeof SIMULATOR
    | undefined;
  if (!address || !send.ConfigurationSetName) return null;
  const detailType = SIMULATOR[address.toLowerCase() as keyof typeof SIMULATOR];
  const time = now.toISOString();
  return sesEvent(
    detailType,
    detailType === "Email Bounced" ? "Bounce" : "Complaint",
    send,
    messageId,
    time,
    detailType === "Email Bounced"
      ? {
          bounce: {
            bounceType: "Permanent",
            bounceSubType: "General",
            bouncedRecipients: [{ emailAddress: address }],
            timestamp: time,
          },
        }
      : {
          complaint: {
            complainedRecipients: [{ emailAddress: address }],
            complaintFeedbackType: "abuse",
            timestamp: time,
          },
        },
  );
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
    if (req.method === SEND_EMAIL.method && path === SEND_EMAIL.path && options.onFeedback) {
      forwardSend(
        req,
        res,
        options.upstream,
        options.onFeedback,
        options.now ?? (() => new Date()),
        options.onSent,
      );
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

/** Forwards a SendEmail, read whole, and once it was sent tells a simulated bounce or
 * complaint to `onFeedback`. */
function forwardSend(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: SesFrontOptions["upstream"],
  onFeedback: (event: Record<string, unknown>) => void,
  now: () => Date,
  onSent?: (mail: SentMail) => void,
): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.once("end", () => {
    const body = Buffer.concat(chunks);
    const outgoing = request(
      {
        host: upstream.host,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, "content-length": String(body.length) },
      },
      (answer) => {
        const parts: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => parts.push(chunk));
        answer.once("end", () => {
          const answered = Buffer.concat(parts);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(answered);
          if (answer.statusCode !== 200) return;
          try {
            const send = JSON.parse(body.toString("utf8")) as SendRequest;
            const { MessageId } = JSON.parse(answered.toString("utf8")) as { MessageId?: string };
            const messageId = MessageId ?? randomUUID();
            // SES tells the send at once, bounces and complaints a moment after.
            const sent = sentEvent(send, messageId, now());
            if (sent) onFeedback(sent);
            onSent?.({
              messageId,
              destination: { to: send.Destination?.ToAddresses ?? [] },
              subject: send.Content?.Simple?.Subject?.Data ?? "",
              headers: (send.Content?.Simple?.Headers ?? []).map((h) => ({
                name: h.Name,
                value: h.Value,
              })),
              at: Date.now(),
            });
            const event = simulatorFeedback(send, messageId, now());
            if (event) setTimeout(() => onFeedback(event), 50);
          } catch {
            // Not a send this front can read: nothing to simulate.
          }
        });
      },
    );
    outgoing.once("error", () => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "The local SES is not answering." }));
    });
    outgoing.end(body);
  });
}
