/**
 * The sequential specification of the stockroom inventory, for {@link checkLinearizability},
 * and a codec that records inventory operations in a {@link HistoryLog}.
 *
 * The model follows `Inventory` in src/inventory.ts. Invalid arguments throw before anything
 * changes, with the same error names. A `{ ok: false, reason: 'timed-out' }` result changes
 * nothing. An order or hold checks its SKUs in record order (the order of `initialStock`) and
 * reports the first that falls short. Holds (`hold`, `commit`, `release`) follow the planned
 * engine API.
 * NOTE: `commit` and `release` of an id that no active hold has are assumed to return
 * `already-settled`, whether or not a hold ever had that id.
 */

import type { HistoryCodec, LogEntry, Operation } from './history.js';
import type { Model, StepResult } from './linearizability.js';

/** Id of a hold, as the engine returned it. */
export type HoldId = number | string;

/** One line of an order or a hold. */
export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
}

/** A call that threw; `error` is the error's name, such as `'RangeError'`. */
export interface ErrorResult {
  readonly error: string;
}

/** A call whose lock wait timed out, changing nothing. */
export interface TimedOutResult {
  readonly ok: false;
  readonly reason: 'timed-out';
}

/** Result of an order or hold that some SKU could not cover. */
export interface LinesShortfall {
  readonly ok: false;
  readonly reason: 'insufficient-stock';
  /** Index in the caller's lines of the first line of the SKU that fell short. */
  readonly line: number;
  readonly sku: string;
  /** Combined quantity of `sku` over all lines. */
  readonly requested: number;
  readonly available: number;
}

/** Result of `purchase`. */
export type PurchaseResult =
  | { readonly ok: true; readonly remaining: number }
  | { readonly ok: false; readonly reason: 'insufficient-stock'; readonly available: number }
  | TimedOutResult
  | ErrorResult;
/** Result of `restock` and `acceptReturn`: the new stock. The engine adds `ok: true`. */
export type RestockResult =
  | { readonly ok?: true; readonly stock: number }
  | TimedOutResult
  | ErrorResult;
/** Result of `writeOff`: units removed, never more than the stock. */
export type WriteOffResult =
  | { readonly ok: true; readonly removed: number; readonly remaining: number }
  | TimedOutResult
  | ErrorResult;
/** Result of `order`. */
export type OrderResult = { readonly ok: true } | LinesShortfall | TimedOutResult | ErrorResult;
/** Result of `hold`. */
export type HoldResult =
  | { readonly ok: true; readonly hold: HoldId }
  | LinesShortfall
  | TimedOutResult
  | ErrorResult;
/** Result of `commit` and `release`. */
export type SettleResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'already-settled' }
  | TimedOutResult
  | ErrorResult;
/** Result of `stock`. */
export type StockResult = { readonly stock: number } | ErrorResult;

type SkuArgs = { readonly sku: string; readonly quantity: number };
type LinesArgs = { readonly lines: readonly OrderLine[] };
type HoldArgs = { readonly hold: HoldId };

/** Sells `quantity` units of `sku` if the stock covers them. */
export type PurchaseOperation = Operation<'purchase', SkuArgs, PurchaseResult>;
/** Adds `quantity` units to `sku`. */
export type RestockOperation = Operation<'restock', SkuArgs, RestockResult>;
/** Takes back sold units: a restock as far as the stock is concerned. */
export type AcceptReturnOperation = Operation<'acceptReturn', SkuArgs, RestockResult>;
/** Removes up to `quantity` units, never taking the stock below 0. */
export type WriteOffOperation = Operation<'writeOff', SkuArgs, WriteOffResult>;
/** Sells every line or none. */
export type OrderOperation = Operation<'order', LinesArgs, OrderResult>;
/** Moves every line from stock to a new hold, or none. */
export type HoldOperation = Operation<'hold', LinesArgs, HoldResult>;
/** Sells the units of an active hold. */
export type CommitOperation = Operation<'commit', HoldArgs, SettleResult>;
/** Returns the units of an active hold to stock. */
export type ReleaseOperation = Operation<'release', HoldArgs, SettleResult>;
/** Reads the stock of `sku`. */
export type StockOperation = Operation<'stock', { readonly sku: string }, StockResult>;

/** Any operation of the inventory. */
export type InventoryOperation =
  | PurchaseOperation
  | RestockOperation
  | AcceptReturnOperation
  | WriteOffOperation
  | OrderOperation
  | HoldOperation
  | CommitOperation
  | ReleaseOperation
  | StockOperation;

/** State of the inventory model. Treat it as read-only: the checker keeps old states. */
export interface InventoryState {
  /** Stock of each SKU that differs from the initial stock; the others still have it. */
  readonly stock: ReadonlyMap<string, number>;
  /** Units per SKU of each active hold. */
  readonly holds: ReadonlyMap<HoldId, ReadonlyMap<string, number>>;
}

/** Maximum stock of one SKU, and maximum quantity of one call (the engine's `MAX_QUANTITY`). */
const MAX_UNITS = 2_147_483_647;

/** Expected outcome of one operation from one state. */
type Expectation =
  | { readonly kind: 'value'; readonly value: Readonly<Record<string, unknown>> }
  | { readonly kind: 'error'; readonly name: string }
  /** A new hold, with any id that is not active. */
  | { readonly kind: 'new-hold'; readonly units: ReadonlyMap<string, number> };

interface Evaluation {
  readonly expect: Expectation;
  /** State after the operation, without a new hold: only the recorded result has its id. */
  readonly next: InventoryState;
}

/**
 * Creates the model of an inventory that starts with `initialStock` and no holds; the Map's
 * order is the record order of the SKUs. `step` returns `ok: false` when a recorded result
 * differs from what the engine returns from that state. `partition` splits a history into
 * connected groups of SKUs.
 */
export function inventoryModel(
  initialStock: ReadonlyMap<string, number>,
): Model<InventoryState, InventoryOperation> {
  const inventory = new Inventory(readInitialStock(initialStock));
  return {
    init: () => ({ stock: new Map(), holds: new Map() }),
    step: (state, op) => inventory.step(state, op),
    key: keyOf,
    partition: (history) => partitionBySku(history),
    describe: describeOperation,
    describeState,
    explain: (state, op) => inventory.explain(state, op),
  };
}

function readInitialStock(initialStock: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
  if (!(initialStock instanceof Map)) {
    throw new TypeError(
      `initialStock must be a Map from SKU to units; received ${describeValue(initialStock)}`,
    );
  }
  for (const [sku, units] of initialStock) {
    if (typeof sku !== 'string') {
      throw new TypeError(`initialStock keys must be SKU strings; received ${describeValue(sku)}`);
    }
    if (!Number.isInteger(units) || units < 0 || units > MAX_UNITS) {
      throw new RangeError(
        `initialStock of ${JSON.stringify(sku)} must be an integer from 0 to ${MAX_UNITS}; ` +
          `received ${describeValue(units)}`,
      );
    }
  }
  return new Map(initialStock);
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object';
  return String(value);
}

function isTimedOut(result: unknown): boolean {
  const record = result as { ok?: unknown; reason?: unknown } | null | undefined;
  return record?.ok === false && record.reason === 'timed-out';
}

class Inventory {
  readonly #initial: ReadonlyMap<string, number>;
  /** Record index of each SKU: the order in which orders check their SKUs. */
  readonly #record: ReadonlyMap<string, number>;

  constructor(initial: ReadonlyMap<string, number>) {
    this.#initial = initial;
    this.#record = new Map([...initial.keys()].map((sku, index) => [sku, index]));
  }

  step(state: InventoryState, op: InventoryOperation): StepResult<InventoryState> {
    const { expect, next } = this.#evaluate(state, op);
    if (op.ret === undefined)
      return { ok: true, state: this.#unknownOutcome(state, expect, next, op) };
    // A lock wait that timed out returns before any change, but only after valid arguments.
    if (isTimedOut(op.result)) return { ok: expect.kind !== 'error', state };
    if (!resultMatches(expect, op.result, state)) return { ok: false, state };
    if (expect.kind !== 'new-hold') return { ok: true, state: next };
    return { ok: true, state: withHold(next, (op.result as { hold: HoldId }).hold, expect.units) };
  }

  /**
   * Returns the state after an operation whose result is unknown. A new hold whose id no caller
   * received can never be settled, so its units just leave the stock. While shrinking, the
   * checker passes relaxed operations with their recorded result, and the hold gets that id.
   */
  #unknownOutcome(
    state: InventoryState,
    expect: Expectation,
    next: InventoryState,
    op: InventoryOperation,
  ): InventoryState {
    if (expect.kind !== 'new-hold') return next;
    const id = (op.result as { ok?: unknown; hold?: unknown } | undefined)?.hold;
    const isId = typeof id === 'number' || typeof id === 'string';
    if (!isId || state.holds.has(id)) return next;
    return withHold(next, id, expect.units);
  }

  explain(state: InventoryState, op: InventoryOperation): string {
    const { expect } = this.#evaluate(state, op);
    if (expect.kind === 'new-hold') {
      const id = (op.result as { hold?: HoldId } | undefined)?.hold;
      if (id !== undefined && state.holds.has(id)) {
        return `hold ${String(id)} is still active, so a new hold cannot get its id`;
      }
    }
    if (expect.kind === 'error' && isTimedOut(op.result)) {
      return `its arguments are invalid, so it throws a ${expect.name} before any lock wait`;
    }
    return `${this.#describeContext(state, op)} it returns ${describeExpectation(op.name, expect)}`;
  }

  #describeContext(state: InventoryState, op: InventoryOperation): string {
    if (op.name === 'commit' || op.name === 'release') {
      const id = op.args?.hold;
      const label = String(id);
      return state.holds.has(id) ? `with hold ${label} active` : `with no active hold ${label}`;
    }
    const skus = [...new Set(skusOf(op))].filter((sku) => this.#initial.has(sku));
    if (skus.length === 0) return 'with these arguments';
    const stock = skus.map((sku) => `${sku}=${this.#stockOf(state, sku)}`);
    return `from ${stock.join(' ')}`;
  }

  #evaluate(state: InventoryState, op: InventoryOperation): Evaluation {
    switch (op.name) {
      case 'purchase':
        return this.#purchase(state, op.args);
      case 'restock':
      case 'acceptReturn':
        return this.#restock(state, op.args);
      case 'writeOff':
        return this.#writeOff(state, op.args);
      case 'order':
        return this.#takeLines(state, op.args, false);
      case 'hold':
        return this.#takeLines(state, op.args, true);
      case 'commit':
        return this.#settle(state, op.args, false);
      case 'release':
        return this.#settle(state, op.args, true);
      case 'stock':
        return this.#readStock(state, op.args);
      default:
        throw new TypeError(
          `the inventory model has no operation ${describeValue((op as Operation).name)}; ` +
            'expected purchase, restock, acceptReturn, writeOff, order, hold, commit, release ' +
            'or stock',
        );
    }
  }

  #stockOf(state: InventoryState, sku: string): number {
    return state.stock.get(sku) ?? (this.#initial.get(sku) as number);
  }

  /** Returns the name of the error the engine throws for `sku`, or undefined for a known SKU. */
  #skuError(sku: unknown): string | undefined {
    if (typeof sku !== 'string') return 'TypeError';
    return this.#initial.has(sku) ? undefined : 'RangeError';
  }

  #purchase(state: InventoryState, args: SkuArgs): Evaluation {
    const error = this.#skuError(args?.sku) ?? quantityError(args.quantity);
    if (error !== undefined) return thrown(state, error);
    const stock = this.#stockOf(state, args.sku);
    if (stock < args.quantity) {
      return returns(state, { ok: false, reason: 'insufficient-stock', available: stock });
    }
    const remaining = stock - args.quantity;
    return returns(this.#withStock(state, [[args.sku, remaining]]), { ok: true, remaining });
  }

  #restock(state: InventoryState, args: SkuArgs): Evaluation {
    const error = this.#skuError(args?.sku) ?? quantityError(args.quantity);
    if (error !== undefined) return thrown(state, error);
    const stock = this.#stockOf(state, args.sku) + args.quantity;
    // The engine keeps stock in an int32 and throws rather than wrap around.
    if (stock > MAX_UNITS) return thrown(state, 'RangeError');
    return returns(this.#withStock(state, [[args.sku, stock]]), { stock });
  }

  #writeOff(state: InventoryState, args: SkuArgs): Evaluation {
    const error = this.#skuError(args?.sku) ?? quantityError(args.quantity);
    if (error !== undefined) return thrown(state, error);
    const stock = this.#stockOf(state, args.sku);
    const removed = Math.min(stock, args.quantity);
    const remaining = stock - removed;
    return returns(this.#withStock(state, [[args.sku, remaining]]), {
      ok: true,
      removed,
      remaining,
    });
  }

  #readStock(state: InventoryState, args: { readonly sku: string }): Evaluation {
    const error = this.#skuError(args?.sku);
    if (error !== undefined) return thrown(state, error);
    return returns(state, { stock: this.#stockOf(state, args.sku) });
  }

  /** Evaluates an order (`hold` false) or a hold: all lines or none, same-SKU lines combined. */
  #takeLines(state: InventoryState, args: LinesArgs, hold: boolean): Evaluation {
    const combined = this.#combineLines(args?.lines);
    if (typeof combined === 'string') return thrown(state, combined);
    for (const [sku, { quantity, firstLine }] of combined) {
      const available = this.#stockOf(state, sku);
      if (quantity > available) {
        const shortfall = { line: firstLine, sku, requested: quantity, available };
        return returns(state, { ok: false, reason: 'insufficient-stock', ...shortfall });
      }
    }
    const units = new Map([...combined].map(([sku, line]) => [sku, line.quantity]));
    const changes = [...units].map(([sku, quantity]): [string, number] => [
      sku,
      this.#stockOf(state, sku) - quantity,
    ]);
    const next = this.#withStock(state, changes);
    if (hold) return { expect: { kind: 'new-hold', units }, next };
    return returns(next, { ok: true });
  }

  /**
   * Adds up the lines per SKU, in record order, as the engine does before it checks any stock.
   * Returns the name of the error the engine throws for invalid lines instead.
   */
  #combineLines(lines: unknown): Map<string, { quantity: number; firstLine: number }> | string {
    if (!Array.isArray(lines) || lines.length === 0) return 'TypeError';
    const combined = new Map<string, { quantity: number; firstLine: number }>();
    for (let position = 0; position < lines.length; position++) {
      const line = lines[position] as Partial<OrderLine> | null | undefined;
      const error = this.#skuError(line?.sku) ?? quantityError(line?.quantity);
      if (error !== undefined) return error;
      const { sku, quantity } = line as OrderLine;
      const entry = combined.get(sku);
      if (entry === undefined) combined.set(sku, { quantity, firstLine: position });
      else if (entry.quantity + quantity > MAX_UNITS) return 'RangeError';
      else entry.quantity += quantity;
    }
    const record = (sku: string) => this.#record.get(sku) as number;
    return new Map([...combined].sort(([a], [b]) => record(a) - record(b)));
  }

  /** Evaluates a commit (`release` false) or a release of the hold `args.hold`. */
  #settle(state: InventoryState, args: HoldArgs, release: boolean): Evaluation {
    const id = args?.hold;
    if (typeof id !== 'number' && typeof id !== 'string') return thrown(state, 'TypeError');
    const units = state.holds.get(id);
    if (units === undefined) return returns(state, { ok: false, reason: 'already-settled' });
    const holds = new Map(state.holds);
    holds.delete(id);
    let next: InventoryState = { stock: state.stock, holds };
    if (release) {
      const changes = [...units].map(([sku, quantity]): [string, number] => [
        sku,
        this.#stockOf(state, sku) + quantity,
      ]);
      next = this.#withStock(next, changes);
    }
    return returns(next, { ok: true });
  }

  #withStock(state: InventoryState, changes: Iterable<[string, number]>): InventoryState {
    const stock = new Map(state.stock);
    for (const [sku, units] of changes) {
      // A SKU back at its initial stock is dropped, so equal states share one cache key.
      if (units === this.#initial.get(sku)) stock.delete(sku);
      else stock.set(sku, units);
    }
    return { stock, holds: state.holds };
  }
}

function withHold(
  state: InventoryState,
  id: HoldId,
  units: ReadonlyMap<string, number>,
): InventoryState {
  return { stock: state.stock, holds: new Map(state.holds).set(id, units) };
}

/** Returns the name of the error the engine throws for `quantity`, or undefined if valid. */
function quantityError(quantity: unknown): string | undefined {
  if (typeof quantity !== 'number') return 'TypeError';
  const valid = Number.isInteger(quantity) && quantity >= 1 && quantity <= MAX_UNITS;
  return valid ? undefined : 'RangeError';
}

function returns(next: InventoryState, value: Record<string, unknown>): Evaluation {
  return { expect: { kind: 'value', value }, next };
}

function thrown(state: InventoryState, name: string): Evaluation {
  return { expect: { kind: 'error', name }, next: state };
}

function resultMatches(expect: Expectation, actual: unknown, state: InventoryState): boolean {
  if (typeof actual !== 'object' || actual === null) return false;
  const record = actual as Record<string, unknown>;
  if (expect.kind === 'error') return record.error === expect.name;
  if ('error' in record) return false;
  if (expect.kind === 'new-hold') {
    const id = record.hold;
    const isId = typeof id === 'number' || typeof id === 'string';
    return record.ok === true && isId && !state.holds.has(id);
  }
  // Fields the model does not expect are ignored, such as the `ok: true` of a restock.
  return Object.entries(expect.value).every(([field, value]) => record[field] === value);
}

function describeExpectation(name: InventoryOperation['name'], expect: Expectation): string {
  if (expect.kind === 'value') return describeResult(name, expect.value);
  if (expect.kind === 'new-hold') return 'a new hold';
  return `a ${expect.name}`;
}

function skusOf(op: InventoryOperation): string[] {
  const args = op.args as Partial<SkuArgs & LinesArgs> | undefined;
  if (op.name === 'order' || op.name === 'hold') {
    const lines = Array.isArray(args?.lines) ? (args.lines as unknown[]) : [];
    return lines.flatMap((line) => {
      const sku = (line as Partial<OrderLine> | undefined)?.sku;
      return typeof sku === 'string' ? [sku] : [];
    });
  }
  if (op.name === 'commit' || op.name === 'release') return [];
  return typeof args?.sku === 'string' ? [args.sku] : [];
}

/** Returns a cache key equal for states with the same stock and the same active holds. */
function keyOf(state: InventoryState): string {
  const stock = [...state.stock].sort(compareFirst);
  if (state.holds.size === 0) return JSON.stringify(stock);
  const holds = [...state.holds].map(
    ([id, units]) => [JSON.stringify(id), [...units].sort(compareFirst)] as const,
  );
  holds.sort(compareFirst);
  return JSON.stringify([stock, holds]);
}

function compareFirst(a: readonly [string, unknown], b: readonly [string, unknown]): number {
  const x = a[0];
  const y = b[0];
  if (x < y) return -1;
  if (x > y) return 1;
  return 0;
}

/** Describes the stock that differs from the initial stock, and the active holds. */
function describeState(state: InventoryState): string {
  const parts = [...state.stock].sort(compareFirst).map(([sku, units]) => `${sku}=${units}`);
  for (const [id, units] of state.holds) {
    const lines = [...units].map(([sku, quantity]) => `${sku}:${quantity}`).join(',');
    parts.push(`hold ${String(id)} (${lines})`);
  }
  return parts.length === 0 ? 'the initial stock' : parts.join(' ');
}

/** Describes an operation as `purchase(A,3)→ok remaining 2`; `→?` marks an unknown outcome. */
export function describeOperation(op: InventoryOperation): string {
  const result = op.ret === undefined ? '?' : describeResult(op.name, op.result);
  return `${op.name}(${describeArgs(op)})→${result}`;
}

function describeArgs(op: InventoryOperation): string {
  const args = op.args as Partial<SkuArgs & LinesArgs & HoldArgs> | undefined;
  switch (op.name) {
    case 'purchase':
    case 'restock':
    case 'acceptReturn':
    case 'writeOff':
      return `${String(args?.sku)},${String(args?.quantity)}`;
    case 'stock':
      return String(args?.sku);
    case 'commit':
    case 'release':
      return String(args?.hold);
    default: {
      const lines = Array.isArray(args?.lines) ? args.lines : [];
      return lines.map((line) => `${String(line?.sku)}:${String(line?.quantity)}`).join(',');
    }
  }
}

function describeResult(name: InventoryOperation['name'], result: unknown): string {
  if (typeof result !== 'object' || result === null) return String(result);
  const r = result as Record<string, unknown>;
  if (typeof r.error === 'string') return r.error;
  if (name === 'stock') return String(r.stock);
  if ((name === 'restock' || name === 'acceptReturn') && r.ok !== false) {
    return `stock ${String(r.stock)}`;
  }
  if (r.ok === true) {
    if (name === 'purchase') return `ok remaining ${String(r.remaining)}`;
    if (name === 'writeOff') return `removed ${String(r.removed)} remaining ${String(r.remaining)}`;
    if (name === 'hold') return `hold ${String(r.hold)}`;
    return 'ok';
  }
  if (r.reason === 'insufficient-stock') {
    if (name === 'purchase') return `insufficient-stock available ${String(r.available)}`;
    return (
      `insufficient-stock line ${String(r.line)} ${String(r.sku)} ` +
      `requested ${String(r.requested)} available ${String(r.available)}`
    );
  }
  return typeof r.reason === 'string' ? r.reason : JSON.stringify(result);
}

/**
 * Splits a history into groups of operations whose SKUs are connected: two SKUs are connected
 * when one order or hold names both, and a commit or release joins the group of its hold.
 * Operations with no SKU (a commit of an id no hold returned) form one last group.
 */
function partitionBySku(history: readonly InventoryOperation[]): InventoryOperation[][] {
  const skus = new SkuUnion();
  const holdSkus = new Map<HoldId, string[]>();
  for (const op of history) {
    const id =
      op.name === 'hold' && op.ret !== undefined
        ? (op.result as { hold?: HoldId })?.hold
        : undefined;
    if (id !== undefined) holdSkus.set(id, [...(holdSkus.get(id) ?? []), ...skusOf(op)]);
  }
  const opSkus = history.map((op) => {
    if (op.name !== 'commit' && op.name !== 'release') return skusOf(op);
    return holdSkus.get((op.args as Partial<HoldArgs> | undefined)?.hold as HoldId) ?? [];
  });
  for (const list of opSkus) skus.join(list);

  const groups = new Map<string, InventoryOperation[]>();
  const unconnected: InventoryOperation[] = [];
  history.forEach((op, i) => {
    const list = opSkus[i] as string[];
    if (list.length === 0) {
      unconnected.push(op);
      return;
    }
    const root = skus.find(list[0] as string);
    const group = groups.get(root);
    if (group === undefined) groups.set(root, [op]);
    else group.push(op);
  });
  const parts = [...groups.values()];
  if (unconnected.length > 0) parts.push(unconnected);
  return parts;
}

/** Union-find over SKU names. */
class SkuUnion {
  readonly #parent = new Map<string, string>();

  find(sku: string): string {
    let root = sku;
    for (
      let up = this.#parent.get(root);
      up !== undefined && up !== root;
      up = this.#parent.get(root)
    ) {
      root = up;
    }
    if (!this.#parent.has(root)) this.#parent.set(root, root);
    // Path compression: point every SKU on the way straight at the root.
    let node = sku;
    while (node !== root) {
      const up = this.#parent.get(node) as string;
      this.#parent.set(node, root);
      node = up;
    }
    return root;
  }

  join(skus: readonly string[]): void {
    if (skus.length === 0) return;
    const root = this.find(skus[0] as string);
    for (const sku of skus) {
      const other = this.find(sku);
      if (other !== root) this.#parent.set(other, root);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Codec for HistoryLog

/** Op codes that {@link inventoryCodec} writes to a {@link HistoryLog}. */
export const INVENTORY_OP_CODES = {
  purchase: 1,
  restock: 2,
  order: 3,
  hold: 4,
  commit: 5,
  release: 6,
  stock: 7,
  acceptReturn: 8,
  writeOff: 9,
} as const;

const OP_NAMES = new Map(
  Object.entries(INVENTORY_OP_CODES).map(([name, code]) => [code as number, name]),
) as ReadonlyMap<number, InventoryOperation['name']>;

/** The name and arguments of an inventory call, before it has a result. */
export type InventoryCall = InventoryOperation extends infer Op
  ? Op extends InventoryOperation
    ? { readonly name: Op['name']; readonly args: Op['args'] }
    : never
  : never;

/**
 * A {@link HistoryCodec} for inventory operations, with the encoders that recording threads use.
 *
 * Argument words: a SKU is its index in the codec's SKU list, and `order` and `hold` fit at most
 * two lines in the four words. The first result word has a status in its low 8 bits, and its
 * upper bits contain the shortfall's line index or the units a write-off removed (at most
 * 2^23-1). The second result word contains the number that goes with the status. Hold ids must
 * be int32 numbers.
 */
export interface InventoryCodec extends HistoryCodec<InventoryOperation> {
  /** Encodes a call as an op code and argument words for `ThreadRecorder.begin`. */
  encodeCall(call: InventoryCall): { opCode: number; args: number[] };
  /** Encodes a result as words for `ThreadRecorder.end`. */
  encodeResult(name: InventoryOperation['name'], result: unknown): number[];
}

const STATUS_OK = 1;
const STATUS_INSUFFICIENT = 2;
const STATUS_SETTLED = 3;
const STATUS_ERROR = 4;
const STATUS_TIMED_OUT = 5;
const STATUS_BITS = 8;
const MAX_DETAIL = 2 ** (31 - STATUS_BITS) - 1;
const ERROR_NAMES = ['Error', 'TypeError', 'RangeError'];
const MAX_LOGGED_LINES = 2;

/** Creates the codec for an inventory whose SKUs are `skus`, in the order of their indexes. */
export function inventoryCodec(skus: readonly string[]): InventoryCodec {
  if (!Array.isArray(skus) || !skus.every((sku) => typeof sku === 'string')) {
    throw new TypeError(`skus must be an array of SKU strings; received ${describeValue(skus)}`);
  }
  const indexes = new Map(skus.map((sku, index) => [sku, index]));
  const skuIndex = (sku: string): number => {
    const index = indexes.get(sku);
    if (index === undefined) {
      throw new RangeError(`sku ${describeValue(sku)} is not in the codec's SKU list`);
    }
    return index;
  };
  const skuName = (index: number): string => skus[index] ?? `#${index}`;
  return {
    encodeCall: (call) => encodeCall(call, skuIndex),
    encodeResult,
    decode: (entry) => decodeEntry(entry, skuName),
  };
}

function encodeCall(
  call: InventoryCall,
  skuIndex: (sku: string) => number,
): { opCode: number; args: number[] } {
  const opCode = INVENTORY_OP_CODES[call?.name] as number | undefined;
  if (opCode === undefined) {
    throw new TypeError(
      `call.name must be an inventory operation; received ${describeValue(call?.name)}`,
    );
  }
  switch (call.name) {
    case 'purchase':
    case 'restock':
    case 'acceptReturn':
    case 'writeOff':
      return { opCode, args: [skuIndex(call.args.sku), call.args.quantity] };
    case 'stock':
      return { opCode, args: [skuIndex(call.args.sku)] };
    case 'commit':
    case 'release':
      return { opCode, args: [int32Id(call.args.hold)] };
    default: {
      const lines = call.args.lines;
      if (lines.length > MAX_LOGGED_LINES) {
        throw new RangeError(
          `call.args.lines of a logged ${call.name} may have at most ${MAX_LOGGED_LINES} ` +
            `lines; received ${lines.length}`,
        );
      }
      return { opCode, args: lines.flatMap((line) => [skuIndex(line.sku), line.quantity]) };
    }
  }
}

function int32Id(id: unknown): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || Math.abs(id) > MAX_UNITS) {
    throw new RangeError(`a logged hold id must be an int32 number; received ${describeValue(id)}`);
  }
  return id;
}

function withDetail(status: number, detail: unknown): number {
  if (!Number.isInteger(detail) || (detail as number) < 0 || (detail as number) > MAX_DETAIL) {
    throw new RangeError(
      `a logged line index or removed count must be an integer from 0 to ${MAX_DETAIL}; ` +
        `received ${describeValue(detail)}`,
    );
  }
  return status | ((detail as number) << STATUS_BITS);
}

function encodeResult(name: InventoryOperation['name'], result: unknown): number[] {
  const r = (result ?? {}) as Record<string, unknown>;
  if (typeof r.error === 'string') return [STATUS_ERROR, Math.max(0, ERROR_NAMES.indexOf(r.error))];
  if (isTimedOut(r)) return [STATUS_TIMED_OUT, 0];
  switch (name) {
    case 'purchase':
      return r.ok === true
        ? [STATUS_OK, r.remaining as number]
        : [STATUS_INSUFFICIENT, r.available as number];
    case 'restock':
    case 'acceptReturn':
    case 'stock':
      return [STATUS_OK, r.stock as number];
    case 'writeOff':
      return [withDetail(STATUS_OK, r.removed), r.remaining as number];
    case 'commit':
    case 'release':
      return r.ok === true ? [STATUS_OK, 0] : [STATUS_SETTLED, 0];
    default:
      if (r.ok === true) return [STATUS_OK, name === 'hold' ? int32Id(r.hold) : 0];
      return [withDetail(STATUS_INSUFFICIENT, r.line), r.available as number];
  }
}

function decodeEntry(entry: LogEntry, skuName: (index: number) => string): InventoryOperation {
  const name = OP_NAMES.get(entry.opCode);
  if (name === undefined) {
    throw new TypeError(
      `invalid op code ${entry.opCode} in a history log entry; see INVENTORY_OP_CODES`,
    );
  }
  const args = decodeArgs(name, entry.args, skuName);
  const result = entry.result === undefined ? undefined : decodeResult(name, args, entry.result);
  const { thread, call, ret } = entry;
  return { thread, call, ret, name, args, result } as InventoryOperation;
}

function decodeArgs(
  name: InventoryOperation['name'],
  words: readonly number[],
  skuName: (index: number) => string,
): InventoryOperation['args'] {
  switch (name) {
    case 'stock':
      return { sku: skuName(words[0] as number) };
    case 'commit':
    case 'release':
      return { hold: words[0] as number };
    case 'order':
    case 'hold': {
      const lines: OrderLine[] = [];
      for (let i = 0; i + 1 < words.length; i += 2) {
        lines.push({ sku: skuName(words[i] as number), quantity: words[i + 1] as number });
      }
      return { lines };
    }
    default:
      return { sku: skuName(words[0] as number), quantity: words[1] as number };
  }
}

function decodeResult(
  name: InventoryOperation['name'],
  args: InventoryOperation['args'],
  words: readonly number[],
): unknown {
  const head = words[0] ?? 0;
  const value = words[1] ?? 0;
  const status = head & ((1 << STATUS_BITS) - 1);
  const detail = head >>> STATUS_BITS;
  if (status === STATUS_ERROR) return { error: ERROR_NAMES[value] ?? 'Error' };
  if (status === STATUS_TIMED_OUT) return { ok: false, reason: 'timed-out' };
  switch (name) {
    case 'purchase':
      return status === STATUS_OK
        ? { ok: true, remaining: value }
        : { ok: false, reason: 'insufficient-stock', available: value };
    case 'restock':
    case 'acceptReturn':
      return { ok: true, stock: value };
    case 'stock':
      return { stock: value };
    case 'writeOff':
      return { ok: true, removed: detail, remaining: value };
    case 'commit':
    case 'release':
      return status === STATUS_OK ? { ok: true } : { ok: false, reason: 'already-settled' };
    default: {
      if (status === STATUS_OK) return name === 'hold' ? { ok: true, hold: value } : { ok: true };
      const lines = (args as LinesArgs).lines;
      const sku = lines[detail]?.sku as string;
      const requested = lines
        .filter((line) => line.sku === sku)
        .reduce((sum, line) => sum + line.quantity, 0);
      return {
        ok: false,
        reason: 'insufficient-stock',
        line: detail,
        sku,
        requested,
        available: value,
      };
    }
  }
}
