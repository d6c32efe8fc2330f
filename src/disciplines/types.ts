/** Outcome of a purchase. Running short and timing out are values; misuse throws. */
export type PurchaseResult =
  | { ok: true; remaining: number }
  | { ok: false; reason: 'insufficient-stock'; available: number }
  | { ok: false; reason: 'timed-out' };

/** Outcome of a restock or a return: the new stock, or a lock wait that timed out. */
export type RestockResult = { ok: true; stock: number } | { ok: false; reason: 'timed-out' };

/** Outcome of a write-off: how many units it removed (never more than the stock). */
export type WriteOffResult =
  | { ok: true; removed: number; remaining: number }
  | { ok: false; reason: 'timed-out' };

/** One line of an order after lines of the same SKU were combined. */
export interface CombinedLine {
  /** Record index of the SKU. */
  index: number;
  /** Total units of this SKU over all the order's lines. */
  quantity: number;
  /** Position of the SKU's first line in the order as the caller wrote it. */
  firstLine: number;
}

/** Outcome of an order at the record level: which combined line fell short, if any. */
export type CombinedOrderResult =
  | { ok: true }
  | { ok: false; reason: 'insufficient-stock'; short: CombinedLine; available: number }
  | { ok: false; reason: 'timed-out' };

/** Destination of an order's units: sold at once, or held until a commit or release. */
export type Destination = 'sold' | 'held';

/** Per-call settings shared by every discipline. */
export interface CallSettings {
  /** Milliseconds spent between the check and the write, standing for a database round trip. */
  latencyMs: number;
  /** Longest wait for a lock, in milliseconds (`mutex` only). */
  timeoutMs: number;
  /** Called inside the critical section around the write, to test failure handling. */
  faultHook?: ((point: FaultPoint) => void) | undefined;
}

/** Points inside a `mutex` write where a fault hook runs. */
export type FaultPoint = 'before-write' | 'after-write';

/**
 * The stock operations of one concurrency discipline, on record indexes. The caller validates
 * every argument first, so a discipline only decides and writes.
 */
export interface Discipline {
  purchase(index: number, quantity: number, settings: CallSettings): PurchaseResult;
  /** Throws `RangeError`, changing nothing, when the stock plus the held units would pass the
   * Int32 maximum (a release puts held units back). */
  restock(index: number, quantity: number, settings: CallSettings): RestockResult;
  writeOff(index: number, quantity: number, settings: CallSettings): WriteOffResult;
  /** Takes every line or none into `into`. `lines` are sorted by record index. */
  order(
    lines: readonly CombinedLine[],
    settings: CallSettings,
    into: Destination,
  ): CombinedOrderResult;
  /** Moves held units back to the stock. Returns `false`, changing nothing, on a lock timeout. */
  releaseHeld(lines: readonly CombinedLine[], settings: CallSettings): boolean;
  /** Counts held units as sold; the stock does not change. Returns `false`, changing
   * nothing, on a lock timeout. */
  commitHeld(lines: readonly CombinedLine[], settings: CallSettings): boolean;
}
