export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface Mailer {
  /** Sends one email; resolves to the provider's message id. */
  send(email: OutgoingEmail): Promise<string>;
  /** True when `error` (from send) means the email was certainly not accepted. */
  definitelyNotSent(error: unknown): boolean;
}
