import { StockEngine } from '../engine.js';
import { type InvariantViolation, Inventory, type SkuSnapshot } from '../inventory.js';
import type { Strategy } from '../layout.js';
import { ReplayKind, type ReplayTally } from '../protocol.js';
import { checkMilliseconds, checkOptions, checkStrategy, show } from '../validate.js';
import { addReplayTally, emptyReplayTally } from './apply.js';
import {
  defaultDataDir,
  listMonthFiles,
  type ReplayEvent,
  ReplayReader,
  type ReplayStats,
  resolveMonthFiles,
} from './reader.js';
import {
  readStockFile,
  type StockPlan,
  scanDemand,
  stockFromFile,
  stockFromRatio,
} from './stock-policy.js';

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
  /** Called after each batch completes, with the share of data rows done so far (0 to 1). */
  onProgress?: (progress: ReplayProgress) => void;
}

/** How far a replay has come. */
export interface ReplayProgress {
  rowsDone: number;
  rowsTotal: number;
  eventsDone: number;
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
 * Replays real orders across the engine's pool threads: reads the files as a stream, deals
 * consecutive invoices in batches to the threads, and checks every invariant of every SKU from
 * the buffer at the end.
 */
export async function replay(options?: ReplayOptions): Promise<ReplayReport> {
  const settings = checkReplayOptions(options);
  const scan = await scanDemand(settings.files);
  const plan = await stockPlan(scan.demand, settings);
  const inventory = Inventory.create(plan.stock, { strategy: settings.strategy, holdCapacity: 0 });
  const engine = new StockEngine(inventory, { threads: settings.threads });
  try {
    const reader = new ReplayReader(settings.files);
    const started = performance.now();
    const { tally, events } = await dispatch(reader, inventory, engine, settings, {
      rowsTotal: scan.stats.rowsRead,
      started,
    });
    const wallMs = performance.now() - started;
    return buildReport(settings, plan, inventory, reader.stats, tally, events, wallMs);
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

/** Streams events into batches, keeping at most two batches per thread in flight. */
async function dispatch(
  reader: ReplayReader,
  inventory: Inventory,
  engine: StockEngine,
  settings: Settings,
  progress: { rowsTotal: number; started: number },
): Promise<{ tally: ReplayTally; events: number }> {
  const tally = emptyReplayTally();
  const inFlight = new Set<Promise<void>>();
  let batch: number[] = [];
  let batchEvents = 0;
  let events = 0;

  const send = async () => {
    const encoded = Int32Array.from(batch);
    const count = batchEvents;
    batch = [];
    batchEvents = 0;
    const run = engine.replayBatch(encoded, settings.latencyMs).then((part) => {
      addReplayTally(tally, part);
      events += count;
      settings.onProgress?.({
        rowsDone: Math.min(reader.stats.rowsRead, progress.rowsTotal),
        rowsTotal: progress.rowsTotal,
        eventsDone: events,
        elapsedMs: performance.now() - progress.started,
      });
    });
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run)).catch(() => {});
    if (inFlight.size >= settings.threads * 2) await Promise.race(inFlight);
  };

  for await (const event of reader) {
    encodeEvent(batch, event, inventory);
    batchEvents++;
    if (batchEvents >= settings.batchSize) await send();
  }
  if (batchEvents > 0) await send();
  await Promise.all(inFlight);
  return { tally, events };
}

function encodeEvent(target: number[], event: ReplayEvent, inventory: Inventory): void {
  const kind =
    event.kind === 'order'
      ? ReplayKind.order
      : event.kind === 'return'
        ? ReplayKind.return
        : ReplayKind.writeOff;
  target.push(kind, event.lines.length);
  for (const line of event.lines) target.push(inventory.indexOf(line.sku), line.quantity);
}

function buildReport(
  settings: Settings,
  plan: StockPlan,
  inventory: Inventory,
  stats: ReplayStats,
  tally: ReplayTally,
  events: number,
  wallMs: number,
): ReplayReport {
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
  const given = checkOptions<ReplayOptions>('options', options);
  if (given.files !== undefined && given.months !== undefined) {
    throw new TypeError('give options.files or options.months, not both');
  }
  const dataDir = given.dataDir ?? defaultDataDir();
  let files: string[];
  if (given.files !== undefined) files = [...given.files];
  else if (given.months !== undefined) files = resolveMonthFiles(given.months, dataDir);
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
    latencyMs: checkMilliseconds('latencyMs', given.latencyMs ?? DEFAULTS.latencyMs, false),
    includeSkus: given.includeSkus === true,
    onProgress: given.onProgress,
  };
}
