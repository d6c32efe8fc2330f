import { StockEngine } from '../engine.js';
import { type InvariantViolation, Inventory, type SkuSnapshot } from '../inventory.js';
import type { Strategy } from '../layout.js';
import type { ReplayTally } from '../protocol.js';
import { checkLatency, checkOptions, checkStrategy, show } from '../validate.js';
import { addReplayTally, emptyReplayTally } from './apply.js';
import { type EncodedReplay, readAndEncode } from './encode.js';
import { defaultDataDir, listMonthFiles, resolveMonthFiles } from './reader.js';
import { readStockFile, type StockPlan, stockFromFile, stockFromRatio } from './stock-policy.js';

/** Settings of a replay. */
export interface ReplayOptions {
  /** CSV or gzip CSV files to replay, in order. Default: `months`, or the whole year. */
  files?: readonly string[];
  /** Months of the bundled data set to replay, as `YYYY-MM`. */
  months?: readonly string[];
  /** Folder of the monthly files; default: the copy shipped with stockroom. */
  dataDir?: string;
  /** Concurrency discipline (default `atomic`). */
  strategy?: Strategy;
  /** Pool threads (default 2). */
  threads?: number;
  /** Initial stock = floor(ratio × units the replay orders of each SKU) (default 1). */
  stockRatio?: number;
  /** A `sku,stock` CSV file giving the initial stock instead of `stockRatio`. */
  stockFile?: string;
  /** Events per pool task (default 512). */
  batchSize?: number;
  /** Milliseconds between each order's check and its write, in the workers (default 0). */
  latencyMs?: number;
  /** Put every SKU's final figures in the report (default `false`). */
  includeSkus?: boolean;
  /** Called as each file is read and as each batch of invoices is sold. */
  onProgress?: (progress: ReplayProgress) => void;
}

/** How far a replay has come: files read in the first phase, invoices sold in the second. */
export interface ReplayProgress {
  phase: 'reading' | 'selling';
  done: number;
  total: number;
  elapsedMs: number;
}

/** Everything a replay measured. Sales are counted by the workers and checked against the buffer. */
export interface ReplayReport {
  files: string[];
  strategy: Strategy;
  threads: number;
  batchSize: number;
  stockPolicy: { kind: 'ratio'; ratio: number } | { kind: 'file'; path: string };
  skus: number;
  initialUnits: number;
  rowsRead: number;
  skippedRows: number;
  malformedRows: number;
  /** The first malformed rows, with file and line. */
  malformed: { file: string; line: number; reason: string }[];
  events: number;
  tally: ReplayTally;
  skusSoldOut: number;
  /** Units sold according to the buffer's counters; equals `tally.unitsSold` on a safe path. */
  bufferSold: number;
  /** Units oversold: SKUs whose stock went below 0, summed. */
  negativeStockUnits: number;
  invariantsHeld: boolean;
  violationCount: number;
  /** The first broken invariants, per SKU, with their figures. */
  violations: InvariantViolation[];
  wallMs: number;
  ordersPerSecond: number;
  linesPerSecond: number;
  /** Every SKU's final figures, read from the buffer; only with `includeSkus`. */
  skuFigures?: SkuSnapshot[];
}

const DEFAULTS = { strategy: 'atomic' as Strategy, threads: 2, batchSize: 512, latencyMs: 0 };
const MAX_VIOLATIONS_SHOWN = 20;

/**
 * Replays real orders across the engine's pool threads: reads the files once as a stream,
 * sizing the initial stock and encoding the invoices as it goes, then deals consecutive
 * invoices in batches to the threads, and checks every invariant of every SKU from the buffer
 * at the end. The wall time covers the whole call, reading included.
 */
export async function replay(options?: ReplayOptions): Promise<ReplayReport> {
  const settings = checkReplayOptions(options);
  const started = performance.now();
  const encoded = await readAndEncode(settings.files, settings.batchSize, (filesDone) =>
    settings.onProgress?.({
      phase: 'reading',
      done: filesDone,
      total: settings.files.length,
      elapsedMs: performance.now() - started,
    }),
  );
  const plan = await stockPlan(encoded.demand, settings);
  const inventory = Inventory.create(plan.stock, { strategy: settings.strategy, holdCapacity: 0 });
  checkNumbering(inventory, encoded.skus);
  const engine = new StockEngine(inventory, { threads: settings.threads });
  try {
    const tally = await dispatch(encoded, engine, settings, started);
    const wallMs = performance.now() - started;
    return buildReport(settings, plan, inventory, encoded, tally, wallMs);
  } finally {
    await engine.close();
  }
}

interface Settings {
  files: string[];
  strategy: Strategy;
  threads: number;
  stockRatio: number;
  stockFile: string | undefined;
  batchSize: number;
  latencyMs: number;
  includeSkus: boolean;
  onProgress: ((progress: ReplayProgress) => void) | undefined;
}

/** Sends the batches to the pool, keeping at most two per thread in flight. */
async function dispatch(
  encoded: EncodedReplay,
  engine: StockEngine,
  settings: Settings,
  started: number,
): Promise<ReplayTally> {
  const tally = emptyReplayTally();
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  for (const batch of encoded.batches) {
    const run = engine.replayBatch(batch.events, settings.latencyMs).then((part) => {
      addReplayTally(tally, part);
      done += batch.count;
      settings.onProgress?.({
        phase: 'selling',
        done,
        total: encoded.events,
        elapsedMs: performance.now() - started,
      });
    });
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run)).catch(() => {});
    if (inFlight.size >= settings.threads * 2) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return tally;
}

/** The events number SKUs in order of first appearance, and so must the table. */
function checkNumbering(inventory: Inventory, skus: readonly string[]): void {
  skus.forEach((sku, index) => {
    if (inventory.skus[index] !== sku) {
      throw new Error(`replay table lists SKU ${index} as ${inventory.skus[index]}, not ${sku}`);
    }
  });
}

function buildReport(
  settings: Settings,
  plan: StockPlan,
  inventory: Inventory,
  encoded: EncodedReplay,
  tally: ReplayTally,
  wallMs: number,
): ReplayReport {
  const { stats, events } = encoded;
  const snapshot = inventory.snapshot();
  const violations = inventory.checkInvariants();
  const bufferSold = snapshot.reduce((sum, record) => sum + record.sold, 0);
  if (bufferSold !== tally.unitsSold) {
    violations.push({
      sku: '(all)',
      invariant: 'conservation',
      detail: `the buffer counts ${bufferSold} units sold, the workers ${tally.unitsSold}`,
    });
  }
  const seconds = wallMs / 1000;
  return {
    files: settings.files,
    strategy: settings.strategy,
    threads: settings.threads,
    batchSize: settings.batchSize,
    stockPolicy:
      settings.stockFile === undefined
        ? { kind: 'ratio', ratio: settings.stockRatio }
        : { kind: 'file', path: settings.stockFile },
    skus: inventory.skus.length,
    initialUnits: [...plan.stock.values()].reduce((sum, units) => sum + units, 0),
    rowsRead: stats.rowsRead,
    skippedRows: Object.values(stats.skippedRows).reduce((sum, count) => sum + count, 0),
    malformedRows: stats.malformedRows,
    malformed: stats.malformed.slice(0, MAX_VIOLATIONS_SHOWN).map((row) => ({ ...row })),
    events,
    tally,
    skusSoldOut: snapshot.filter((record) => record.sold > 0 && record.stock === 0).length,
    bufferSold,
    negativeStockUnits: snapshot.reduce((sum, record) => sum + Math.max(0, -record.stock), 0),
    invariantsHeld: violations.length === 0,
    violationCount: violations.length,
    violations: violations.slice(0, MAX_VIOLATIONS_SHOWN),
    wallMs,
    ordersPerSecond: (tally.ordersFulfilled + tally.ordersRejected) / seconds,
    linesPerSecond: (tally.linesFulfilled + tally.linesRejected) / seconds,
    ...(settings.includeSkus ? { skuFigures: snapshot } : {}),
  };
}

async function stockPlan(
  demand: ReadonlyMap<string, number>,
  settings: Settings,
): Promise<StockPlan> {
  if (settings.stockFile === undefined) return stockFromRatio(demand, settings.stockRatio);
  return stockFromFile(demand, await readStockFile(settings.stockFile));
}

function checkReplayOptions(options: ReplayOptions | undefined): Settings {
  const given = checkOptions<ReplayOptions>('options', options, [
    'files',
    'months',
    'dataDir',
    'strategy',
    'threads',
    'stockRatio',
    'stockFile',
    'batchSize',
    'latencyMs',
    'includeSkus',
    'onProgress',
  ]);
  if (given.files !== undefined && given.months !== undefined) {
    throw new TypeError('give options.files or options.months, not both');
  }
  const dataDir = given.dataDir ?? defaultDataDir();
  let files: string[];
  if (given.files !== undefined) {
    if (!Array.isArray(given.files)) {
      throw new TypeError(`files must be an array of paths; received ${show(given.files)}`);
    }
    files = [...given.files];
  } else if (given.months !== undefined) files = resolveMonthFiles(given.months, dataDir);
  else files = listMonthFiles(dataDir).map((month) => month.path);

  const threads = given.threads ?? DEFAULTS.threads;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new RangeError(`threads must be an integer from 1 to 64; received ${show(threads)}`);
  }
  const batchSize = given.batchSize ?? DEFAULTS.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1_000_000) {
    throw new RangeError(
      `batchSize must be an integer from 1 to 1000000; received ${show(batchSize)}`,
    );
  }
  const stockRatio = given.stockRatio ?? 1;
  if (typeof stockRatio !== 'number' || !Number.isFinite(stockRatio) || stockRatio < 0) {
    throw new RangeError(`stockRatio must be a finite number >= 0; received ${show(stockRatio)}`);
  }
  if (given.stockFile !== undefined && given.stockRatio !== undefined) {
    throw new TypeError('give stockRatio or stockFile, not both');
  }
  if (given.onProgress !== undefined && typeof given.onProgress !== 'function') {
    throw new TypeError(`onProgress must be a function; received ${show(given.onProgress)}`);
  }
  return {
    files,
    strategy: checkStrategy('strategy', given.strategy ?? DEFAULTS.strategy),
    threads,
    stockRatio,
    stockFile: given.stockFile,
    batchSize,
    latencyMs: checkLatency('latencyMs', given.latencyMs ?? DEFAULTS.latencyMs),
    includeSkus: given.includeSkus === true,
    onProgress: given.onProgress,
  };
}
