import { StockEngine } from './engine.js';
import { Inventory } from './inventory.js';
import type { Strategy } from './layout.js';
import type { RaceTaskResult } from './protocol.js';
import { checkLatency, checkOptions, checkQuantity, checkStrategy, show } from './validate.js';

/** Settings of a race: many buyers on one SKU, released together on real threads. */
export interface RaceOptions {
  /** Concurrency discipline under test (default `atomic`). */
  strategy?: Strategy;
  /** Worker threads, each one buyer loop (default 4). */
  threads?: number;
  /** Initial stock of the SKU (default 1000). */
  stock?: number;
  /** Purchase attempts over all threads, dealt out evenly (default 2000). */
  buyers?: number;
  /** Units per purchase (default 1). */
  quantity?: number;
  /** Milliseconds between each purchase's check and write (default 0.05). */
  latencyMs?: number;
  /** Give the SKU its own cache line (default `true`). */
  padded?: boolean;
}

/** Figures of one race. Sales are counted from the workers' own results. */
export interface RaceReport {
  strategy: Strategy;
  threads: number;
  initialStock: number;
  quantity: number;
  latencyMs: number;
  attempts: number;
  successes: number;
  rejections: number;
  timeouts: number;
  unitsSold: number;
  /** Stock in the buffer after the race. */
  finalStock: number;
  /** Sold counter in the buffer after the race (the `unsafe` path can lose its updates too). */
  soldCounter: number;
  /** Units sold beyond the initial stock. */
  oversold: number;
  /** Units sold that the stock never lost: units sold minus the drop in stock. */
  lostUpdates: number;
  /** True when stock >= 0, nothing was oversold, no update was lost and the counters agree. */
  invariantsHeld: boolean;
  /** The broken invariants, in words; empty when `invariantsHeld`. */
  violations: string[];
  wallMs: number;
  purchasesPerSecond: number;
}

const DEFAULTS = {
  strategy: 'atomic' as Strategy,
  threads: 4,
  stock: 1000,
  buyers: 2000,
  quantity: 1,
  latencyMs: 0.05,
  padded: true,
};

/**
 * Runs one race: creates a table with one SKU, starts a pool, holds every worker at the start
 * barrier until all have arrived, then lets them buy at once. Checks the invariants from the
 * buffer and the workers' tallies.
 */
export async function race(options?: RaceOptions): Promise<RaceReport> {
  const settings = checkRaceOptions(options);
  const inventory = Inventory.create([['SKU-A', settings.stock]], {
    strategy: settings.strategy,
    padded: settings.padded,
  });
  const engine = new StockEngine(inventory, { threads: settings.threads });
  try {
    const attempts = dealAttempts(settings.buyers, settings.threads);
    const { tallies, releasedAt } = await engine.runOnEveryThread((thread) => ({
      index: 0,
      quantity: settings.quantity,
      attempts: attempts[thread] as number,
      latencyMs: settings.latencyMs,
      barrierTimeoutMs: 30_000,
    }));
    // Timed from the barrier's release: thread start-up is not part of the race.
    const wallMs = performance.now() - releasedAt;
    return buildReport(settings, inventory, tallies, wallMs);
  } finally {
    await engine.close();
  }
}

function buildReport(
  settings: Required<RaceOptions>,
  inventory: Inventory,
  tallies: RaceTaskResult[],
  wallMs: number,
): RaceReport {
  const sum = (key: keyof RaceTaskResult) => tallies.reduce((total, t) => total + t[key], 0);
  const [record] = inventory.snapshot();
  const finalStock = record?.stock ?? 0;
  const soldCounter = record?.sold ?? 0;
  const unitsSold = sum('unitsSold');
  const attempts = settings.buyers;
  const oversold = Math.max(0, unitsSold - settings.stock);
  const lostUpdates = unitsSold - (settings.stock - finalStock);

  const violations: string[] = [];
  if (finalStock < 0) violations.push(`final stock ${finalStock} is below 0`);
  if (oversold > 0) violations.push(`${unitsSold} units sold from a stock of ${settings.stock}`);
  if (lostUpdates !== 0) {
    violations.push(`${lostUpdates} units sold but never taken off the stock (lost updates)`);
  }
  if (soldCounter !== unitsSold) {
    violations.push(`sold counter ${soldCounter} disagrees with ${unitsSold} units sold`);
  }
  for (const violation of inventory.checkInvariants()) violations.push(violation.detail);

  return {
    strategy: settings.strategy,
    threads: settings.threads,
    initialStock: settings.stock,
    quantity: settings.quantity,
    latencyMs: settings.latencyMs,
    attempts,
    successes: sum('successes'),
    rejections: sum('rejections'),
    timeouts: sum('timeouts'),
    unitsSold,
    finalStock,
    soldCounter,
    oversold,
    lostUpdates,
    invariantsHeld: violations.length === 0,
    violations,
    wallMs,
    purchasesPerSecond: wallMs > 0 ? (attempts / wallMs) * 1000 : 0,
  };
}

/** Splits `total` attempts over `threads` so that the counts differ by at most one. */
function dealAttempts(total: number, threads: number): number[] {
  return Array.from(
    { length: threads },
    (_, i) => Math.floor(total / threads) + (i < total % threads ? 1 : 0),
  );
}

function checkRaceOptions(options: RaceOptions | undefined): Required<RaceOptions> {
  const given = checkOptions<RaceOptions>('options', options, [
    'strategy',
    'threads',
    'stock',
    'buyers',
    'quantity',
    'latencyMs',
    'padded',
  ]);
  const settings = { ...DEFAULTS, ...withoutUndefined(given) };
  const threads = settings.threads;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new RangeError(`threads must be an integer from 1 to 64; received ${show(threads)}`);
  }
  if (typeof settings.padded !== 'boolean') {
    throw new TypeError(`padded must be a boolean; received ${show(settings.padded)}`);
  }
  return {
    strategy: checkStrategy('strategy', settings.strategy),
    threads,
    stock: checkQuantity('stock', settings.stock, 0),
    buyers: checkQuantity('buyers', settings.buyers),
    quantity: checkQuantity('quantity', settings.quantity),
    latencyMs: checkLatency('latencyMs', settings.latencyMs),
    padded: settings.padded,
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}
