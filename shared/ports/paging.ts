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

/** Every item of a paged read, reading page after page from where the last left off. */
export async function readAllPages<T>(
  page: (after: string | undefined) => Promise<{ items: T[]; next: string | null }>,
): Promise<T[]> {
  const all: T[] = [];
  let after: string | undefined;
  do {
    const read = await page(after);
    all.push(...read.items);
    after = read.next ?? undefined;
  } while (after);
  return all;
}

export class InvalidCursorError extends Error {
  override readonly name = "InvalidCursorError";
}
