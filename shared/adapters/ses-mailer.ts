import { SendEmailCommand } from "@aws-sdk/client-sesv2";
import { config } from "../config.ts";
import { MESSAGE_KEY_TAG, ORDER_ID_TAG } from "../domain/email-feedback.ts";
import { EMAIL_SEND_TIMEOUT_MS } from "../domain/notifications.ts";
import type { Mailer, OutgoingEmail } from "../ports/mailer.ts";
import { ses } from "./aws-clients.ts";

/** The header that carries an email's idempotent message key (messageKeyOf). */
export const MESSAGE_KEY_HEADER = "X-Backorder-Message-Key";
export { MESSAGE_KEY_TAG };

/** Sends email through SES v2 (the local stack points it at its local SES). */
export const sesMailer: Mailer = {
  async send(email: OutgoingEmail): Promise<string> {
    const out = await ses().send(
      new SendEmailCommand({
        FromEmailAddress: config.emailFrom(),
        Destination: { ToAddresses: [email.to] },
        ConfigurationSetName: config.emailConfigurationSet(),
        // In the sending events of a configuration set too: a duplicate is told by the key,
        // and a bounce or complaint finds its email by the order and the key.
        EmailTags: [
          { Name: MESSAGE_KEY_TAG, Value: email.messageKey },
          { Name: ORDER_ID_TAG, Value: email.orderId },
        ],
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: "UTF-8" },
            Body: {
              Html: { Data: email.html, Charset: "UTF-8" },
              Text: { Data: email.text, Charset: "UTF-8" },
            },
            Headers: [{ Name: MESSAGE_KEY_HEADER, Value: email.messageKey }],
          },
        },
      }),
      // The whole send, connection included, is over by then (the client's own request
      // timeout is the same): a claim's lease is derived from it.
      { abortSignal: AbortSignal.timeout(EMAIL_SEND_TIMEOUT_MS) },
    );
    return out.MessageId ?? "";
  },

  definitelyNotSent(error: unknown): boolean {
    // SES answered with a client error (rejected, throttled, not verified): nothing was sent.
    const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata
      ?.httpStatusCode;
    return typeof status === "number" && status >= 400 && status < 500;
  },
};
