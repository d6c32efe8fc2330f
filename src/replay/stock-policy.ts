/**
 * Initial stock for a replay: either a fraction of each SKU's demand over the replayed months
 * (`--stock-ratio`) or a table read from a `sku,stock` CSV file (`--stock-file`).
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import {
  DEFAULT_MAX_RECORD_SIZE,
  MAX_QUANTITY,
  ReplayDataError,
  ReplayReader,
  type ReplayReaderOptions,
  type ReplayStats,
} from './reader.js';

/** Units ordered per SKU over a set of replay files, from one pass of `ReplayReader`. */
export interface DemandScan {
  /**
   * Units ordered per SKU, in order of first appearance. Every SKU of the replay has an entry,
   * so a SKU seen only in returns or write-offs is listed with demand 0.
   */
  readonly demand: ReadonlyMap<string, number>;
  /** Figures of the pass, as `ReplayReader.stats`. */
  readonly stats: ReplayStats;
}

/** An initial stock table, one entry per SKU. */
export interface StockPlan {
  /** Units per SKU: replay SKUs in order of first appearance, then SKUs only the file lists. */
  readonly stock: Map<string, number>;
  /** SKUs whose computed stock was above `MAX_QUANTITY` and was capped to it (ratio only). */
  readonly cappedSkus: number;
  /** Replay SKUs that the stock file does not list, given stock 0 (file only). */
  readonly missingFromFile: number;
  /** SKUs the stock file lists that the replay never touches, kept as given (file only). */
  readonly unusedFromFile: number;
}

/** Header row of a stock file, compared case-insensitively after trimming. */
const STOCK_FILE_HEADER = ['sku', 'stock'] as const;
const DIGITS_PATTERN = /^\d+$/;
/** System error codes such as ENOENT or EISDIR, but not Node's own `ERR_*` codes. */
const ERRNO_CODE_PATTERN = /^E[A-Z]+$/;

/**
 * Ratios whose product with a demand lies within this relative distance of an integer are
 * taken as that integer. Without it, 0.29 × 100 evaluates to 28.999999999999996 in binary
 * floating point and would floor to 28.
 */
const RATIO_TOLERANCE = 1e-9;

/**
 * Reads the replay files once and sums the units ordered per SKU. Returns and write-offs add no
 * demand but give their SKUs an entry.
 */
export async function scanDemand(
  files: readonly string[],
  options: ReplayReaderOptions = {},
): Promise<DemandScan> {
  const reader = new ReplayReader(files, options);
  const demand = new Map<string, number>();
  for await (const event of reader) {
    for (const line of event.lines) {
      const ordered = event.kind === 'order' ? line.quantity : 0;
      demand.set(line.sku, (demand.get(line.sku) ?? 0) + ordered);
    }
  }
  return { demand, stats: reader.stats };
}

/**
 * Sets each SKU's stock to floor(ratio × demand), so ratio 1 stocks exactly what the replay
 * orders and ratio 0.5 about half of it. A product within a relative 1e-9 of an integer counts
 * as that integer before flooring, which keeps decimal ratios exact (0.29 × 100 gives 29).
 * Stock above `MAX_QUANTITY` is capped to it and counted in `cappedSkus`.
 */
export function stockFromRatio(demand: ReadonlyMap<string, number>, ratio: number): StockPlan {
  checkDemand(demand);
  checkRatio(ratio);
  const stock = new Map<string, number>();
  let cappedSkus = 0;
  for (const [sku, units] of demand) {
    const scaled = scaleDemand(units, ratio);
    if (scaled > MAX_QUANTITY) {
      cappedSkus++;
    }
    stock.set(sku, Math.min(scaled, MAX_QUANTITY));
  }
  return { stock, cappedSkus, missingFromFile: 0, unusedFromFile: 0 };
}

function checkDemand(demand: ReadonlyMap<string, number>): void {
  if (!(demand instanceof Map)) {
    throw new TypeError(`demand must be a Map of SKU to units; received ${describe(demand)}`);
  }
}

function checkRatio(ratio: number): void {
  if (typeof ratio !== 'number') {
    throw new TypeError(`ratio must be a number; received ${describe(ratio)}`);
  }
  if (!Number.isFinite(ratio) || ratio < 0) {
    throw new RangeError(`ratio must be a finite number >= 0; received ${ratio}`);
  }
}

function scaleDemand(units: number, ratio: number): number {
  const exact = units * ratio;
  const nearest = Math.round(exact);
  if (Math.abs(exact - nearest) <= RATIO_TOLERANCE * Math.max(1, nearest)) {
    return nearest;
  }
  return Math.floor(exact);
}

/**
 * Reads a stock file: CSV rows `sku,stock`, with an optional `sku,stock` header as the first row.
 * Fields are trimmed, blank lines are ignored, and SKUs are folded to upper case as the replay
 * reader folds them. Throws a `ReplayDataError` naming the file and line for the first bad row:
 * a wrong column count, an empty SKU, a SKU listed twice, or a stock that is not a whole number
 * from 0 to `MAX_QUANTITY`.
 */
export async function readStockFile(path: string): Promise<Map<string, number>> {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(`path must be a non-empty file path; received ${describe(path)}`);
  }
  const table = new Map<string, number>();
  const firstLines = new Map<string, number>();
  let headerAllowed = true;
  try {
    for await (const { record, info } of openStockRecords(path)) {
      if (!(headerAllowed && isStockHeader(record))) {
        addStockRow(path, info.lines, record, table, firstLines);
      }
      headerAllowed = false;
    }
  } catch (error) {
    throw toStockFileError(path, error);
  }
  return table;
}

/** One parsed stock-file record and the line it ends on. */
interface StockRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

function openStockRecords(path: string): AsyncIterable<StockRecord> {
  const parser = parse({
    bom: true,
    info: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    max_record_size: DEFAULT_MAX_RECORD_SIZE,
  });
  // Errors reach the consumer through the parser, which the pipeline destroys with them.
  pipeline(createReadStream(path), parser, () => {});
  return parser;
}

function addStockRow(
  path: string,
  line: number,
  record: string[],
  table: Map<string, number>,
  firstLines: Map<string, number>,
): void {
  if (record.length !== 2) {
    throw new ReplayDataError(path, line, `expected 2 columns (sku,stock), found ${record.length}`);
  }
  const [skuText, stockText] = record as [string, string];
  if (skuText === '') {
    throw new ReplayDataError(path, line, 'empty SKU');
  }
  const sku = skuText.toUpperCase();
  const earlier = firstLines.get(sku);
  if (earlier !== undefined) {
    throw new ReplayDataError(path, line, `SKU ${sku} is listed twice, first on line ${earlier}`);
  }
  table.set(sku, parseStock(path, line, stockText));
  firstLines.set(sku, line);
}

function isStockHeader(record: string[]): boolean {
  return (
    record.length === STOCK_FILE_HEADER.length &&
    record.every((field, index) => field.toLowerCase() === STOCK_FILE_HEADER[index])
  );
}

function parseStock(path: string, line: number, text: string): number {
  if (DIGITS_PATTERN.test(text)) {
    const stock = Number(text);
    if (stock > MAX_QUANTITY) {
      throw new ReplayDataError(path, line, `stock ${text} exceeds the maximum ${MAX_QUANTITY}`);
    }
    return stock;
  }
  if (text.startsWith('-')) {
    throw new ReplayDataError(path, line, `stock ${text} is negative; expected 0 or more units`);
  }
  if (text !== '' && Number.isFinite(Number(text))) {
    throw new ReplayDataError(path, line, `stock ${text} is not a whole number of units`);
  }
  throw new ReplayDataError(path, line, `stock "${text}" is not a number`);
}

function toStockFileError(path: string, error: unknown): unknown {
  if (error instanceof ReplayDataError) {
    return error;
  }
  if (error instanceof CsvError) {
    const line = typeof error.lines === 'number' ? error.lines : 0;
    return new ReplayDataError(path, line, `invalid CSV (${error.message})`, { cause: error });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && ERRNO_CODE_PATTERN.test(code)) {
    const message = `cannot read the stock file (${(error as Error).message})`;
    return new ReplayDataError(path, 0, message, { cause: error });
  }
  return error;
}

/**
 * Builds the stock table from a stock file and the replay's demand scan. Every replay SKU gets
 * an entry, so the table has a slot for SKUs that appear only in returns or write-offs. A replay
 * SKU the file does not list gets stock 0. SKUs only the file lists are kept.
 */
export function stockFromFile(
  demand: ReadonlyMap<string, number>,
  table: ReadonlyMap<string, number>,
): StockPlan {
  checkDemand(demand);
  if (!(table instanceof Map)) {
    throw new TypeError(`table must be a Map of SKU to units; received ${describe(table)}`);
  }
  const stock = new Map<string, number>();
  let missingFromFile = 0;
  for (const sku of demand.keys()) {
    const units = table.get(sku);
    if (units === undefined) {
      missingFromFile++;
    }
    stock.set(sku, units ?? 0);
  }
  let unusedFromFile = 0;
  for (const [sku, units] of table) {
    if (!stock.has(sku)) {
      unusedFromFile++;
      stock.set(sku, units);
    }
  }
  return { stock, cappedSkus: 0, missingFromFile, unusedFromFile };
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (typeof value === 'object') {
    return value.constructor?.name ?? 'object';
  }
  return `${typeof value} ${String(value)}`;
}
