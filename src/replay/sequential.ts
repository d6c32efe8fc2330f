/**
 * A single-threaded reference model of the stock engine's replay semantics. A threaded replay
 * can be checked against it: same figures for the same event order, and the same conservation
 * law per SKU.
 */
import type { ReplayTally } from '../protocol.js';
import { emptyReplayTally } from './apply.js';
import { MAX_QUANTITY, type ReplayEvent, type ReplayLine } from './reader.js';

/**
 * Figures of one SKU, which obey `initial + restocked = stock + held + sold + writtenOff`.
 * `held` counts units reserved by orders still in flight. The model applies each event whole,
 * so `held` stays 0 here. The field exists so that engine figures compare field by field.
 */
export interface SkuFigures {
  readonly initial: number;
  stock: number;
  sold: number;
  /** Units added to stock by any means. In a replay, returns are the only source. */
  restocked: number;
  /** Units added by returns, also counted in `restocked`. */
  returned: number;
  writtenOff: number;
  held: number;
}

/**
 * Totals over a replay: the engine's replay tally, which a sequential replay, having no locks,
 * counts without timeouts.
 */
export type SequentialTotals = Omit<ReplayTally, 'timeouts'>;

/** Per-SKU figures and totals at the end of a replay. */
export interface SequentialResult {
  readonly skus: Map<string, SkuFigures>;
  readonly totals: SequentialTotals;
  /** SKUs that sold at least one unit and ended with stock 0. */
  readonly skusSoldOut: number;
}

/** The first line of a rejected order whose SKU cannot supply the combined quantity. */
interface ShortLine {
  /** Index in the event's original `lines`, of the first line with that SKU. */
  readonly lineIndex: number;
  readonly sku: string;
  /** Combined quantity of all the event's lines with that SKU. */
  readonly requested: number;
  /** Stock of that SKU when the order was checked. */
  readonly available: number;
}

/** Result of one order: fulfilled whole, or rejected whole with the first short line. */
export type OrderOutcome =
  | { readonly kind: 'order'; readonly fulfilled: true }
  | ({ readonly kind: 'order'; readonly fulfilled: false } & ShortLine);

/** Result of one return: units restocked, and the lines rejected because stock would overflow. */
export interface ReturnOutcome {
  readonly kind: 'return';
  readonly restocked: number;
  /** Indexes in the event's `lines`, in order. */
  readonly rejectedLines: readonly number[];
}

/** Result of one write-off: units removed per original line and in total. */
export interface WriteOffOutcome {
  readonly kind: 'write-off';
  readonly removed: number;
  readonly removedPerLine: readonly number[];
}

/** Result of applying one event. */
export type EventOutcome = OrderOutcome | ReturnOutcome | WriteOffOutcome;

/** A SKU whose figures break `initial + restocked = stock + held + sold + writtenOff`. */
export interface ConservationViolation {
  readonly sku: string;
  /** `initial + restocked`. */
  readonly supplied: number;
  /** `stock + held + sold + writtenOff`. */
  readonly accounted: number;
}

/** The part of a replay event that moves stock. */
export type StockEvent = Pick<ReplayEvent, 'kind' | 'lines'>;

/** One SKU's combined quantity within an order. */
interface CombinedLine {
  readonly firstIndex: number;
  readonly figures: SkuFigures;
  quantity: number;
}

/**
 * Stock of every SKU, changed one event at a time with the semantics the engine has:
 * - An order is all or nothing. Lines of one SKU are combined before the check, so
 *   `[A x3, A x3]` against stock 5 is rejected whole.
 * - A return adds its units to stock, `restocked` and `returned`, line by line. A line that would
 *   lift its SKU above `MAX_QUANTITY` is rejected alone, leaves the stock unchanged and counts
 *   in `totals.returnLinesRejected`, and the other lines still apply.
 * - A write-off removes min(stock, quantity) per line and counts that in `writtenOff`.
 * - A SKU missing from the initial table is a caller error (`RangeError`), because the stock
 *   policy gives every replay SKU an entry.
 */
export class SequentialStock {
  readonly skus = new Map<string, SkuFigures>();
  readonly totals: SequentialTotals = withoutTimeouts(emptyReplayTally());

  /** Copies `initialStock`: whole numbers of units from 0 to `MAX_QUANTITY` per SKU. */
  constructor(initialStock: ReadonlyMap<string, number>) {
    if (!(initialStock instanceof Map)) {
      throw new TypeError('initialStock must be a Map of SKU to units');
    }
    for (const [sku, units] of initialStock) {
      checkInitialUnits(sku, units);
      this.skus.set(sku, {
        initial: units,
        stock: units,
        sold: 0,
        restocked: 0,
        returned: 0,
        writtenOff: 0,
        held: 0,
      });
    }
  }

  /** Applies one event and returns what it did. */
  apply(event: StockEvent): EventOutcome {
    switch (event.kind) {
      case 'order':
        return this.applyOrder(event.lines);
      case 'return':
        return this.applyReturn(event.lines);
      case 'write-off':
        return this.applyWriteOff(event.lines);
      default:
        throw new RangeError(
          `event.kind must be order, return or write-off; received ${String((event as StockEvent).kind)}`,
        );
    }
  }

  /** Sells every line, or none when any SKU's combined quantity exceeds its stock. */
  applyOrder(lines: readonly ReplayLine[]): OrderOutcome {
    const combined = this.#combine(lines);
    for (const [sku, entry] of combined) {
      if (entry.quantity > entry.figures.stock) {
        this.totals.ordersRejected++;
        this.totals.linesRejected += lines.length;
        return { kind: 'order', fulfilled: false, ...shortLine(sku, entry) };
      }
    }
    for (const entry of combined.values()) {
      entry.figures.stock -= entry.quantity;
      entry.figures.sold += entry.quantity;
      this.totals.unitsSold += entry.quantity;
    }
    this.totals.ordersFulfilled++;
    this.totals.linesFulfilled += lines.length;
    return { kind: 'order', fulfilled: true };
  }

  /** Restocks each line in turn, rejecting a line that would lift its SKU above `MAX_QUANTITY`. */
  applyReturn(lines: readonly ReplayLine[]): ReturnOutcome {
    this.#checkLines(lines);
    const rejectedLines: number[] = [];
    let restocked = 0;
    for (const [index, line] of lines.entries()) {
      const figures = this.skus.get(line.sku) as SkuFigures;
      if (line.quantity > MAX_QUANTITY - figures.stock) {
        rejectedLines.push(index);
        continue;
      }
      figures.stock += line.quantity;
      figures.restocked += line.quantity;
      figures.returned += line.quantity;
      restocked += line.quantity;
    }
    this.totals.returnsApplied++;
    this.totals.returnLinesRejected += rejectedLines.length;
    this.totals.unitsReturned += restocked;
    return { kind: 'return', restocked, rejectedLines };
  }

  /** Removes up to each line's quantity, line by line, never taking stock below 0. */
  applyWriteOff(lines: readonly ReplayLine[]): WriteOffOutcome {
    this.#checkLines(lines);
    const removedPerLine: number[] = [];
    let removed = 0;
    for (const line of lines) {
      const figures = this.skus.get(line.sku) as SkuFigures;
      const units = Math.min(figures.stock, line.quantity);
      figures.stock -= units;
      figures.writtenOff += units;
      removedPerLine.push(units);
      removed += units;
      this.totals.writeOffShortfall += line.quantity - units;
    }
    this.totals.writeOffs++;
    this.totals.unitsWrittenOff += removed;
    return { kind: 'write-off', removed, removedPerLine };
  }

  /** Returns the figures and totals so far. */
  result(): SequentialResult {
    let skusSoldOut = 0;
    for (const figures of this.skus.values()) {
      if (figures.stock === 0 && figures.sold > 0) {
        skusSoldOut++;
      }
    }
    return { skus: this.skus, totals: this.totals, skusSoldOut };
  }

  /** Sums the lines per SKU, keeping the SKUs in order of their first line. */
  #combine(lines: readonly ReplayLine[]): Map<string, CombinedLine> {
    this.#checkLines(lines);
    const combined = new Map<string, CombinedLine>();
    for (const [index, line] of lines.entries()) {
      const entry = combined.get(line.sku);
      if (entry === undefined) {
        const figures = this.skus.get(line.sku) as SkuFigures;
        combined.set(line.sku, { firstIndex: index, figures, quantity: line.quantity });
      } else {
        entry.quantity += line.quantity;
      }
    }
    return combined;
  }

  #checkLines(lines: readonly ReplayLine[]): void {
    if (!Array.isArray(lines) || lines.length === 0) {
      throw new RangeError('lines must be a non-empty array of { sku, quantity }');
    }
    for (const [index, line] of lines.entries()) {
      const { sku, quantity } = line;
      if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
        throw new RangeError(
          `lines[${index}].quantity must be an integer from 1 to ${MAX_QUANTITY}; received ${String(quantity)}`,
        );
      }
      if (!this.skus.has(sku)) {
        throw new RangeError(
          `lines[${index}].sku ${String(sku)} is not in the initial stock table; give every replay SKU an entry`,
        );
      }
    }
  }
}

function checkInitialUnits(sku: string, units: number): void {
  if (typeof units !== 'number' || !Number.isInteger(units) || units < 0 || units > MAX_QUANTITY) {
    throw new RangeError(
      `initialStock for SKU ${sku} must be an integer from 0 to ${MAX_QUANTITY}; received ${String(units)}`,
    );
  }
}

function shortLine(sku: string, entry: CombinedLine): ShortLine {
  return {
    lineIndex: entry.firstIndex,
    sku,
    requested: entry.quantity,
    available: entry.figures.stock,
  };
}

/**
 * Replays events in order against a copy of `initialStock` and returns the final figures.
 * Accepts a `ReplayReader` or any (async) iterable of events.
 */
export async function replaySequential(
  events: AsyncIterable<StockEvent> | Iterable<StockEvent>,
  initialStock: ReadonlyMap<string, number>,
): Promise<SequentialResult> {
  const model = new SequentialStock(initialStock);
  for await (const event of events) {
    model.apply(event);
  }
  return model.result();
}

/** Lists the SKUs whose figures break `initial + restocked = stock + held + sold + writtenOff`. */
export function findConservationViolations(
  skus: ReadonlyMap<string, SkuFigures>,
): ConservationViolation[] {
  const violations: ConservationViolation[] = [];
  for (const [sku, figures] of skus) {
    const supplied = figures.initial + figures.restocked;
    const accounted = figures.stock + figures.held + figures.sold + figures.writtenOff;
    if (supplied !== accounted) {
      violations.push({ sku, supplied, accounted });
    }
  }
  return violations;
}

function withoutTimeouts(tally: ReplayTally): SequentialTotals {
  const { timeouts: _timeouts, ...totals } = tally;
  return totals;
}
