import type { Line } from "./model.ts";
/**
 * Allocation of arriving stock to waiting lines (contract §6): strictly oldest first. The
 * head of the queue is served before anything behind it, and a line that can be only
 * partly filled is split: the filled part is allocated, the rest keeps its place.
 */
export interface QueuedLine {
  orderId: string;
  lineId: string;
  qty: number;
}

export interface Fill<L extends QueuedLine = QueuedLine> {
  line: L;
  /** Units allocated to the line now. */
  qty: number;
  /** Units still waiting: more than 0 means the line is split. */
  remainder: number;
}

/**
 * Fills `queue` (oldest first) from `units`. Stops at the first line it cannot fill
 * whole, which it splits; never skips a line to serve a later, smaller one.
 */
export function fillOldestFirst<L extends QueuedLine>(
  units: number,
  queue: readonly L[],
): Fill<L>[] {
  if (!Number.isInteger(units) || units < 0) {
    throw new RangeError(`units must be a non-negative integer: ${units}`);
  }
  const fills: Fill<L>[] = [];
  let left = units;
  for (const line of queue) {
    if (left <= 0) break;
    const qty = Math.min(line.qty, left);
    fills.push({ line, qty, remainder: line.qty - qty });
    left -= qty;
  }
  return fills;
}

/** Units of a receipt that go to waiting lines (cross-dock) and what is put away. */
export function putAway(received: number, allocated: number): number {
  return Math.max(0, received - allocated);
}

/**
 * What is left of a partly filled line: a new waiting line for the rest, keeping the
 * original's place in the queue (its `createdAt`) and history. It runs on an execution of
 * its own, named after its own id, so the original's execution name and restarts are not
 * carried over.
 */
export function splitRemainder(line: Line, lineId: string, qty: number): Line {
  const {
    executionName: _name,
    executionRestarts: _restarts,
    executionFailures: _failures,
    ...rest
  } = line;
  return { ...rest, lineId, qty, status: "backordered", splitFrom: line.lineId };
}

/** The parts split off a line (and off its parts, at any depth), oldest first. */
export function splitPartsOf<L extends Pick<Line, "lineId" | "splitFrom">>(
  lines: readonly L[],
  lineId: string,
): L[] {
  const parts: L[] = [];
  const queue = [lineId];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const part of lines.filter((l) => l.splitFrom === id)) {
      parts.push(part);
      queue.push(part.lineId);
    }
  }
  return parts;
}

/**
 * What a customer's link about a line acts on (contract §9): the line as the email showed
 * it. A line still waiting is itself; once part of it was filled and split off, the link
 * means the part still waiting, never a part charged since; null when none is waiting.
 * A line never split is itself, whatever its status.
 */
export function linkTargetOf<L extends Pick<Line, "lineId" | "splitFrom" | "status">>(
  lines: readonly L[],
  lineId: string,
): L | null | undefined {
  const named = lines.find((l) => l.lineId === lineId);
  if (!named) return undefined;
  const parts = splitPartsOf(lines, lineId);
  if (named.status === "backordered" || parts.length === 0) return named;
  return parts.find((p) => p.status === "backordered") ?? null;
}
