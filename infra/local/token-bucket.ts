/**
 * A token bucket, the scheme AWS throttles its APIs by (and Stripe and SES behave like):
 * the bucket holds up to `bucket` tokens and refills at `perSecond` tokens a second,
 * continuously; each call takes one, and a call that finds none is refused. A full bucket
 * allows a burst of `bucket` calls at once, the refill rate the sustained rate. Time is
 * real time (`now`), never the virtual clock: quotas are about load, not about dates.
 */
export interface BucketSpec {
  /** Tokens the bucket holds when full: the largest burst. */
  bucket: number;
  /** Tokens added per second: the sustained rate. */
  perSecond: number;
}

export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    readonly spec: BucketSpec,
    private readonly now: () => number = Date.now,
  ) {
    if (!(spec.bucket > 0) || !(spec.perSecond > 0)) {
      throw new Error("a token bucket needs a positive size and refill rate");
    }
    this.tokens = spec.bucket;
    this.lastMs = now();
  }

  /** Takes one token if there is one: true means the call may go ahead. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Tokens in the bucket now (a fraction while one refills). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const at = this.now();
    const elapsedMs = Math.max(0, at - this.lastMs);
    this.lastMs = at;
    this.tokens = Math.min(
      this.spec.bucket,
      this.tokens + (elapsedMs / 1000) * this.spec.perSecond,
    );
  }
}
