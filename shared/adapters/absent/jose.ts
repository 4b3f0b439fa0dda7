import { refuse } from "./refuse.ts";

/** Stands in for `jose` where a function neither signs nor verifies links (refuse.ts). */
export const errors = {};

export function jwtVerify(): never {
  return refuse("jose", "links:read or email:send");
}

export class SignJWT {
  constructor() {
    refuse("jose", "links:read or email:send");
  }
}
