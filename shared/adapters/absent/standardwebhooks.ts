import { refuse } from "./refuse.ts";

/** Stands in for `standardwebhooks` where a function takes no supplier webhook (refuse.ts). */
export class Webhook {
  constructor() {
    refuse("standardwebhooks", "suppliers:read");
  }
}
