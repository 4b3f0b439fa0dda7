import { refuse } from "./refuse.ts";

/** Stands in for `stripe` where a function may not use the payment provider (refuse.ts). */
export default class StripeAbsent {
  constructor() {
    refuse("stripe", "payments:charge");
  }
}
