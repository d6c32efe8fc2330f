import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultDataDir,
  listMonthFiles,
  parseMonthList,
  ReplayDataError,
  type ReplayEvent,
  ReplayReader,
  type ReplayStats,
  resolveMonthFiles,
} from '../src/replay/reader.js';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

/**
 * One month of made-up rows covering every rule. The comment on each entry is its line number
 * in the file, where the header is line 1. Entry 13 spans lines 14 and 15.
 */
const MIXED_ROWS = [
  '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,,United Kingdom', // 2
  '536365,71053,"DECOUPAGE,GREETING CARD,",6,2010-12-01 08:26:00,3.39,,United Kingdom', // 3
  '536365,85123a,"SIGN ""HOME"", SWEET",2,2010-12-01 08:26:00,2.55,,United Kingdom', // 4
  '536365,POST,POSTAGE,1,2010-12-01 08:26:00,18.00,,France', // 5
  'C536366,22633,HAND WARMER UNION JACK,-2,2010-12-01 08:28:00,1.85,,United Kingdom', // 6
  'C536366,D,Discount,-1,2010-12-01 08:28:00,27.50,,United Kingdom', // 7
  '536367,84879,,-10,2010-12-01 08:34:00,0.0,,United Kingdom', // 8
  "536368,22745,POPPY'S PLAYHOUSE BEDROOM,3,2010-12-01 08:34:00,2.10,,United Kingdom", // 9
  '536368,22748,damaged,-4,2010-12-01 08:34:00,0.0,,United Kingdom', // 10
  "536368,22745,POPPY'S PLAYHOUSE BEDROOM,1,2010-12-01 08:34:00,2.10,,United Kingdom", // 11
  '536369,21756,BATH BUILDING BLOCK WORD,abc,2010-12-01 08:35:00,5.95,,United Kingdom', // 12
  '536369,21754,HOME BUILDING BLOCK WORD,3,2010-12-01 08:35:00,5.95,,United Kingdom', // 13
  '536370,22728,"ALARM CLOCK\nBAKELIKE PINK",24,2010-12-01 08:45:00,3.75,,France', // 14-15
  '536370,22727,ALARM CLOCK BAKELIKE RED,24,2010-12-01 08:45:00,0,,France', // 16
  '536371,22086,PAPER CHAIN KIT,1.5,2010-12-01 09:00:00,2.55,,United Kingdom', // 17
  '536371,22086,PAPER CHAIN KIT,80,2010-13-01 09:00:00,2.55,,United Kingdom', // 18
  '536371,22086,PAPER CHAIN KIT,80,2010-12-01 09:00:00,cheap,,United Kingdom', // 19
  '536371,,PAPER CHAIN KIT,80,2010-12-01 09:00:00,2.55,,United Kingdom', // 20
  '536371,22086,PAPER CHAIN KIT,80', // 21
  'A563185,B,Adjust bad debt,1,2011-08-12 14:50:00,11062.06,,United Kingdom', // 22
  '536372,gift_0001_20,Dotcomgiftshop Gift Voucher £20.00,1,2010-12-01 09:05:00,17.02,,United Kingdom', // 23
  '536373,22086,PAPER CHAIN KIT,0,2010-12-01 09:06:00,2.55,,United Kingdom', // 24
  '536374,22086,PAPER CHAIN KIT,-3,2010-12-01 09:07:00,2.55,,United Kingdom', // 25
  'C536375,22086,PAPER CHAIN KIT,5,2010-12-01 09:08:00,2.55,,United Kingdom', // 26
  '536365,22111,SCOTTIE DOG HOT WATER BOTTLE,3,2010-12-01 09:10:00,4.95,,United Kingdom', // 27
  '', // 28, a blank line: ignored
  '536376,22086,PAPER CHAIN KIT,80,2010-12-31 23:59:59,2.55,,United Kingdom', // 29
];

const NEXT_MONTH_ROWS = [
  '539993,22386,JUMBO BAG PINK POLKADOT,10,2011-01-04 10:00:00,1.95,,United Kingdom',
  '539993,21499,BLUE POLKADOT WRAP,25,2011-01-04 10:00:00,0.42,,United Kingdom',
];

let dir: string;
let mixedFile: string;
let nextMonthFile: string;

function writeGzip(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, gzipSync(text));
  return path;
}

function csvText(rows: readonly string[]): string {
  return `${[HEADER, ...rows].join('\n')}\n`;
}

async function readAll(
  files: string[],
  options?: ConstructorParameters<typeof ReplayReader>[1],
): Promise<{ events: ReplayEvent[]; stats: ReplayStats }> {
  const reader = new ReplayReader(files, options);
  const events: ReplayEvent[] = [];
  for await (const event of reader) {
    events.push(event);
  }
  return { events, stats: reader.stats };
}

function sumValues(record: Record<string, number>): number {
  return Object.values(record).reduce((total, value) => total + value, 0);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stockroom-reader-'));
  mixedFile = writeGzip('online_retail_2010-12.csv.gz', csvText(MIXED_ROWS));
  nextMonthFile = writeGzip('online_retail_2011-01.csv.gz', csvText(NEXT_MONTH_ROWS));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('ReplayReader events', () => {
  it('yields one event per invoice and kind in file order', async () => {
    const { events } = await readAll([mixedFile]);
    const summary = events.map((event) => `${event.kind} ${event.invoice} @${event.line}`);
    expect(summary).toEqual([
      'order 536365 @2',
      'return C536366 @6',
      'write-off 536367 @8',
      'order 536368 @9',
      'write-off 536368 @10',
      'order 536369 @13',
      'order 536370 @14',
      'order 536365 @27',
      'order 536376 @29',
    ]);
  });

  it('keeps quoted commas and folds SKU case', async () => {
    const { events } = await readAll([mixedFile]);
    expect(events[0]?.lines).toEqual([
      { sku: '85123A', quantity: 6 },
      { sku: '71053', quantity: 6 },
      { sku: '85123A', quantity: 2 },
    ]);
  });

  it('makes return and write-off quantities positive', async () => {
    const { events } = await readAll([mixedFile]);
    expect(events[1]?.lines).toEqual([{ sku: '22633', quantity: 2 }]);
    expect(events[2]?.lines).toEqual([{ sku: '84879', quantity: 10 }]);
  });

  it('splits a mixed invoice into order and write-off', async () => {
    const { events } = await readAll([mixedFile]);
    const mixed = events.filter((event) => event.invoice === '536368');
    expect(mixed.map((event) => event.kind)).toEqual(['order', 'write-off']);
    expect(mixed[0]?.lines).toEqual([
      { sku: '22745', quantity: 3 },
      { sku: '22745', quantity: 1 },
    ]);
    expect(mixed[1]?.lines).toEqual([{ sku: '22748', quantity: 4 }]);
  });

  it('carries date, file and first line', async () => {
    const { events } = await readAll([mixedFile]);
    const last = events.at(-1);
    expect(last?.date).toBe('2010-12-31 23:59:59');
    expect(last?.file).toBe(mixedFile);
    expect(last?.line).toBe(29);
  });

  it('reads plain CSV when the name has no .gz', async () => {
    const path = join(dir, 'online_retail_2010-12.csv');
    writeFileSync(path, csvText(MIXED_ROWS));
    const plain = await readAll([path]);
    const gzipped = await readAll([mixedFile]);
    expect(plain.events.map((event) => ({ ...event, file: '' }))).toEqual(
      gzipped.events.map((event) => ({ ...event, file: '' })),
    );
  });

  it('reads files in the given order', async () => {
    const { events, stats } = await readAll([nextMonthFile, mixedFile]);
    expect(events[0]?.invoice).toBe('539993');
    expect(events[1]?.invoice).toBe('536365');
    expect(stats.filesRead).toEqual([nextMonthFile, mixedFile]);
  });
});

describe('ReplayReader stats', () => {
  it('counts events, lines and units by kind', async () => {
    const { stats } = await readAll([mixedFile]);
    expect(stats.events).toEqual({ order: 6, return: 1, 'write-off': 2 });
    expect(stats.lines).toEqual({ order: 10, return: 1, 'write-off': 2 });
    expect(stats.units).toEqual({
      order: 6 + 6 + 2 + 3 + 1 + 3 + 24 + 24 + 3 + 80,
      return: 2,
      'write-off': 14,
    });
  });

  it('counts skipped rows per StockCode', async () => {
    const { stats } = await readAll([mixedFile]);
    expect({ ...stats.skippedRows }).toEqual({ POST: 1, D: 1, B: 1, gift_0001_20: 1 });
  });

  it('reports malformed rows with file, line and reason', async () => {
    const { stats } = await readAll([mixedFile]);
    const reported = stats.malformed.map((problem) => [problem.line, problem.reason]);
    expect(reported).toEqual([
      [12, 'invalid Quantity "abc": expected an integer'],
      [17, 'invalid Quantity "1.5": expected an integer'],
      [
        18,
        'invalid InvoiceDate "2010-13-01 09:00:00": expected a real date as YYYY-MM-DD HH:MM:SS',
      ],
      [19, 'invalid UnitPrice "cheap": expected a decimal number'],
      [20, 'empty StockCode'],
      [21, 'expected 8 columns, found 4'],
      [24, 'Quantity is 0: the row moves no stock'],
      [
        25,
        'negative Quantity -3 at UnitPrice 2.55 on an ordinary invoice: neither a sale nor a write-off',
      ],
      [26, 'positive Quantity 5 on cancellation invoice C536375'],
    ]);
    expect(stats.malformedRows).toBe(9);
    expect(stats.malformed.every((problem) => problem.file === mixedFile)).toBe(true);
  });

  it('accounts for every data row once', async () => {
    const { stats } = await readAll([mixedFile]);
    const accounted =
      sumValues(stats.lines) +
      sumValues(stats.skippedRows) +
      stats.malformedRows +
      stats.droppedRows;
    expect(stats.rowsRead).toBe(MIXED_ROWS.length - 1);
    expect(accounted).toBe(stats.rowsRead);
  });

  it('counts a repeated invoice run', async () => {
    const { stats } = await readAll([mixedFile]);
    expect(stats.invoiceRuns).toBe(13);
    expect(stats.repeatedInvoiceRuns).toBe(1);
    expect(stats.repeatedInvoices).toEqual([{ invoice: '536365', file: mixedFile, line: 27 }]);
  });

  it('counts zero-price orders and folded codes', async () => {
    const { stats } = await readAll([mixedFile]);
    expect(stats.zeroPriceOrderLines).toBe(1);
    expect(stats.caseFoldedRows).toBe(1);
  });

  it('rejects a second iteration', async () => {
    const reader = new ReplayReader([nextMonthFile]);
    for await (const _event of reader) {
      // Drains the reader.
    }
    await expect(async () => {
      for await (const _event of reader) {
        // Must not start.
      }
    }).rejects.toThrow(/already been iterated/);
  });
});

describe('ReplayReader damaged files', () => {
  it('reports a truncated gzip file with its line', async () => {
    const rows = Array.from({ length: 5000 }, (_, index) => {
      const invoice = 540000 + Math.floor(index / 10);
      const sku = 20000 + (index % 977);
      const quantity = 1 + (index % 7);
      return `${invoice},${sku},ITEM ${index},${quantity},2011-01-05 10:00:00,1.25,,United Kingdom`;
    });
    const whole = gzipSync(csvText(rows));
    const path = join(dir, 'truncated.csv.gz');
    writeFileSync(path, whole.subarray(0, Math.floor(whole.length / 2)));

    const error = await readAll([path]).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ReplayDataError);
    const dataError = error as ReplayDataError;
    expect(dataError.file).toBe(path);
    expect(dataError.line).toBeGreaterThan(1);
    expect(dataError.message).toMatch(/gzip data is truncated/);
    expect(dataError.message.startsWith(`${path}:${dataError.line}: `)).toBe(true);
  });

  it('skips a truncated file when asked and reads on', async () => {
    const path = join(dir, 'cut.csv.gz');
    writeFileSync(path, gzipSync(csvText(MIXED_ROWS)).subarray(0, 200));

    const { events, stats } = await readAll([path, nextMonthFile], { onFileError: 'skip' });
    expect(stats.fileErrors).toHaveLength(1);
    expect(stats.fileErrors[0]?.file).toBe(path);
    expect(stats.fileErrors[0]?.message).toMatch(/truncated|ends before the first line/);
    expect(stats.filesRead).toEqual([nextMonthFile]);
    expect(events.at(-1)?.invoice).toBe('539993');
  });

  it('reports a file that is not gzip', async () => {
    const path = join(dir, 'plain.csv.gz');
    writeFileSync(path, csvText(NEXT_MONTH_ROWS));
    await expect(readAll([path])).rejects.toThrow(
      `${path}: not readable as gzip (incorrect header check)`,
    );
  });

  it('reports a gzip file that is not the CSV', async () => {
    const path = writeGzip(
      'picture.csv.gz',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0, 1, 2]),
    );
    await expect(readAll([path])).rejects.toThrow(`${path}:1: not an Online Retail CSV file`);
  });

  it('reports an empty gzip file', async () => {
    const path = writeGzip('empty.csv.gz', '');
    await expect(readAll([path])).rejects.toThrow(`${path}:1: file is empty`);
  });

  it('reports a missing file', async () => {
    const path = join(dir, 'absent.csv.gz');
    await expect(readAll([path])).rejects.toThrow(`${path}: cannot read the file (ENOENT`);
  });

  it('stops at an over-long line', async () => {
    const longRow = `536999,22086,${'X'.repeat(200_000)},1,2010-12-01 09:00:00,2.55,,United Kingdom`;
    const path = writeGzip('long.csv.gz', csvText([NEXT_MONTH_ROWS[0] as string, longRow]));
    const { events, stats } = await readAll([path], { onFileError: 'skip' });
    expect(events).toHaveLength(0);
    expect(stats.droppedRows).toBe(1);
    expect(stats.fileErrors).toEqual([
      {
        file: path,
        line: 3,
        message: `${path}:3: record longer than 16384 characters; reading of this file stopped`,
      },
    ]);
  });

  it('reports a broken quote with its line', async () => {
    const badQuote = '536999,22086,"PAPER "CHAIN" KIT,1,2010-12-01 09:00:00,2.55,,United Kingdom';
    const path = writeGzip('quote.csv.gz', csvText([NEXT_MONTH_ROWS[0] as string, badQuote]));
    await expect(readAll([path])).rejects.toThrow(`${path}:3: invalid CSV`);
  });

  it('rejects invalid options', () => {
    expect(() => new ReplayReader('a.csv.gz' as unknown as string[])).toThrow(TypeError);
    expect(() => new ReplayReader([''])).toThrow(TypeError);
    expect(() => new ReplayReader([], { onFileError: 'ignore' as 'skip' })).toThrow(RangeError);
    expect(() => new ReplayReader([], { maxRecordSize: 0 })).toThrow(RangeError);
  });
});

describe('month files', () => {
  let monthDir: string;

  beforeAll(() => {
    // Two month files, given out of order, and an uncompressed file the listing must ignore.
    monthDir = join(dir, 'months');
    mkdirSync(monthDir);
    for (const month of ['2011-01', '2010-12']) {
      writeFileSync(join(monthDir, `online_retail_${month}.csv.gz`), gzipSync(csvText([])));
    }
    writeFileSync(join(monthDir, 'online_retail_2011-02.csv'), '');
  });

  it('lists month files oldest first', () => {
    expect(listMonthFiles(monthDir).map((entry) => entry.month)).toEqual(['2010-12', '2011-01']);
  });

  it('parses a month list', () => {
    expect(parseMonthList('2010-12, 2011-01')).toEqual(['2010-12', '2011-01']);
  });

  it('rejects malformed months', () => {
    for (const text of ['2011-13', '2011-1', '201101', '', '2011-01,']) {
      expect(() => parseMonthList(text), text).toThrow(RangeError);
    }
    expect(() => parseMonthList('2011-00')).toThrow('invalid month "2011-00"');
  });

  it('resolves months in date order', () => {
    expect(resolveMonthFiles('2011-01,2010-12', monthDir)).toEqual([
      join(monthDir, 'online_retail_2010-12.csv.gz'),
      join(monthDir, 'online_retail_2011-01.csv.gz'),
    ]);
    expect(resolveMonthFiles(['2011-01'], monthDir)).toEqual([
      join(monthDir, 'online_retail_2011-01.csv.gz'),
    ]);
  });

  it('rejects unknown and repeated months', () => {
    expect(() => resolveMonthFiles('2011-02', monthDir)).toThrow(
      `no data file for month 2011-02 in ${monthDir}; available months: 2010-12, 2011-01`,
    );
    expect(() => resolveMonthFiles('2011-01,2011-01', monthDir)).toThrow('listed twice');
    expect(() => resolveMonthFiles([], monthDir)).toThrow(TypeError);
  });

  it('reports a missing data directory', () => {
    expect(() => listMonthFiles(join(dir, 'no-such-dir'))).toThrow(ReplayDataError);
  });
});

describe('defaultDataDir', () => {
  it('resolves from source and compiled paths', () => {
    const project = join(dir, 'project');
    const expected = join(project, 'data', 'online-retail');
    const fromSource = pathToFileURL(join(project, 'src', 'replay', 'reader.ts'));
    const fromDist = pathToFileURL(join(project, 'dist', 'src', 'replay', 'reader.js'));
    expect(defaultDataDir(fromSource)).toBe(expected);
    expect(defaultDataDir(fromDist)).toBe(expected);
    expect(defaultDataDir(fromDist.href)).toBe(expected);
  });

  it('rejects other locations', () => {
    expect(() => defaultDataDir(pathToFileURL(join(dir, 'lib', 'reader.js')))).toThrow(RangeError);
    expect(() => defaultDataDir('https://example.invalid/src/replay/reader.js')).toThrow(TypeError);
  });

  it('finds this checkout’s data by default', () => {
    expect(listMonthFiles(defaultDataDir())).toHaveLength(13);
  });
});

describe('real data', () => {
  it('reads 2011-02 with the row count of SOURCE.md', async () => {
    const dataDir = defaultDataDir();
    const source = readFileSync(join(dataDir, 'SOURCE.md'), 'utf8');
    const tableRow = source.split('\n').find((line) => line.startsWith('| online_retail_2011-02'));
    const cells = (tableRow ?? '').split('|').map((cell) => cell.trim());
    const expectedRows = Number(cells[2]?.replaceAll(',', ''));
    const expectedOrders = Number(cells[5]?.replaceAll(',', ''));
    const expectedSkipped = Number(cells[8]?.replaceAll(',', ''));
    expect(expectedRows).toBe(27_707);

    const [file] = resolveMonthFiles('2011-02', dataDir);
    const { stats } = await readAll([file as string]);
    expect(stats.rowsRead).toBe(expectedRows);
    expect(stats.events.order).toBe(expectedOrders);
    expect(sumValues(stats.skippedRows)).toBe(expectedSkipped);
    expect(stats.malformedRows).toBe(0);
    expect(stats.repeatedInvoices.map((ref) => [ref.invoice, ref.line])).toEqual([['542806', 466]]);
  });
});
