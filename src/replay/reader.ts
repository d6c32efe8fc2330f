/**
 * Streams the UCI Online Retail files (gzip CSV, one per month) and turns them into replay
 * events: one event per invoice and kind of movement, in file order.
 */
import { createReadStream, readdirSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { CsvError, type Parser, parse } from 'csv-parse';
import { StockroomError } from '../errors.js';

/** Column names of an Online Retail file, in file order. Line 1 of every file is this header. */
export const RETAIL_COLUMNS = [
  'InvoiceNo',
  'StockCode',
  'Description',
  'Quantity',
  'InvoiceDate',
  'UnitPrice',
  'CustomerID',
  'Country',
] as const;

/**
 * StockCodes that are not goods on a shelf, mapped to what they stand for. The reader skips
 * their rows and counts them per code in `ReplayStats.skippedRows`. The list covers every
 * non-product code in the 2010-12 to 2011-12 files. Codes such as `DCGS0003` carry product
 * descriptions ("BOXED GLASS ASHTRAY") and count as stock. The match is exact and
 * case-sensitive, so `m` is listed next to `M`.
 */
export const NON_PRODUCT_STOCK_CODES: ReadonlyMap<string, string> = new Map([
  ['POST', 'postage'],
  ['DOT', 'dotcom postage'],
  ['C2', 'carriage'],
  ['M', 'manual entry'],
  ['m', 'manual entry (lower-case spelling)'],
  ['D', 'discount'],
  ['S', 'samples'],
  ['BANK CHARGES', 'bank charges'],
  ['AMAZONFEE', 'Amazon fee'],
  ['CRUK', 'CRUK commission'],
  ['PADS', 'cushion pads given away at a price of 0 or 0.001'],
  ['B', 'bad debt adjustment, only on A-prefixed invoices'],
  ['DCGSSGIRL', 'girls party bag gift set'],
  ['DCGSSBOY', 'boys party bag gift set'],
  ['gift_0001_10', 'gift voucher, GBP 10'],
  ['gift_0001_20', 'gift voucher, GBP 20'],
  ['gift_0001_30', 'gift voucher, GBP 30'],
  ['gift_0001_40', 'gift voucher, GBP 40'],
  ['gift_0001_50', 'gift voucher, GBP 50'],
]);

/** Largest quantity one row may carry, and the largest stock a SKU may hold (2^31 - 1). */
export const MAX_QUANTITY = 2_147_483_647;

/**
 * Default cap, in characters, on one CSV record. The longest real row is 98 characters, so
 * the cap only stops a damaged file from growing one record without bound.
 */
export const DEFAULT_MAX_RECORD_SIZE = 16_384;

/** Maximum number of malformed rows and repeated invoices `ReplayStats` lists. The counts go on. */
export const MAX_REPORTED_PROBLEMS = 1000;

/** Kind of stock movement: `order` sells, `return` restocks, `write-off` removes. */
export type ReplayEventKind = 'order' | 'return' | 'write-off';

/** One line of an event. `quantity` is a positive integer of units. */
export interface ReplayLine {
  readonly sku: string;
  readonly quantity: number;
}

/**
 * One invoice's lines of one kind. An invoice that mixes sale and write-off lines yields two
 * events, in the order of their first rows.
 */
export interface ReplayEvent {
  readonly kind: ReplayEventKind;
  /** InvoiceNo as written in the file, `C` prefix included for returns. */
  readonly invoice: string;
  /** InvoiceDate of the invoice's first row, `YYYY-MM-DD HH:MM:SS`, the retailer's local time. */
  readonly date: string;
  /** Lines in file order. Lines with the same SKU stay separate. */
  readonly lines: readonly ReplayLine[];
  /** Path of the file, as given to the reader. */
  readonly file: string;
  /** 1-based line number of the event's first row. The header is line 1. */
  readonly line: number;
}

/** A row the reader could not use, with the reason. */
export interface RowProblem {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/** A file whose reading stopped early, recorded only when `onFileError` is `'skip'`. */
export interface FileProblem {
  readonly file: string;
  /** Line where reading stopped, or 0 when the file could not be opened. */
  readonly line: number;
  readonly message: string;
}

/** An invoice number that starts a second run of rows after rows of other invoices. */
export interface InvoiceRef {
  readonly invoice: string;
  readonly file: string;
  readonly line: number;
}

/** Counts per event kind. */
export type KindCounts = Record<ReplayEventKind, number>;

/**
 * Figures of one read, filled in while the events are consumed. Every data row lands in
 * exactly one of `lines`, `skippedRows`, `malformedRows` or `droppedRows`, so their sum equals
 * `rowsRead`.
 */
export interface ReplayStats {
  /** Files read to the end, in read order. */
  readonly filesRead: string[];
  /** Files whose reading stopped early (only with `onFileError: 'skip'`). */
  readonly fileErrors: FileProblem[];
  /** Data rows parsed, header and blank lines not included. */
  rowsRead: number;
  /** Runs of consecutive rows with one InvoiceNo. */
  invoiceRuns: number;
  /** Runs whose InvoiceNo had already appeared in an earlier run. Each yields its own events. */
  repeatedInvoiceRuns: number;
  /** The first `MAX_REPORTED_PROBLEMS` repeated runs. */
  readonly repeatedInvoices: InvoiceRef[];
  readonly events: KindCounts;
  readonly lines: KindCounts;
  readonly units: KindCounts;
  /** Rows skipped because of a non-product StockCode or an `A`-prefixed invoice, per StockCode. */
  readonly skippedRows: Record<string, number>;
  /** Rows that failed validation, counted in full. */
  malformedRows: number;
  /** The first `MAX_REPORTED_PROBLEMS` malformed rows. */
  readonly malformed: RowProblem[];
  /** Rows of an invoice cut off by a file error. The partial invoice yields no event. */
  droppedRows: number;
  /** Order lines with UnitPrice 0: items given away, sold like any other line. */
  zeroPriceOrderLines: number;
  /** Product rows whose StockCode had lower-case letters, folded to upper case. */
  caseFoldedRows: number;
}

/** Options of `ReplayReader`. */
export interface ReplayReaderOptions {
  /**
   * Action when a file cannot be read to the end (missing, not gzip, truncated, not the
   * Online Retail CSV, a CSV syntax error or an over-long record). `'throw'` (the default)
   * rejects the iteration with a `ReplayDataError`. `'skip'` records the problem in
   * `stats.fileErrors` and goes on with the next file. Events already yielded from that file
   * stay yielded in both cases.
   */
  onFileError?: 'throw' | 'skip';
  /** Cap, in characters, on one CSV record. A longer record stops the file. */
  maxRecordSize?: number;
}

/** A data file that cannot be used as it is. The message starts with `file:line:`. */
export class ReplayDataError extends StockroomError {
  readonly file: string;
  /** 1-based line of the problem, or 0 when it is not tied to a line. */
  readonly line: number;

  constructor(file: string, line: number, message: string, options?: ErrorOptions) {
    super('ERR_STOCKROOM_REPLAY_DATA', `${formatPlace(file, line)}: ${message}`, options);
    this.file = file;
    this.line = line;
  }
}

function formatPlace(file: string, line: number): string {
  return line > 0 ? `${file}:${line}` : file;
}

/** Creates empty figures. */
export function createReplayStats(): ReplayStats {
  return {
    filesRead: [],
    fileErrors: [],
    rowsRead: 0,
    invoiceRuns: 0,
    repeatedInvoiceRuns: 0,
    repeatedInvoices: [],
    events: { order: 0, return: 0, 'write-off': 0 },
    lines: { order: 0, return: 0, 'write-off': 0 },
    units: { order: 0, return: 0, 'write-off': 0 },
    skippedRows: Object.create(null) as Record<string, number>,
    malformedRows: 0,
    malformed: [],
    droppedRows: 0,
    zeroPriceOrderLines: 0,
    caseFoldedRows: 0,
  };
}

/** A data row that passed validation. */
interface RetailRow {
  readonly invoice: string;
  readonly stockCode: string;
  readonly quantity: number;
  readonly date: string;
  readonly price: number;
}

/** Effect of one valid row: a line of an event, a skipped row or a malformed row. */
type RowDecision =
  | { readonly action: 'line'; readonly kind: ReplayEventKind; readonly line: ReplayLine }
  | { readonly action: 'skip'; readonly code: string }
  | { readonly action: 'malformed'; readonly reason: string };

/** Lines of one kind collected from the current invoice run. */
interface EventDraft {
  readonly kind: ReplayEventKind;
  readonly line: number;
  readonly lines: ReplayLine[];
}

/** Rows of one invoice seen so far in the current file. */
interface InvoiceRun {
  readonly invoice: string;
  readonly date: string;
  readonly drafts: EventDraft[];
  rowCount: number;
}

/** Reading position inside one file. */
interface FileCursor {
  readonly file: string;
  /** Line number of the record being handled. */
  line: number;
  nextLine: number;
  headerSeen: boolean;
  run: InvoiceRun | undefined;
}

const INVOICE_PATTERN = /^[AC]?\d+$/;
const QUANTITY_PATTERN = /^-?\d{1,10}$/;
const PRICE_PATTERN = /^-?\d+(?:\.\d+)?$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const HEADER_TEXT = RETAIL_COLUMNS.join(',');
/** System error codes such as ENOENT or EISDIR, but not Node's own `ERR_*` codes. */
const ERRNO_CODE_PATTERN = /^E[A-Z]+$/;

/**
 * Reads Online Retail files and yields one `ReplayEvent` per invoice and kind, in file order.
 * The files are streamed through csv-parse, and through gunzip when the name ends in `.gz`, so
 * memory stays flat whatever their size. Rows that fail validation are counted and listed in
 * `stats` and do not throw. Problems that stop a whole file follow `onFileError`. A reader can
 * be iterated once.
 *
 * Rules, each checked against the real data:
 * - An invoice is a run of consecutive rows with the same InvoiceNo. When an InvoiceNo comes
 *   back after rows of another invoice (once in the data, 542806 in 2011-02), the new run
 *   yields its own events and counts in `stats.repeatedInvoiceRuns`.
 * - `C`-prefixed invoices are returns, with the negative quantities made positive. A positive
 *   quantity on one is reported as malformed (none in the data).
 * - On other invoices a positive quantity is an order line, even at UnitPrice 0. A negative
 *   quantity at UnitPrice 0 is a write-off line, made positive. A negative quantity at any other
 *   price, or a quantity of 0, is reported as malformed (none in the data).
 * - Rows of `A`-prefixed invoices and rows with a code in `NON_PRODUCT_STOCK_CODES` are skipped.
 * - Product StockCodes are folded to upper case, because the files spell some codes both ways
 *   (`85123A` and `85123a`) for one product.
 */
export class ReplayReader implements AsyncIterable<ReplayEvent> {
  /** Files in read order. */
  readonly files: readonly string[];
  /** Figures so far, complete once the iteration ends. */
  readonly stats: ReplayStats = createReplayStats();
  readonly #onFileError: 'throw' | 'skip';
  readonly #maxRecordSize: number;
  readonly #seenInvoices = new Set<string>();
  #started = false;
  #lastValidDate = '';

  constructor(files: readonly string[], options: ReplayReaderOptions = {}) {
    checkFiles(files);
    this.files = [...files];
    this.#onFileError = checkOnFileError(options.onFileError);
    this.#maxRecordSize = checkMaxRecordSize(options.maxRecordSize);
  }

  /** Yields the events of every file in turn. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ReplayEvent, void, undefined> {
    if (this.#started) {
      throw new Error('this ReplayReader has already been iterated; create a new one');
    }
    this.#started = true;
    for (const file of this.files) {
      yield* this.#readFile(file);
    }
  }

  async *#readFile(file: string): AsyncGenerator<ReplayEvent, void, undefined> {
    const cursor: FileCursor = { file, line: 0, nextLine: 1, headerSeen: false, run: undefined };
    try {
      for await (const record of openRecords(file, this.#maxRecordSize)) {
        const finished = this.#takeRecord(cursor, record as string[]);
        if (finished !== undefined) {
          yield* finished;
        }
      }
      if (!cursor.headerSeen) {
        throw new ReplayDataError(file, 1, `file is empty; expected the header ${HEADER_TEXT}`);
      }
      yield* this.#closeRun(cursor);
      this.stats.filesRead.push(file);
    } catch (error) {
      this.#failFile(cursor, error);
    }
  }

  /** Records a file error or rethrows it, after dropping the invoice it cut off. */
  #failFile(cursor: FileCursor, error: unknown): void {
    const dataError = toDataError(error, cursor, this.#maxRecordSize);
    if (dataError === undefined) {
      throw error;
    }
    this.stats.droppedRows += cursor.run?.rowCount ?? 0;
    cursor.run = undefined;
    if (this.#onFileError === 'throw') {
      throw dataError;
    }
    this.stats.fileErrors.push({
      file: dataError.file,
      line: dataError.line,
      message: dataError.message,
    });
  }

  /** Handles one CSV record and returns the events of the invoice it closed, if any. */
  #takeRecord(cursor: FileCursor, record: string[]): ReplayEvent[] | undefined {
    cursor.line = cursor.nextLine;
    cursor.nextLine += 1 + countNewlines(record);
    if (record.length === 1 && record[0] === '') {
      return undefined;
    }
    if (!cursor.headerSeen) {
      checkHeader(cursor, record);
      cursor.headerSeen = true;
      return undefined;
    }
    this.stats.rowsRead++;
    const row = this.#parseRow(record);
    if (typeof row === 'string') {
      this.#addMalformed(cursor, row);
      return undefined;
    }
    const finished = cursor.run?.invoice === row.invoice ? undefined : this.#startRun(cursor, row);
    const decision = decideRow(row);
    this.#applyDecision(cursor, decision);
    if (decision.action === 'line') {
      this.#countLineNotes(row, decision.kind, decision.line);
    }
    return finished;
  }

  #countLineNotes(row: RetailRow, kind: ReplayEventKind, line: ReplayLine): void {
    if (kind === 'order' && row.price === 0) {
      this.stats.zeroPriceOrderLines++;
    }
    if (line.sku !== row.stockCode) {
      this.stats.caseFoldedRows++;
    }
  }

  #parseRow(record: string[]): RetailRow | string {
    const row = parseRetailRow(record, this.#lastValidDate);
    if (typeof row !== 'string') {
      this.#lastValidDate = row.date;
    }
    return row;
  }

  /** Closes the current run and opens one for `row`'s invoice. */
  #startRun(cursor: FileCursor, row: RetailRow): ReplayEvent[] {
    const finished = this.#closeRun(cursor);
    this.stats.invoiceRuns++;
    if (this.#seenInvoices.has(row.invoice)) {
      this.stats.repeatedInvoiceRuns++;
      if (this.stats.repeatedInvoices.length < MAX_REPORTED_PROBLEMS) {
        this.stats.repeatedInvoices.push({
          invoice: row.invoice,
          file: cursor.file,
          line: cursor.line,
        });
      }
    }
    this.#seenInvoices.add(row.invoice);
    cursor.run = { invoice: row.invoice, date: row.date, drafts: [], rowCount: 0 };
    return finished;
  }

  #applyDecision(cursor: FileCursor, decision: RowDecision): void {
    if (decision.action === 'malformed') {
      this.#addMalformed(cursor, decision.reason);
      return;
    }
    if (decision.action === 'skip') {
      this.stats.skippedRows[decision.code] = (this.stats.skippedRows[decision.code] ?? 0) + 1;
      return;
    }
    this.#addLine(cursor, decision.kind, decision.line);
  }

  #addLine(cursor: FileCursor, kind: ReplayEventKind, line: ReplayLine): void {
    const run = cursor.run as InvoiceRun;
    run.rowCount++;
    let draft = run.drafts.find((candidate) => candidate.kind === kind);
    if (draft === undefined) {
      draft = { kind, line: cursor.line, lines: [] };
      run.drafts.push(draft);
    }
    draft.lines.push(line);
  }

  #addMalformed(cursor: FileCursor, reason: string): void {
    this.stats.malformedRows++;
    if (this.stats.malformed.length < MAX_REPORTED_PROBLEMS) {
      this.stats.malformed.push({ file: cursor.file, line: cursor.line, reason });
    }
  }

  /** Turns the current run into events and counts them. */
  #closeRun(cursor: FileCursor): ReplayEvent[] {
    const run = cursor.run;
    cursor.run = undefined;
    if (run === undefined) {
      return [];
    }
    const events: ReplayEvent[] = [];
    for (const draft of run.drafts) {
      events.push({
        kind: draft.kind,
        invoice: run.invoice,
        date: run.date,
        lines: draft.lines,
        file: cursor.file,
        line: draft.line,
      });
      this.#countEvent(draft);
    }
    return events;
  }

  #countEvent(draft: EventDraft): void {
    const { stats } = this;
    stats.events[draft.kind]++;
    stats.lines[draft.kind] += draft.lines.length;
    for (const line of draft.lines) {
      stats.units[draft.kind] += line.quantity;
    }
  }
}

function checkFiles(files: readonly string[]): void {
  if (!Array.isArray(files)) {
    throw new TypeError(`files must be an array of paths; received ${typeof files}`);
  }
  for (const [index, file] of files.entries()) {
    if (typeof file !== 'string' || file === '') {
      throw new TypeError(`files[${index}] must be a non-empty path; received ${String(file)}`);
    }
  }
}

function checkOnFileError(value: unknown): 'throw' | 'skip' {
  if (value === undefined) {
    return 'throw';
  }
  if (value !== 'throw' && value !== 'skip') {
    throw new RangeError(`onFileError must be 'throw' or 'skip'; received ${String(value)}`);
  }
  return value;
}

function checkMaxRecordSize(value: unknown): number {
  if (value === undefined) {
    return DEFAULT_MAX_RECORD_SIZE;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`maxRecordSize must be a positive integer; received ${String(value)}`);
  }
  return value;
}

/**
 * Opens one CSV file as a stream of records, through gunzip when the name ends in `.gz`. Errors
 * from any stage (open, gunzip, CSV) reach the consumer through the parser's iterator, and
 * ending the iteration early closes the file.
 */
function openRecords(file: string, maxRecordSize: number): Parser {
  const parser = parse({
    bom: true,
    relax_column_count: true,
    max_record_size: maxRecordSize,
  });
  // The callbacks are required by the API. Every error they could report also destroys the
  // parser, so the consumer receives it there.
  if (file.endsWith('.gz')) {
    pipeline(createReadStream(file), createGunzip(), parser, () => {});
  } else {
    pipeline(createReadStream(file), parser, () => {});
  }
  return parser;
}

/** Counts line breaks inside quoted fields, so line numbers stay physical lines. */
function countNewlines(record: string[]): number {
  let count = 0;
  for (const field of record) {
    if (field.includes('\n')) {
      count += field.split('\n').length - 1;
    }
  }
  return count;
}

function checkHeader(cursor: FileCursor, record: string[]): void {
  const text = record.join(',');
  if (text !== HEADER_TEXT) {
    const shown = text.length > 120 ? `${text.slice(0, 120)}...` : text;
    throw new ReplayDataError(
      cursor.file,
      cursor.line,
      `not an Online Retail CSV file: the header is "${shown}"; expected "${HEADER_TEXT}"`,
    );
  }
}

/** Converts a read failure into a `ReplayDataError`, or returns undefined for a program error. */
function toDataError(
  error: unknown,
  cursor: FileCursor,
  maxRecordSize: number,
): ReplayDataError | undefined {
  if (error instanceof ReplayDataError) {
    return error;
  }
  if (error instanceof CsvError) {
    return csvDataError(error, cursor, maxRecordSize);
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') {
    return undefined;
  }
  const message = (error as Error).message;
  if (code === 'Z_BUF_ERROR') {
    const reason =
      cursor.line === 0
        ? `gzip data ends before the first line (${message}); the file is empty or truncated`
        : `gzip data is truncated (${message}); reading stopped after line ${cursor.line}`;
    return new ReplayDataError(cursor.file, cursor.line, reason, { cause: error });
  }
  if (code.startsWith('Z_')) {
    const reason = `not readable as gzip (${message}); expected a gzip-compressed CSV file`;
    return new ReplayDataError(cursor.file, cursor.line, reason, { cause: error });
  }
  if (ERRNO_CODE_PATTERN.test(code)) {
    return new ReplayDataError(cursor.file, 0, `cannot read the file (${message})`, {
      cause: error,
    });
  }
  return undefined;
}

function csvDataError(error: CsvError, cursor: FileCursor, maxRecordSize: number): ReplayDataError {
  const line = typeof error.lines === 'number' ? error.lines : cursor.nextLine;
  const reason =
    error.code === 'CSV_MAX_RECORD_SIZE'
      ? `record longer than ${maxRecordSize} characters; reading of this file stopped`
      : `invalid CSV (${error.message}); reading of this file stopped`;
  return new ReplayDataError(cursor.file, line, reason, { cause: error });
}

/** Validates one data record. Returns the typed row, or the reason as a string if malformed. */
function parseRetailRow(record: string[], lastValidDate: string): RetailRow | string {
  if (record.length !== RETAIL_COLUMNS.length) {
    return `expected ${RETAIL_COLUMNS.length} columns, found ${record.length}`;
  }
  const [invoice, stockCode, , quantityText, date, priceText] = record as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!INVOICE_PATTERN.test(invoice)) {
    return `invalid InvoiceNo "${invoice}": expected digits with an optional C or A prefix`;
  }
  if (stockCode.trim() === '') {
    return 'empty StockCode';
  }
  const quantity = parseQuantity(quantityText);
  if (typeof quantity === 'string') {
    return quantity;
  }
  if (date !== lastValidDate && !isValidDate(date)) {
    return `invalid InvoiceDate "${date}": expected a real date as YYYY-MM-DD HH:MM:SS`;
  }
  if (!PRICE_PATTERN.test(priceText)) {
    return `invalid UnitPrice "${priceText}": expected a decimal number`;
  }
  return { invoice, stockCode, quantity, date, price: Number(priceText) };
}

function parseQuantity(text: string): number | string {
  if (!QUANTITY_PATTERN.test(text)) {
    return `invalid Quantity "${text}": expected an integer`;
  }
  const quantity = Number(text);
  if (Math.abs(quantity) > MAX_QUANTITY) {
    return `Quantity ${text} is out of range: at most ${MAX_QUANTITY} units either way`;
  }
  return quantity;
}

function isValidDate(text: string): boolean {
  const match = DATE_PATTERN.exec(text);
  if (match === null) {
    return false;
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  // Date.UTC rolls day 31 of a 30-day month over, so a changed day or month marks it invalid.
  const parsed = new Date(Date.UTC(year, month - 1, day));
  return parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === day;
}

/** Decides what a valid row means for stock. */
function decideRow(row: RetailRow): RowDecision {
  if (row.invoice.startsWith('A') || NON_PRODUCT_STOCK_CODES.has(row.stockCode)) {
    return { action: 'skip', code: row.stockCode };
  }
  if (row.price < 0) {
    return { action: 'malformed', reason: `negative UnitPrice ${row.price} on a product row` };
  }
  if (row.quantity === 0) {
    return { action: 'malformed', reason: 'Quantity is 0: the row moves no stock' };
  }
  const sku = row.stockCode.toUpperCase();
  if (row.invoice.startsWith('C')) {
    return decideCancellation(row, sku);
  }
  if (row.quantity > 0) {
    return { action: 'line', kind: 'order', line: { sku, quantity: row.quantity } };
  }
  if (row.price === 0) {
    return { action: 'line', kind: 'write-off', line: { sku, quantity: -row.quantity } };
  }
  return {
    action: 'malformed',
    reason: `negative Quantity ${row.quantity} at UnitPrice ${row.price} on an ordinary invoice: neither a sale nor a write-off`,
  };
}

function decideCancellation(row: RetailRow, sku: string): RowDecision {
  if (row.quantity > 0) {
    return {
      action: 'malformed',
      reason: `positive Quantity ${row.quantity} on cancellation invoice ${row.invoice}`,
    };
  }
  return { action: 'line', kind: 'return', line: { sku, quantity: -row.quantity } };
}

/** File name of one month, for example `online_retail_2011-01.csv.gz`. */
const MONTH_FILE_PATTERN = /^online_retail_(\d{4}-\d{2})\.csv\.gz$/;
const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** One month's data file. */
export interface MonthFile {
  /** `YYYY-MM`. */
  readonly month: string;
  readonly path: string;
}

/** Lists the month files (`online_retail_YYYY-MM.csv.gz`) in a data directory, oldest first. */
export function listMonthFiles(dataDir: string): MonthFile[] {
  if (typeof dataDir !== 'string' || dataDir === '') {
    throw new TypeError(`dataDir must be a non-empty path; received ${String(dataDir)}`);
  }
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch (error) {
    const message = `cannot list the data directory (${(error as Error).message})`;
    throw new ReplayDataError(dataDir, 0, message, { cause: error });
  }
  const months: MonthFile[] = [];
  for (const name of names) {
    const match = MONTH_FILE_PATTERN.exec(name);
    if (match?.[1] !== undefined) {
      months.push({ month: match[1], path: join(dataDir, name) });
    }
  }
  return months.sort((a, b) => a.month.localeCompare(b.month));
}

/**
 * Splits a month list such as `2010-12,2011-01` (the `--months` option) into `YYYY-MM`
 * strings. Spaces around commas are allowed.
 */
export function parseMonthList(text: string): string[] {
  if (typeof text !== 'string') {
    throw new TypeError(`months must be a string such as 2010-12,2011-01; received ${typeof text}`);
  }
  const months = text.split(',').map((part) => part.trim());
  for (const month of months) {
    if (!MONTH_PATTERN.test(month)) {
      throw new RangeError(
        `invalid month "${month}" in "${text}": expected YYYY-MM with MM from 01 to 12, for example 2011-01`,
      );
    }
  }
  return months;
}

/**
 * Maps months (a list or a comma-separated string) to their files in `dataDir`, oldest first
 * so a replay runs in date order. Rejects a malformed month, a month given twice, and a month
 * with no file, listing the months that do have one.
 */
export function resolveMonthFiles(months: string | readonly string[], dataDir: string): string[] {
  const requested = typeof months === 'string' ? parseMonthList(months) : checkMonthArray(months);
  const available = new Map(listMonthFiles(dataDir).map((entry) => [entry.month, entry.path]));
  const seen = new Set<string>();
  for (const month of requested) {
    if (seen.has(month)) {
      throw new RangeError(`month ${month} is listed twice; list each month once`);
    }
    seen.add(month);
    if (!available.has(month)) {
      const known = available.size === 0 ? 'none' : [...available.keys()].join(', ');
      throw new RangeError(
        `no data file for month ${month} in ${dataDir}; available months: ${known}`,
      );
    }
  }
  return [...seen].sort().map((month) => available.get(month) as string);
}

function checkMonthArray(months: readonly string[]): string[] {
  if (!Array.isArray(months) || months.length === 0) {
    throw new TypeError('months must be a non-empty array of YYYY-MM strings or a string');
  }
  return parseMonthList(months.join(','));
}

/**
 * Returns the project's `data/online-retail` directory, found from the URL of this module. The
 * module lives in `src/replay/` when run from source and in `dist/src/replay/` when compiled,
 * and the data directory sits at the project root in both cases.
 */
export function defaultDataDir(moduleUrl: string | URL = import.meta.url): string {
  const href = String(moduleUrl);
  if (!href.startsWith('file:')) {
    throw new TypeError(`moduleUrl must be a file: URL; received ${href}`);
  }
  const moduleDir = dirname(fileURLToPath(moduleUrl));
  return join(findProjectRoot(moduleDir, href), 'data', 'online-retail');
}

function findProjectRoot(moduleDir: string, href: string): string {
  const parts = moduleDir.split(sep);
  const tail = (count: number) => parts.slice(-count).join('/');
  if (tail(3) === 'dist/src/replay') {
    return resolve(moduleDir, '..', '..', '..');
  }
  if (tail(2) === 'src/replay') {
    return resolve(moduleDir, '..', '..');
  }
  throw new RangeError(
    `moduleUrl must point into src/replay/ or dist/src/replay/ of the project; received ${href}`,
  );
}
