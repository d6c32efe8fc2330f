import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUANTITY, ReplayDataError } from '../src/replay/reader.js';
import {
  readStockFile,
  scanDemand,
  stockFromFile,
  stockFromRatio,
} from '../src/replay/stock-policy.js';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

/** Two orders of 85123A (6 + 2 + 3 units), a return-only SKU and a write-off-only SKU. */
const DEMAND_ROWS = [
  '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,,United Kingdom',
  '536365,85123a,"HEART, WHITE",2,2010-12-01 08:26:00,2.55,,United Kingdom',
  '536365,71053,WHITE METAL LANTERN,10,2010-12-01 08:26:00,3.39,,United Kingdom',
  '536365,POST,POSTAGE,1,2010-12-01 08:26:00,18.00,,France',
  'C536366,22633,HAND WARMER UNION JACK,-2,2010-12-01 08:28:00,1.85,,United Kingdom',
  '536367,84879,,-10,2010-12-01 08:34:00,0.0,,United Kingdom',
  '536368,85123A,WHITE HANGING HEART T-LIGHT HOLDER,3,2010-12-01 08:40:00,2.55,,United Kingdom',
];

let dir: string;
let monthFile: string;

function writeText(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function stockFileError(text: string): Promise<ReplayDataError> {
  const path = writeText(`stock-${Math.random().toString(36).slice(2)}.csv`, text);
  const error = await readStockFile(path).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ReplayDataError);
  return error as ReplayDataError;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stockroom-stock-'));
  monthFile = join(dir, 'online_retail_2010-12.csv.gz');
  writeFileSync(monthFile, gzipSync(`${[HEADER, ...DEMAND_ROWS].join('\n')}\n`));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('scanDemand', () => {
  it('sums ordered units per SKU', async () => {
    const { demand } = await scanDemand([monthFile]);
    expect(demand.get('85123A')).toBe(11);
    expect(demand.get('71053')).toBe(10);
  });

  it('lists return-only and write-off-only SKUs at 0', async () => {
    const { demand } = await scanDemand([monthFile]);
    expect(demand.get('22633')).toBe(0);
    expect(demand.get('84879')).toBe(0);
    expect([...demand.keys()]).toEqual(['85123A', '71053', '22633', '84879']);
  });

  it('returns the reader stats', async () => {
    const { stats } = await scanDemand([monthFile]);
    expect(stats.rowsRead).toBe(DEMAND_ROWS.length);
    expect(stats.skippedRows.POST).toBe(1);
  });
});

describe('stockFromRatio', () => {
  const demand = new Map([
    ['A', 100],
    ['B', 7],
    ['C', 0],
  ]);

  it('floors ratio times demand', () => {
    expect([...stockFromRatio(demand, 0.5).stock]).toEqual([
      ['A', 50],
      ['B', 3],
      ['C', 0],
    ]);
  });

  it('keeps decimal ratios exact', () => {
    // 0.29 * 100 is 28.999999999999996 in binary floating point.
    expect(stockFromRatio(demand, 0.29).stock.get('A')).toBe(29);
    expect(stockFromRatio(new Map([['A', 3]]), 0.1 + 0.2).stock.get('A')).toBe(0);
    expect(stockFromRatio(new Map([['A', 10]]), 0.7).stock.get('A')).toBe(7);
  });

  it('gives ratio 0 no stock and ratio 1 the demand', () => {
    expect([...stockFromRatio(demand, 0).stock.values()]).toEqual([0, 0, 0]);
    expect([...stockFromRatio(demand, 1).stock.values()]).toEqual([100, 7, 0]);
  });

  it('caps stock at MAX_QUANTITY', () => {
    const plan = stockFromRatio(demand, 1e9);
    expect(plan.stock.get('A')).toBe(MAX_QUANTITY);
    expect(plan.stock.get('B')).toBe(MAX_QUANTITY);
    expect(plan.cappedSkus).toBe(2);
  });

  it('rejects invalid ratios', () => {
    for (const ratio of [-0.1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => stockFromRatio(demand, ratio), String(ratio)).toThrow(RangeError);
    }
    expect(() => stockFromRatio(demand, '1' as unknown as number)).toThrow(TypeError);
    expect(() => stockFromRatio(demand, -1)).toThrow(
      'ratio must be a finite number >= 0; received -1',
    );
    expect(() => stockFromRatio({} as Map<string, number>, 1)).toThrow(TypeError);
  });
});

describe('readStockFile', () => {
  it('reads rows with a header', async () => {
    const path = writeText('with-header.csv', 'sku,stock\n85123A,40\n71053,0\n');
    expect([...(await readStockFile(path))]).toEqual([
      ['85123A', 40],
      ['71053', 0],
    ]);
  });

  it('reads rows without a header', async () => {
    const path = writeText('no-header.csv', '85123A,40\r\n71053,5\r\n');
    expect([...(await readStockFile(path))]).toEqual([
      ['85123A', 40],
      ['71053', 5],
    ]);
  });

  it('trims, folds case and skips blank lines', async () => {
    const path = writeText('loose.csv', 'SKU , Stock\n\n 85123a , 12 \n"DCGS0003",2147483647\n');
    expect([...(await readStockFile(path))]).toEqual([
      ['85123A', 12],
      ['DCGS0003', MAX_QUANTITY],
    ]);
  });

  it('names file and line for bad rows', async () => {
    const cases: [string, number, string][] = [
      ['sku,stock\nA,1\nB,1,extra\n', 3, 'expected 2 columns (sku,stock), found 3'],
      ['A\n', 1, 'expected 2 columns (sku,stock), found 1'],
      ['A,1\n,4\n', 2, 'empty SKU'],
      ['A,-5\n', 1, 'stock -5 is negative; expected 0 or more units'],
      ['A,2.5\n', 1, 'stock 2.5 is not a whole number of units'],
      ['A,1e3\n', 1, 'stock 1e3 is not a whole number of units'],
      ['A,2147483648\n', 1, 'stock 2147483648 exceeds the maximum 2147483647'],
      ['A,many\n', 1, 'stock "many" is not a number'],
      ['A,\n', 1, 'stock "" is not a number'],
    ];
    for (const [text, line, reason] of cases) {
      const error = await stockFileError(text);
      expect(error.line, text).toBe(line);
      expect(error.message, text).toBe(`${error.file}:${line}: ${reason}`);
    }
  });

  it('rejects a SKU listed twice', async () => {
    const error = await stockFileError('sku,stock\n85123A,1\n71053,2\n85123a,3\n');
    expect(error.line).toBe(4);
    expect(error.message).toMatch(/:4: SKU 85123A is listed twice, first on line 2$/);
  });

  it('rejects a header after the first row', async () => {
    const error = await stockFileError('A,1\nsku,stock\n');
    expect(error.message).toMatch(/:2: stock "stock" is not a number$/);
  });

  it('reports broken CSV and missing files', async () => {
    const error = await stockFileError('A,1\n"B,2\n');
    expect(error.message).toMatch(/:\d+: invalid CSV/);
    const missing = join(dir, 'absent.csv');
    await expect(readStockFile(missing)).rejects.toThrow(
      `${missing}: cannot read the stock file (ENOENT`,
    );
    await expect(readStockFile('')).rejects.toThrow(TypeError);
  });
});

describe('stockFromFile', () => {
  it('covers every replay SKU and keeps file-only SKUs', async () => {
    const { demand } = await scanDemand([monthFile]);
    const table = new Map([
      ['85123A', 4],
      ['22633', 9],
      ['99999', 1],
    ]);
    const plan = stockFromFile(demand, table);
    expect([...plan.stock]).toEqual([
      ['85123A', 4],
      ['71053', 0],
      ['22633', 9],
      ['84879', 0],
      ['99999', 1],
    ]);
    expect(plan.missingFromFile).toBe(2);
    expect(plan.unusedFromFile).toBe(1);
  });

  it('rejects a table that is not a Map', () => {
    expect(() => stockFromFile(new Map(), [] as unknown as Map<string, number>)).toThrow(TypeError);
  });
});
