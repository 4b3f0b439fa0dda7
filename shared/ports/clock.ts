/** Where every date the system computes comes from. On AWS it is the system clock;
 * on the local stack it is the virtual clock that tests can move forward. */
export interface Clock {
  now(): Date;
}
