/**
 * Paged lists (contract §2): a page of at most `limit` items and the opaque cursor that
 * continues it, null on the last page. A store refuses a cursor it did not give out for the
 * same list with InvalidCursorError (the API answers 400).
 */
export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | null | undefined;
}

export class InvalidCursorError extends Error {
  override readonly name = "InvalidCursorError";
}
