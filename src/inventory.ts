import { isMainThread } from 'node:worker_threads';

import { StartBarrier } from './barrier.js';
import { AtomicDiscipline } from './disciplines/atomic.js';
import { MutexDiscipline } from './disciplines/mutex.js';
import { TableView } from './disciplines/table-view.js';
import type {
  CallSettings,
  CombinedLine,
  CombinedOrderResult,
  PurchaseResult as CorePurchaseResult,
  Discipline,
  FaultPoint,
  RestockResult,
  WriteOffResult,
} from './disciplines/types.js';
import { UnsafeDiscipline } from './disciplines/unsafe.js';
import { forceUnlock, ownerOf } from './futex.js';
import { HoldTable, holdId, type SettleResult } from './holds.js';
import { applyOnce, type OutcomeCodec, RequestKind, type RequestRejection } from './idempotency.js';
import { Journal, type Repair } from './journal.js';
import {
  CACHE_LINE_BYTES,
  Counter,
  DEFAULT_HOLD_CAPACITY,
  DEFAULT_MAX_HOLD_LINES,
  DEFAULT_REQUEST_LOG_CAPACITY,
  Field,
  Header,
  type Strategy,
  tableGeometry,
} from './layout.js';
import { RequestLog } from './request-log.js';
import { holdCodec, orderCodec, purchaseCodec } from './request-outcomes.js';
import { readTable, writeTable } from './table.js';
import {
  checkLatency,
  checkMilliseconds,
  checkOptions,
  checkQuantity,
  checkSkuName,
  checkStrategy,
  show,
} from './validate.js';

export type { RequestRejection } from './idempotency.js';

/** Outcome of a purchase: the stock left, or why nothing was sold. */
export type PurchaseResult = CorePurchaseResult | RequestRejection;

export type {
  FaultPoint,
  RestockResult,
  WriteOffResult,
} from './disciplines/types.js';
export type { SettleRejection, SettleResult } from './holds.js';

/** Initial stock per SKU name: a plain object, a `Map` or `[name, quantity]` pairs. */
export type InitialStock = Record<string, number> | Iterable<readonly [string, number]>;

/** Settings fixed when a table is created and stored in its buffer. */
export interface InventoryOptions {
  /** Concurrency discipline of every thread that attaches: `atomic` (default), `mutex`, `unsafe`. */
  strategy?: Strategy;
  /** Give each SKU its own 64-byte cache line (default `true`); `false` packs records. */
  padded?: boolean;
  /** Hold slots in the table (default 1024): at most this many holds are live at once. */
  holdCapacity?: number;
  /** Most SKUs one hold can carry (default 32). */
  maxHoldLines?: number;
  /** Request ids the table remembers (default 1024; 0 turns request ids off). Each takes
   * 192 bytes. */
  requestLogCapacity?: number;
}

/** Per-call settings of the synchronous operations. */
export interface CallOptions {
  /** Milliseconds between the check and the write, standing for a database round trip.
   * Worker threads only; default 0. */
  latencyMs?: number;
  /** Longest wait for a SKU's lock under `mutex`, in milliseconds; default `Infinity`. */
  timeoutMs?: number;
  /** Called inside a `mutex` write, before and after the stock is stored: a way for tests to
   * make a thread fail at a chosen point. */
  faultHook?: (point: FaultPoint) => void;
}

/** Per-call settings of operations that can be sent more than once. */
export interface RequestOptions extends CallOptions {
  /**
   * An id (an order number, a payment id; 1 to 128 UTF-8 bytes) that makes the call apply at
   * most once: the same id sent again, from any thread, returns the first outcome. An outcome
   * that timed out is not kept, so a retry applies.
   */
  requestId?: string;
}

/** One line of an order. */
export interface OrderLine {
  sku: string;
  quantity: number;
}

/** Outcome of an order: all lines taken, or the first line whose SKU fell short. */
export type OrderResult =
  | { ok: true }
  | RequestRejection
  | {
      ok: false;
      reason: 'insufficient-stock';
      /** Index in the caller's `lines` of the first line of the SKU that fell short. When
       * several SKUs fall short, the one reported is the first in the table's SKU order. */
      line: number;
      sku: string;
      /** Units of that SKU over all lines of the order. */
      requested: number;
      available: number;
    }
  | { ok: false; reason: 'timed-out' };

/** Settings of a hold besides the per-call ones. */
export interface HoldOptions extends RequestOptions {
  /** Milliseconds after which the hold is released on its own; default never. */
  expiresInMs?: number;
}

/** Outcome of a hold: its id, or why no stock was taken. */
export type HoldResult =
  | { ok: true; id: string; expiresAt: number | null }
  | RequestRejection
  | Exclude<OrderResult, { ok: true }>
  | { ok: false; reason: 'no-free-hold-slot' };

/** Figures of one SKU at one moment. */
export interface SkuSnapshot {
  sku: string;
  stock: number;
  initial: number;
  held: number;
  sold: number;
  restocked: number;
  returned: number;
  writtenOff: number;
}

/** A broken invariant of one SKU, with the figures that show it. */
export interface InvariantViolation {
  sku: string;
  invariant: 'non-negative' | 'conservation';
  detail: string;
}

/** Longest expiry of a hold: 10 years in milliseconds. */
const MAX_HOLD_MS = 315_360_000_000;

const DEFAULT_CALL: CallSettings = { latencyMs: 0, timeoutMs: Number.POSITIVE_INFINITY };

/**
 * A stock table in one `SharedArrayBuffer`, usable from any thread. Create it once with
 * {@link Inventory.create}, send {@link Inventory.buffer} to other threads and open it there with
 * {@link Inventory.attach}: every handle on the buffer uses the discipline recorded in it.
 */
export class Inventory {
  /** The shared memory holding the whole table. */
  readonly buffer: SharedArrayBuffer;
  /** The concurrency discipline recorded in the table. */
  readonly strategy: Strategy;
  /** Whether each SKU's record has its own cache line. */
  readonly padded: boolean;
  /** A start barrier in the table's header, for releasing worker threads together. */
  readonly barrier: StartBarrier;

  readonly #view: TableView;
  readonly #discipline: Discipline;
  readonly #names: readonly string[];
  readonly #indexes: Map<string, number>;
  readonly #holds: HoldTable;
  readonly #journal: Journal;
  readonly #requests: RequestLog | null;
  readonly #orderCodec: ReturnType<typeof orderCodec>;
  readonly #holdCodec: ReturnType<typeof holdCodec>;

  private constructor(buffer: SharedArrayBuffer) {
    const info = readTable(buffer);
    this.buffer = buffer;
    this.strategy = info.strategy;
    this.padded = info.geometry.recordBytes === CACHE_LINE_BYTES;
    this.#names = Object.freeze(info.names);
    this.#indexes = new Map(info.names.map((name, index) => [name, index]));
    this.#view = new TableView(buffer, info.geometry.recordBytes);
    this.#journal = new Journal(this.#view, info.geometry);
    this.#discipline = createDiscipline(info.strategy, this.#view, this.#journal);
    this.#holds = new HoldTable(this.#view, info.geometry, this.#discipline, Header.holdCursor);
    const { requestLogOffset, requestLogCapacity } = info.geometry;
    this.#requests =
      requestLogCapacity === 0
        ? null
        : new RequestLog(buffer, requestLogOffset, requestLogCapacity);
    const indexOf = (sku: string) => this.indexOf(sku);
    this.#orderCodec = orderCodec(info.names, indexOf);
    this.#holdCodec = holdCodec(info.names, indexOf);
    this.barrier = new StartBarrier(this.#view.i32, Header.barrier);
  }

  /**
   * Creates a table holding `initialStock`. Throws `TypeError` or `RangeError`, naming the SKU
   * and the value, for an invalid or duplicate name, an invalid quantity or an unknown option.
   */
  static create(initialStock: InitialStock, options?: InventoryOptions): Inventory {
    const settings = checkOptions<InventoryOptions>('options', options, [
      'strategy',
      'padded',
      'holdCapacity',
      'maxHoldLines',
      'requestLogCapacity',
    ]);
    const strategy = checkStrategy('options.strategy', settings.strategy ?? 'atomic');
    const padded = settings.padded ?? true;
    if (typeof padded !== 'boolean') {
      throw new TypeError(`options.padded must be a boolean; received ${show(padded)}`);
    }
    const holdCapacity = checkCount(
      'options.holdCapacity',
      settings.holdCapacity ?? DEFAULT_HOLD_CAPACITY,
      0,
    );
    const maxHoldLines = checkCount(
      'options.maxHoldLines',
      settings.maxHoldLines ?? DEFAULT_MAX_HOLD_LINES,
      1,
    );
    const requestLogCapacity = checkCount(
      'options.requestLogCapacity',
      settings.requestLogCapacity ?? DEFAULT_REQUEST_LOG_CAPACITY,
      0,
    );
    const { names, stocks } = checkInitialStock(initialStock);
    checkTableSize(names, padded, holdCapacity, maxHoldLines, requestLogCapacity);
    const table = writeTable(names, stocks, {
      strategy,
      padded,
      holdCapacity,
      maxHoldLines,
      requestLogCapacity,
    });
    return new Inventory(table);
  }

  /** Opens a table created in this or another thread. Throws `InvalidTableError` for a buffer
   * that is not a complete stockroom table. */
  static attach(buffer: SharedArrayBuffer): Inventory {
    return new Inventory(buffer);
  }

  /** SKU names in record order. */
  get skus(): readonly string[] {
    return this.#names;
  }

  /** Record index of `sku`; throws `RangeError` for an unknown SKU. */
  indexOf(sku: string): number {
    const index = this.#indexes.get(sku);
    if (index !== undefined) return index;
    if (typeof sku !== 'string') {
      throw new TypeError(`sku must be a string; received ${show(sku)}`);
    }
    throw new RangeError(`unknown SKU ${show(sku)}; this table has ${this.#names.length} SKUs`);
  }

  /** Sells `quantity` units of `sku` if that many are in stock. */
  purchase(sku: string, quantity: number, options?: RequestOptions): PurchaseResult {
    const index = this.indexOf(sku);
    checkQuantity('quantity', quantity);
    const settings = resolveCallSettings(options);
    const apply = () => this.#discipline.purchase(index, quantity, settings);
    return this.#once(options, 'purchase', purchaseCodec, apply);
  }

  /**
   * Buys by record index with settings already resolved, skipping every check.
   * @internal For the engine's pool threads, whose caller validated the call already.
   */
  purchaseUnchecked(index: number, quantity: number, settings: CallSettings): CorePurchaseResult {
    return this.#discipline.purchase(index, quantity, settings);
  }

  /** Adds `quantity` units; throws `RangeError`, changing nothing, past 2^31-1 units. */
  restock(sku: string, quantity: number, options?: CallOptions): RestockResult {
    const index = this.indexOf(sku);
    checkQuantity('quantity', quantity);
    return this.#discipline.restock(index, quantity, resolveCallSettings(options));
  }

  /** Takes back `quantity` units sold earlier: a restock that is also counted as returned. */
  acceptReturn(sku: string, quantity: number, options?: CallOptions): RestockResult {
    const result = this.restock(sku, quantity, options);
    if (result.ok) this.#view.addToCounter(this.indexOf(sku), Counter.returned, quantity);
    return result;
  }

  /** Removes up to `quantity` damaged or lost units, never taking the stock below 0. */
  writeOff(sku: string, quantity: number, options?: CallOptions): WriteOffResult {
    const index = this.indexOf(sku);
    checkQuantity('quantity', quantity);
    return this.#discipline.writeOff(index, quantity, resolveCallSettings(options));
  }

  /**
   * Sells every line or none. Lines of the same SKU are added up before the check, so
   * [A x3, A x3] against 5 units of A is rejected whole.
   */
  order(lines: readonly OrderLine[], options?: RequestOptions): OrderResult {
    const combined = this.#combine(lines);
    const settings = resolveCallSettings(options);
    const apply = () => this.#orderResult(this.#discipline.order(combined, settings, 'sold'));
    return this.#once(options, 'order', this.#orderCodec, apply);
  }

  /**
   * Takes every line or none out of sale, like {@link order}, and keeps the units held until
   * {@link commitHold} sells them or {@link releaseHold} (or the expiry) returns them to stock.
   */
  hold(lines: readonly OrderLine[], options?: HoldOptions): HoldResult {
    const combined = this.#combine(lines);
    const settings = resolveCallSettings(options);
    const expiresInMs = this.#checkHold(combined, options?.expiresInMs);
    // Every check runs before a request id is claimed, so a rejected call uses up no entry.
    return this.#once(options, 'hold', this.#holdCodec, () =>
      this.#hold(combined, settings, expiresInMs),
    );
  }

  #checkHold(combined: CombinedLine[], expiresInMs: unknown): number | undefined {
    if (combined.length > this.#holds.maxLines) {
      throw new RangeError(
        `a hold can carry at most ${this.#holds.maxLines} SKUs (options.maxHoldLines of the ` +
          `table); received ${combined.length}`,
      );
    }
    if (expiresInMs === undefined) return undefined;
    checkMilliseconds('options.expiresInMs', expiresInMs, false);
    if ((expiresInMs as number) > MAX_HOLD_MS) {
      throw new RangeError(
        `options.expiresInMs must be at most ${MAX_HOLD_MS} (10 years); received ${show(expiresInMs)}`,
      );
    }
    return expiresInMs as number;
  }

  #hold(
    combined: CombinedLine[],
    settings: CallSettings,
    expiresInMs: number | undefined,
  ): Exclude<HoldResult, RequestRejection> {
    const claimed = this.#holds.claim();
    if (claimed === null) return { ok: false, reason: 'no-free-hold-slot' };

    const taken = this.#discipline.order(combined, settings, 'held');
    if (!taken.ok) {
      this.#holds.abandon(claimed.slot, claimed.generation);
      return this.#orderResult(taken) as Exclude<HoldResult, RequestRejection>;
    }
    // Whole milliseconds, because the expiry is stored as a 64-bit integer.
    const expiresAt = expiresInMs === undefined ? null : Date.now() + Math.ceil(expiresInMs);
    this.#holds.publish(claimed.slot, claimed.generation, combined, expiresAt ?? 0);
    return { ok: true, id: holdId(claimed.slot, claimed.generation), expiresAt };
  }

  /** Sells the units of hold `id`. A second settle of the same hold changes nothing and
   * returns the reason, and so does a commit after the hold expired. */
  commitHold(id: string, options?: CallOptions): SettleResult {
    return this.#holds.settle(id, 'commit', resolveCallSettings(options));
  }

  /** Returns the units of hold `id` to the stock; see {@link commitHold} for repeats. */
  releaseHold(id: string, options?: CallOptions): SettleResult {
    return this.#holds.settle(id, 'release', resolveCallSettings(options));
  }

  /** Releases every hold whose expiry has passed. Returns how many it released. */
  releaseExpiredHolds(now = Date.now()): number {
    if (typeof now !== 'number' || !Number.isFinite(now)) {
      throw new TypeError(`now must be a finite number of milliseconds; received ${show(now)}`);
    }
    return this.#holds.releaseExpired(now, resolveCallSettings(undefined));
  }

  /** Number of holds not yet committed, released or expired. */
  liveHolds(): number {
    return this.#holds.countLive();
  }

  /** Units of `sku` in stock now. */
  stock(sku: string): number {
    return Atomics.load(this.#view.i32, this.#view.stockSlot(this.indexOf(sku)) + Field.stock);
  }

  /**
   * State of `sku`'s futex mutex: whether it is held, whether a waiter may be asleep on it, and
   * the holder's `threadId + 1` (0 when free). Only the `mutex` strategy takes these locks.
   */
  lockState(sku: string): { locked: boolean; waiters: boolean; owner: number } {
    const value = Atomics.load(
      this.#view.i32,
      this.#view.stockSlot(this.indexOf(sku)) + Field.lock,
    );
    return { locked: value !== 0, waiters: (value & 1) !== 0, owner: ownerOf(value) };
  }

  /**
   * Repairs what thread `owner` (`threadId + 1`) left behind when it died: completes or rolls
   * back the write its journal shows in progress, then frees every SKU lock it held. Call it
   * only once that thread has exited; the engine does this for its own pool threads.
   */
  recoverThread(owner: number): Repair & { locksFreed: number; requestsReleased: number } {
    checkQuantity('owner', owner);
    const repair = this.#journal.repair(owner, true);
    let locksFreed = 0;
    for (let index = 0; index < this.#names.length; index++) {
      if (forceUnlock(this.#view.i32, this.#view.stockSlot(index) + Field.lock, owner))
        locksFreed++;
    }
    // A thread runs one operation at a time, so its claimed request, if any, is the one the
    // journal repaired. A purchase that took effect keeps its outcome; any other claim is
    // released, and a retry applies it again.
    const outcomeOf = () =>
      repair.operation === 'purchase' && repair.tookEffect && repair.stockAfter !== null
        ? [
            RequestKind.purchase,
            ...(purchaseCodec.encode({ ok: true, remaining: repair.stockAfter }) ?? []),
          ]
        : null;
    const requestsReleased = this.#requests?.recoverOwner(owner, outcomeOf) ?? 0;
    return { ...repair, locksFreed, requestsReleased };
  }

  /** Returns the stock and counters of every SKU. The SKUs are read one after another, so a
   * snapshot taken while threads sell is not one instant. At a quiet point it is exact. */
  snapshot(): SkuSnapshot[] {
    return this.#names.map((sku, index) => this.#readRecord(sku, index));
  }

  /**
   * Checks every SKU for stock below 0 and for conservation: initial + restocked = stock +
   * held + sold + writtenOff. Meaningful at a quiet point, when no thread is mid-operation.
   */
  checkInvariants(): InvariantViolation[] {
    const violations: InvariantViolation[] = [];
    for (const record of this.snapshot()) {
      const { sku, stock, initial, held, sold, restocked, writtenOff } = record;
      if (stock < 0) {
        violations.push({ sku, invariant: 'non-negative', detail: `stock is ${stock}` });
      }
      if (held < 0) {
        violations.push({ sku, invariant: 'non-negative', detail: `held is ${held}` });
      }
      const inflow = initial + restocked;
      const outflow = stock + held + sold + writtenOff;
      if (inflow !== outflow) {
        violations.push({
          sku,
          invariant: 'conservation',
          detail:
            `initial ${initial} + restocked ${restocked} = ${inflow}, but stock ${stock} + ` +
            `held ${held} + sold ${sold} + written off ${writtenOff} = ${outflow}`,
        });
      }
    }
    return violations;
  }

  /** Increments the table's shared sequence and returns the new value (unique across threads
   * until it passes 2^31-1). */
  nextSequence(): number {
    return Atomics.add(this.#view.i32, Header.sequence, 1) + 1;
  }

  #readRecord(sku: string, index: number): SkuSnapshot {
    const { i32, i64 } = this.#view;
    const slot = this.#view.stockSlot(index);
    const counter = (field: number) =>
      Number(Atomics.load(i64, this.#view.counterSlot(index, field)));
    return {
      sku,
      stock: Atomics.load(i32, slot + Field.stock),
      initial: Atomics.load(i32, slot + Field.initial),
      held: Atomics.load(i32, slot + Field.held),
      sold: counter(Counter.sold),
      restocked: counter(Counter.restocked),
      returned: counter(Counter.returned),
      writtenOff: counter(Counter.writtenOff),
    };
  }

  /** Applies `apply` once per `options.requestId`, or simply applies it without an id. */
  #once<R>(
    options: RequestOptions | undefined,
    kind: RequestKind,
    codec: OutcomeCodec<R>,
    apply: () => R,
  ): R | RequestRejection {
    const requestId = options?.requestId;
    if (requestId === undefined) return apply();
    if (this.#requests === null) return { ok: false, reason: 'request-log-full' };
    return applyOnce(this.#requests, requestId, kind, codec, apply);
  }

  #orderResult(result: CombinedOrderResult): Exclude<OrderResult, RequestRejection> {
    if (result.ok || result.reason === 'timed-out') return result;
    const { short, available } = result;
    return {
      ok: false,
      reason: 'insufficient-stock',
      line: short.firstLine,
      sku: this.#names[short.index] as string,
      requested: short.quantity,
      available,
    };
  }

  #combine(lines: readonly OrderLine[]): CombinedLine[] {
    if (!Array.isArray(lines) || lines.length === 0) {
      throw new TypeError(
        `lines must be a non-empty array of { sku, quantity }; received ${show(lines)}`,
      );
    }
    const byIndex = new Map<number, CombinedLine>();
    lines.forEach((line, position) => {
      if (line === null || typeof line !== 'object') {
        throw new TypeError(`lines[${position}] must be { sku, quantity }; received ${show(line)}`);
      }
      const index = this.indexOf(line.sku);
      const quantity = checkQuantity(`lines[${position}].quantity`, line.quantity);
      const combined = byIndex.get(index);
      if (combined === undefined) {
        byIndex.set(index, { index, quantity, firstLine: position });
      } else if (combined.quantity + quantity > 2_147_483_647) {
        throw new RangeError(`lines of SKU ${show(line.sku)} add up to more than 2147483647 units`);
      } else {
        combined.quantity += quantity;
      }
    });
    return [...byIndex.values()].sort((a, b) => a.index - b.index);
  }
}

function createDiscipline(strategy: Strategy, view: TableView, journal: Journal): Discipline {
  switch (strategy) {
    case 'atomic':
      return new AtomicDiscipline(view);
    case 'mutex':
      return new MutexDiscipline(view, journal);
    case 'unsafe':
      return new UnsafeDiscipline(view);
  }
}

/** Checks per-call options and fills in the defaults. */
export function resolveCallSettings(options: CallOptions | undefined): CallSettings {
  if (options === undefined) return DEFAULT_CALL;
  const settings = checkOptions<HoldOptions>('options', options, [
    'latencyMs',
    'timeoutMs',
    'faultHook',
    'requestId',
    'expiresInMs',
  ]);
  const faultHook = settings.faultHook;
  if (faultHook !== undefined && typeof faultHook !== 'function') {
    throw new TypeError(`options.faultHook must be a function; received ${show(faultHook)}`);
  }
  const latencyMs = checkLatency('options.latencyMs', settings.latencyMs ?? 0);
  if (latencyMs > 0 && isMainThread) {
    throw new TypeError(
      `options.latencyMs of ${latencyMs} ms would block the main thread; use it only in worker threads`,
    );
  }
  return {
    latencyMs,
    timeoutMs: checkMilliseconds(
      'options.timeoutMs',
      settings.timeoutMs ?? Number.POSITIVE_INFINITY,
      true,
    ),
    faultHook,
  };
}

/** Largest table: 1 GiB, well inside the Int32 byte counts of the header. */
const MAX_TABLE_BYTES = 2 ** 30;

function checkTableSize(
  names: Uint8Array[],
  padded: boolean,
  holdCapacity: number,
  maxHoldLines: number,
  requestLogCapacity: number,
): void {
  const nameBytesLength = names.reduce((sum, bytes) => sum + bytes.length, 0);
  const { totalBytes } = tableGeometry({
    skuCount: names.length,
    padded,
    holdCapacity,
    maxHoldLines,
    requestLogCapacity,
    requestLogBytes: requestLogCapacity > 0 ? RequestLog.bytesFor(requestLogCapacity) : 0,
    nameBytesLength,
  });
  if (totalBytes > MAX_TABLE_BYTES) {
    throw new RangeError(
      `the table would take ${totalBytes} bytes, more than the maximum of ${MAX_TABLE_BYTES}; ` +
        'lower options.holdCapacity, options.maxHoldLines or options.requestLogCapacity',
    );
  }
}

function checkCount(parameter: string, value: unknown, min: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > 1_000_000) {
    throw new RangeError(
      `${parameter} must be an integer from ${min} to 1000000; received ${show(value)}`,
    );
  }
  return value as number;
}

function checkInitialStock(initialStock: InitialStock): { names: Uint8Array[]; stocks: number[] } {
  if (initialStock === null || typeof initialStock !== 'object') {
    throw new TypeError(
      `initialStock must be an object, a Map or [sku, quantity] pairs; received ${show(initialStock)}`,
    );
  }
  const entries =
    Symbol.iterator in initialStock
      ? [...(initialStock as Iterable<readonly [string, number]>)]
      : Object.entries(initialStock);
  const seen = new Set<string>();
  const names: Uint8Array[] = [];
  const stocks: number[] = [];
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new TypeError(
        `initialStock entries must be [sku, quantity] pairs; received ${show(entry)}`,
      );
    }
    const [sku, quantity] = entry;
    names.push(checkSkuName('SKU name', sku));
    if (seen.has(sku)) throw new RangeError(`SKU ${show(sku)} appears twice in initialStock`);
    seen.add(sku);
    stocks.push(checkQuantity(`initial stock of SKU ${show(sku)}`, quantity, 0));
  }
  return { names, stocks };
}
