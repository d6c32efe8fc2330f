import type { Inventory, OrderLine } from '../inventory.js';
import { type ReplayBatchTask, ReplayKind, type ReplayTally } from '../protocol.js';

/** A tally with every figure at 0. */
export function emptyReplayTally(): ReplayTally {
  return {
    ordersFulfilled: 0,
    ordersRejected: 0,
    linesFulfilled: 0,
    linesRejected: 0,
    unitsSold: 0,
    returnsApplied: 0,
    returnLinesRejected: 0,
    unitsReturned: 0,
    writeOffs: 0,
    unitsWrittenOff: 0,
    writeOffShortfall: 0,
    timeouts: 0,
  };
}

/** Adds every figure of `part` to `total`. */
export function addReplayTally(total: ReplayTally, part: ReplayTally): void {
  for (const key of Object.keys(total) as (keyof ReplayTally)[]) total[key] += part[key];
}

/**
 * Applies one batch of replay events to the table, in order, and counts what happened: an
 * order is all-or-nothing, a return adds its units back line by line, a write-off removes what
 * is there up to its quantity. Runs in a pool thread.
 */
export function runReplayBatch(inventory: Inventory, task: ReplayBatchTask): ReplayTally {
  const tally = emptyReplayTally();
  const { events } = task;
  const skus = inventory.skus;
  const options = { latencyMs: task.latencyMs };
  let at = 0;
  while (at < events.length) {
    const kind = events[at] as number;
    const count = events[at + 1] as number;
    const lines: OrderLine[] = [];
    for (let i = 0; i < count; i++) {
      const index = events[at + 2 + 2 * i] as number;
      lines.push({ sku: skus[index] as string, quantity: events[at + 3 + 2 * i] as number });
    }
    at += 2 + 2 * count;
    if (kind === ReplayKind.order) applyOrder(inventory, lines, options, tally);
    else if (kind === ReplayKind.return) applyReturn(inventory, lines, tally);
    else applyWriteOff(inventory, lines, tally);
  }
  return tally;
}

function applyOrder(
  inventory: Inventory,
  lines: OrderLine[],
  options: { latencyMs: number },
  tally: ReplayTally,
): void {
  const result = inventory.order(lines, options);
  if (result.ok) {
    tally.ordersFulfilled++;
    tally.linesFulfilled += lines.length;
    for (const line of lines) tally.unitsSold += line.quantity;
  } else if (result.reason === 'timed-out') {
    tally.timeouts++;
  } else {
    tally.ordersRejected++;
    tally.linesRejected += lines.length;
  }
}

function applyReturn(inventory: Inventory, lines: OrderLine[], tally: ReplayTally): void {
  tally.returnsApplied++;
  for (const line of lines) {
    try {
      const result = inventory.acceptReturn(line.sku, line.quantity);
      if (result.ok) tally.unitsReturned += line.quantity;
      else tally.timeouts++;
    } catch (error) {
      // A return that would lift the stock past 2^31-1 is refused; the table is unchanged.
      if (!(error instanceof RangeError)) throw error;
      tally.returnLinesRejected++;
    }
  }
}

function applyWriteOff(inventory: Inventory, lines: OrderLine[], tally: ReplayTally): void {
  tally.writeOffs++;
  for (const line of lines) {
    const result = inventory.writeOff(line.sku, line.quantity);
    if (!result.ok) {
      tally.timeouts++;
      continue;
    }
    tally.unitsWrittenOff += result.removed;
    tally.writeOffShortfall += line.quantity - result.removed;
  }
}
