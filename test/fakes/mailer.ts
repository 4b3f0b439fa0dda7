import type { Mailer, OutgoingEmail } from "../../shared/ports/mailer.ts";

/** The provider refused the email: it certainly did not go. */
export class MailRefused extends Error {
  override readonly name = "MailRefused";
}

/** Records the emails it is given; a test can make the next sends fail. */
export class FakeMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  private readonly failures: Error[] = [];

  /** The next send is refused by the provider (definitely not sent). */
  refuseNext(): void {
    this.failures.push(new MailRefused("MessageRejected"));
  }

  /** The next send times out: it may have gone (not definitely unsent). */
  timeOutNext(): void {
    this.failures.push(Object.assign(new Error("socket hang up"), { name: "TimeoutError" }));
  }

  /** Runs as each email is handed over, e.g. a customer who answers it at once. */
  onSend: ((email: OutgoingEmail) => Promise<void>) | null = null;

  async send(email: OutgoingEmail): Promise<string> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push(structuredClone(email));
    await this.onSend?.(email);
    return `msg_${this.sent.length}`;
  }

  definitelyNotSent(error: unknown): boolean {
    return error instanceof MailRefused;
  }

  /** The emails sent to `to` whose subject contains `subject`. */
  to(to: string, subject = ""): OutgoingEmail[] {
    return this.sent.filter((e) => e.to === to && e.subject.includes(subject));
  }
}
