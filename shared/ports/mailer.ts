export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** The same for every send of one email (messageKeyOf): sent along, so a duplicate can be
   * recognised downstream. */
  messageKey: string;
  /** The order it is about (a tag: SES's bounces and complaints name it). */
  orderId: string;
}

export interface Mailer {
  /** Sends one email; resolves to the provider's message id. Gives up (rejects) after
   * EMAIL_SEND_TIMEOUT_MS (shared/domain/notifications.ts). */
  send(email: OutgoingEmail): Promise<string>;
  /** True when `error` (from send) means the email was certainly not accepted. */
  definitelyNotSent(error: unknown): boolean;
}
