/**
 * Suite 5: lines per second of a replay of the Online Retail files against lines per second of
 * reading and parsing the same files without the engine. The replay modules are loaded at run
 * time, so the bench builds and runs whether or not they exist yet.
 */
import { createReadStream, existsSync } from 'node:fs';
import { relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';

import type { BenchConfig } from '../config.js';
import { Measurements, median } from '../measure.js';
import type { SuiteResult } from '../model.js';
import { PROJECT_ROOT } from '../run-meta.js';

const READER_URL = new URL('../../src/replay/reader.js', import.meta.url);
/** The replay entry point this suite calls: `replay({ files, threads })`. */
export const REPLAY_URL = new URL('../../src/replay/replay.js', import.meta.url);
const DATA_DIR = fileURLToPath(new URL('../../../data/online-retail/', import.meta.url));

/** Row ids that the targets refer to. */
export const REPLAY_ROWS = {
  csv: 'gunzip-csv-parse',
  reader: 'replay-reader',
  replay: 'replay',
} as const;

/** Key in the replay row's `extra` of the lines per second of the replay phase alone. */
export const REPLAY_PHASE_KEY = 'replayPhaseLinesPerSecond';

/** The part of `src/replay/reader.ts` this suite uses. */
interface ReaderModule {
  ReplayReader: new (
    files: readonly string[],
  ) => AsyncIterable<unknown> & {
    stats: { rowsRead: number };
  };
  listMonthFiles(dataDir: string): { month: string; path: string }[];
}

/** The part of the replay entry point in `src/replay/replay.ts` that this suite uses. */
interface ReplayModule {
  replay(options: { files: readonly string[]; threads: number }): Promise<{
    rowsRead: number;
    invariantsHeld: boolean;
    violationCount: number;
    /** Time of the replay phase alone, after the demand scan and the pool start. */
    wallMs: number;
  }>;
}

export async function runReplaySuite(config: BenchConfig): Promise<SuiteResult> {
  const result: SuiteResult = {
    id: 'replay',
    title: 'Replay of the Online Retail data',
    description: '',
    rows: [],
  };
  const reader = await loadModule<ReaderModule>(READER_URL);
  if (typeof reader === 'string' || typeof reader.ReplayReader !== 'function') {
    const reason = typeof reader === 'string' ? reader : 'no ReplayReader export';
    result.skipped = `skipped: replay module not built (${reason})`;
    return result;
  }
  const files = selectFiles(reader, config.replayMonths);
  const rows = await countRows(reader, files);
  result.description =
    `One sample reads ${files.length} gzip CSV month files, ${rows.toLocaleString('en-US')} ` +
    'data lines; the rate counts data lines. The replay row times the whole `replay()` call: ' +
    'its scan of the demand, its pool start-up and the replay itself.';

  const measurements = new Measurements('replay', config.slowTiming);
  const spec = (id: string, label: string) => ({ id, label, opsPerSample: rows });
  measurements.addAsync(spec(REPLAY_ROWS.csv, 'gunzip + csv-parse, records only'), async () => {
    expectRows(await countCsvRecords(files), rows, REPLAY_ROWS.csv);
  });
  measurements.addAsync(spec(REPLAY_ROWS.reader, 'ReplayReader events, no engine'), async () => {
    expectRows(await readEvents(reader, files), rows, REPLAY_ROWS.reader);
  });
  const replayModule = await loadModule<ReplayModule>(REPLAY_URL);
  const phaseRates: number[] = [];
  if (typeof replayModule === 'string' || typeof replayModule.replay !== 'function') {
    const reason = typeof replayModule === 'string' ? replayModule : 'no replay() export';
    result.skipped = `skipped: replay module not built (${reason}); the parse-only rows were measured`;
  } else {
    const threads = config.poolThreads;
    measurements.addAsync(
      {
        ...spec(REPLAY_ROWS.replay, `replay({ files, threads: ${threads} }), whole call`),
        threads,
      },
      async () => {
        const report = await replayModule.replay({ files, threads });
        expectRows(report.rowsRead, rows, REPLAY_ROWS.replay);
        if (!report.invariantsHeld) {
          throw new Error(`the replay broke ${report.violationCount} invariants`);
        }
        phaseRates.push((report.rowsRead * 1000) / report.wallMs);
      },
    );
  }
  result.rows = await measurements.run();
  const replayRow = result.rows.find((row) => row.id === REPLAY_ROWS.replay);
  if (replayRow !== undefined && phaseRates.length > 0) {
    replayRow.extra = { [REPLAY_PHASE_KEY]: median(phaseRates) };
  }
  return result;
}

/** Imports a compiled module, or returns why it cannot be loaded. */
async function loadModule<T>(url: URL): Promise<T | string> {
  const path = relative(PROJECT_ROOT, fileURLToPath(url));
  if (!existsSync(url)) return `${path} is missing`;
  try {
    return (await import(url.href)) as T;
  } catch (error) {
    return `${path} failed to load: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function selectFiles(reader: ReaderModule, months: readonly string[]): string[] {
  const available = reader.listMonthFiles(DATA_DIR);
  const chosen =
    months.length === 0 ? available : available.filter((file) => months.includes(file.month));
  if (chosen.length === 0) {
    throw new Error(
      `no Online Retail month files for ${months.join(', ') || 'any month'} in ${DATA_DIR}`,
    );
  }
  return chosen.map((file) => file.path);
}

/** Reads the files once through `ReplayReader` and returns their data lines. */
async function countRows(reader: ReaderModule, files: readonly string[]): Promise<number> {
  const replayReader = new reader.ReplayReader(files);
  for await (const _event of replayReader) {
    // Only the figures at the end are needed.
  }
  return replayReader.stats.rowsRead;
}

async function readEvents(reader: ReaderModule, files: readonly string[]): Promise<number> {
  const replayReader = new reader.ReplayReader(files);
  let events = 0;
  for await (const _event of replayReader) events++;
  if (events === 0) throw new Error('ReplayReader yielded no events');
  return replayReader.stats.rowsRead;
}

/** Counts the CSV records of each file after its header, with no checks at all. */
async function countCsvRecords(files: readonly string[]): Promise<number> {
  let records = 0;
  for (const file of files) {
    const parser = parse({ bom: true, relax_column_count: true });
    let header = true;
    parser.on('data', () => {
      if (header) header = false;
      else records++;
    });
    await pipeline(createReadStream(file), createGunzip(), parser);
  }
  return records;
}

function expectRows(rows: number, expected: number, rowId: string): void {
  if (rows !== expected) {
    throw new Error(`${rowId}: read ${rows} data lines; expected ${expected}`);
  }
}
