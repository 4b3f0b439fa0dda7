import type { Mailer, OutgoingEmail } from "../../shared/ports/mailer.ts";

/** The provider refused the email: it certainly did not go. */
export class MailRefused extends Error {
  override readonly name: string = "MailRefused";
}

/** The provider is throttling sends (SES's TooManyRequestsException): it did not go. */
export class MailThrottled extends MailRefused {
  override readonly name: string = "TooManyRequestsException";
}

/** Records the emails it is given; a test can make the next sends fail. */
export class FakeMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  /** Every send tried, sent or not (what each send carried). */
  readonly tried: OutgoingEmail[] = [];
  private readonly failures: Error[] = [];

  /** The next send is refused by the provider (definitely not sent). */
  refuseNext(): void {
    this.failures.push(new MailRefused("MessageRejected"));
  }

  /** The next `times` sends are throttled (definitely not sent). */
  throttleNext(times = 1): void {
    for (let i = 0; i < times; i++) {
      this.failures.push(new MailThrottled("Maximum sending rate exceeded."));
    }
  }

  /** The next send times out: it may have gone (not definitely unsent). */
  timeOutNext(): void {
    this.failures.push(Object.assign(new Error("socket hang up"), { name: "TimeoutError" }));
  }

  /** Runs as each email is handed over, e.g. a customer who answers it at once. */
  onSend: ((email: OutgoingEmail) => Promise<void>) | null = null;

  async send(email: OutgoingEmail): Promise<string> {
    this.tried.push(structuredClone(email));
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
