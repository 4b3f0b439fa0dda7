import { refuse } from "./refuse.ts";

/**
 * What the stand-ins for the AWS SDK's clients are made of: each class a function's code
 * may name refuses to be made, and each error class is one no call can throw (so an
 * `instanceof` test is simply false).
 */
export function absentClass(pkg: string, access: string) {
  return class {
    constructor() {
      refuse(pkg, access);
    }
  };
}
