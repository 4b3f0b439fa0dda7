import { SendEmailCommand } from "@aws-sdk/client-sesv2";
import { config } from "../config.ts";
import type { Mailer, OutgoingEmail } from "../ports/mailer.ts";
import { ses } from "./aws-clients.ts";

/** Sends email through SES v2 (the local stack points it at its local SES). */
export const sesMailer: Mailer = {
  async send(email: OutgoingEmail): Promise<string> {
    const out = await ses().send(
      new SendEmailCommand({
        FromEmailAddress: config.emailFrom(),
        Destination: { ToAddresses: [email.to] },
        ConfigurationSetName: config.emailConfigurationSet(),
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: "UTF-8" },
            Body: {
              Html: { Data: email.html, Charset: "UTF-8" },
              Text: { Data: email.text, Charset: "UTF-8" },
            },
          },
        },
      }),
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
