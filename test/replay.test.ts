import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

import { beforeAll, describe, expect, it } from 'vitest';

import { ReplayReader } from '../dist/src/replay/reader.js';
import { replay } from '../dist/src/replay/replay.js';
import { replaySequential } from '../dist/src/replay/sequential.js';
import { scanDemand } from '../dist/src/replay/stock-policy.js';

const MONTH = new URL('../data/online-retail/online_retail_2011-01.csv.gz', import.meta.url);
let excerpt: string;
let ampleStockFile: string;

beforeAll(async () => {
  // The first 6,000 rows of January 2011: real invoices, returns and write-offs.
  const rows = gunzipSync(readFileSync(MONTH)).toString('utf8').split('\n').slice(0, 6001);
  const dir = mkdtempSync(join(tmpdir(), 'stockroom-replay-'));
  excerpt = join(dir, 'excerpt.csv.gz');
  writeFileSync(excerpt, gzipSync(`${rows.join('\n')}\n`));
  const { demand } = await scanDemand([excerpt]);
  ampleStockFile = join(dir, 'ample.csv');
  writeFileSync(
    ampleStockFile,
    `sku,stock\n${[...demand.keys()].map((sku) => `${sku},1000000000`).join('\n')}\n`,
  );
});

describe('threaded replay', () => {
  it.each(['atomic', 'mutex'] as const)(
    '%s with ample stock ends exactly as a sequential replay',
    async (strategy) => {
      const report = await replay({
        files: [excerpt],
        strategy,
        threads: 2,
        batchSize: 8,
        stockFile: ampleStockFile,
        includeSkus: true,
      });
      const { demand } = await scanDemand([excerpt]);
      const initial = new Map([...demand.keys()].map((sku) => [sku, 1_000_000_000]));
      const sequential = await replaySequential(new ReplayReader([excerpt]), initial);

      expect(report.tally.ordersRejected).toBe(0);
      expect(report.tally.ordersFulfilled).toBe(sequential.totals.ordersFulfilled);
      expect(report.tally.unitsSold).toBe(sequential.totals.unitsSold);
      expect(report.invariantsHeld).toBe(true);
      const mismatches = (report.skuFigures ?? []).filter((record) => {
        const expected = sequential.skus.get(record.sku);
        return (
          expected === undefined ||
          expected.stock !== record.stock ||
          expected.sold !== record.sold ||
          expected.returned !== record.returned ||
          expected.writtenOff !== record.writtenOff
        );
      });
      expect(mismatches).toEqual([]);
      expect(report.skuFigures?.length).toBe(sequential.skus.size);
    },
  );

  it.each(['atomic', 'mutex'] as const)(
    '%s under scarcity keeps every invariant',
    async (strategy) => {
      const report = await replay({
        files: [excerpt],
        strategy,
        threads: 2,
        stockRatio: 0.3,
        batchSize: 8,
      });
      expect(report.tally.ordersRejected).toBeGreaterThan(0);
      expect(report.violations).toEqual([]);
      expect(report.bufferSold).toBe(report.tally.unitsSold);
      expect(report.negativeStockUnits).toBe(0);
    },
  );

  it('unsafe under scarcity breaks an invariant, measured from the buffer', async () => {
    // A latency window and small batches on 4 threads make a month's orders overlap; repeat
    // until seen.
    let broken = false;
    for (let attempt = 0; attempt < 5 && !broken; attempt++) {
      const report = await replay({
        files: [fileURLToPath(MONTH)],
        strategy: 'unsafe',
        threads: 4,
        stockRatio: 0.5,
        batchSize: 8,
        latencyMs: 2,
      });
      broken = !report.invariantsHeld;
    }
    expect(broken).toBe(true);
  });

  it('rejects bad options before reading anything', async () => {
    await expect(replay({ files: [excerpt], threads: 0 })).rejects.toThrow(/threads must be/);
    await expect(replay({ files: [excerpt], stockRatio: -1 })).rejects.toThrow(/stockRatio/);
    await expect(replay({ months: ['2012-01'] })).rejects.toThrow(/2012-01/);
    await expect(
      replay({ files: [excerpt], stockRatio: 1, stockFile: ampleStockFile }),
    ).rejects.toThrow(/not both/);
  });
});
