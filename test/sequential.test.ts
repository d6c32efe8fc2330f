import { describe, expect, it } from 'vitest';
import {
  defaultDataDir,
  MAX_QUANTITY,
  type ReplayLine,
  ReplayReader,
  resolveMonthFiles,
} from '../src/replay/reader.js';
import {
  findConservationViolations,
  replaySequential,
  SequentialStock,
  type StockEvent,
} from '../src/replay/sequential.js';
import { scanDemand, stockFromRatio } from '../src/replay/stock-policy.js';

function lines(...pairs: [string, number][]): ReplayLine[] {
  return pairs.map(([sku, quantity]) => ({ sku, quantity }));
}

function stockOf(entries: Record<string, number>): Map<string, number> {
  return new Map(Object.entries(entries));
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

describe('SequentialStock orders', () => {
  it('combines lines of one SKU before the check', () => {
    const model = new SequentialStock(stockOf({ A: 5 }));
    const outcome = model.applyOrder(lines(['A', 3], ['A', 3]));
    expect(outcome).toEqual({
      kind: 'order',
      fulfilled: false,
      lineIndex: 0,
      sku: 'A',
      requested: 6,
      available: 5,
    });
    expect(model.skus.get('A')?.stock).toBe(5);
    expect(model.skus.get('A')?.sold).toBe(0);
  });

  it('reports the first short line', () => {
    const model = new SequentialStock(stockOf({ A: 2, B: 9, C: 5 }));
    const outcome = model.applyOrder(lines(['B', 1], ['A', 2], ['C', 9], ['A', 1]));
    expect(outcome).toMatchObject({
      fulfilled: false,
      lineIndex: 1,
      sku: 'A',
      requested: 3,
      available: 2,
    });
    expect(model.skus.get('B')?.stock).toBe(9);
    expect(model.totals.ordersRejected).toBe(1);
    expect(model.totals.linesRejected).toBe(4);
  });

  it('sells every line of a fulfilled order', () => {
    const model = new SequentialStock(stockOf({ A: 6, B: 1 }));
    expect(model.applyOrder(lines(['A', 3], ['B', 1], ['A', 3]))).toEqual({
      kind: 'order',
      fulfilled: true,
    });
    expect(model.skus.get('A')).toMatchObject({ stock: 0, sold: 6 });
    expect(model.skus.get('B')).toMatchObject({ stock: 0, sold: 1 });
    expect(model.totals).toMatchObject({ ordersFulfilled: 1, linesFulfilled: 3, unitsSold: 7 });
  });

  it('rejects an order for a SKU at 0', () => {
    const model = new SequentialStock(stockOf({ A: 0 }));
    expect(model.applyOrder(lines(['A', 1]))).toMatchObject({ fulfilled: false, available: 0 });
  });
});

describe('SequentialStock returns and write-offs', () => {
  it('restocks a return with no earlier sale', () => {
    const model = new SequentialStock(stockOf({ A: 0 }));
    expect(model.applyReturn(lines(['A', 4]))).toEqual({
      kind: 'return',
      restocked: 4,
      rejectedLines: [],
    });
    expect(model.skus.get('A')).toMatchObject({ stock: 4, restocked: 4, returned: 4 });
    expect(model.totals).toMatchObject({ returnsApplied: 1, unitsReturned: 4 });
  });

  it('rejects return lines that would pass MAX_QUANTITY', () => {
    const model = new SequentialStock(stockOf({ A: 10, B: MAX_QUANTITY - 1 }));
    const outcome = model.applyReturn(lines(['A', 5], ['B', 1], ['B', 1], ['A', 2]));
    expect(outcome).toEqual({ kind: 'return', restocked: 8, rejectedLines: [2] });
    expect(model.skus.get('A')?.stock).toBe(17);
    expect(model.skus.get('B')).toMatchObject({ stock: MAX_QUANTITY, returned: 1 });
    expect(model.totals).toMatchObject({
      returnsApplied: 1,
      returnLinesRejected: 1,
      unitsReturned: 8,
    });
  });

  it('writes off at most the stock', () => {
    const model = new SequentialStock(stockOf({ A: 5, B: 2 }));
    const outcome = model.applyWriteOff(lines(['A', 3], ['B', 4], ['A', 3]));
    expect(outcome).toEqual({ kind: 'write-off', removed: 7, removedPerLine: [3, 2, 2] });
    expect(model.skus.get('A')).toMatchObject({ stock: 0, writtenOff: 5 });
    expect(model.skus.get('B')).toMatchObject({ stock: 0, writtenOff: 2 });
    expect(model.totals).toMatchObject({ writeOffs: 1, unitsWrittenOff: 7, writeOffShortfall: 3 });
  });
});

describe('SequentialStock guards', () => {
  it('rejects unknown SKUs and bad quantities', () => {
    const model = new SequentialStock(stockOf({ A: 5 }));
    expect(() => model.applyOrder(lines(['Z', 1]))).toThrow(
      'lines[0].sku Z is not in the initial stock table',
    );
    expect(() => model.applyReturn(lines(['A', 0]))).toThrow(RangeError);
    expect(() => model.applyWriteOff(lines(['A', 1.5]))).toThrow(RangeError);
    expect(() => model.applyOrder([])).toThrow(RangeError);
    expect(() => model.apply({ kind: 'restock' as 'return', lines: lines(['A', 1]) })).toThrow(
      RangeError,
    );
    expect(model.skus.get('A')?.stock).toBe(5);
  });

  it('rejects an invalid initial table', () => {
    expect(() => new SequentialStock({} as Map<string, number>)).toThrow(TypeError);
    expect(() => new SequentialStock(stockOf({ A: -1 }))).toThrow(RangeError);
    expect(() => new SequentialStock(stockOf({ A: 0.5 }))).toThrow(RangeError);
    expect(() => new SequentialStock(stockOf({ A: MAX_QUANTITY + 1 }))).toThrow(RangeError);
  });
});

describe('replaySequential', () => {
  it('conserves stock over random events', async () => {
    const random = randomSource(20_101_201);
    const skus = ['A', 'B', 'C', 'D', 'E'];
    const pick = () => skus[Math.floor(random() * skus.length)] as string;
    const kinds = ['order', 'order', 'order', 'return', 'write-off'] as const;
    const events: StockEvent[] = Array.from({ length: 2000 }, () => ({
      kind: kinds[Math.floor(random() * kinds.length)] as StockEvent['kind'],
      lines: Array.from({ length: 1 + Math.floor(random() * 4) }, () => ({
        sku: pick(),
        quantity: 1 + Math.floor(random() * 6),
      })),
    }));
    const result = await replaySequential(events, stockOf({ A: 50, B: 10, C: 0, D: 200, E: 3 }));

    expect(findConservationViolations(result.skus)).toEqual([]);
    const { totals } = result;
    expect(totals.ordersFulfilled + totals.ordersRejected).toBe(
      events.filter((event) => event.kind === 'order').length,
    );
    expect(totals.ordersRejected).toBeGreaterThan(0);
    expect(totals.ordersFulfilled).toBeGreaterThan(0);
  });

  it('counts sold-out SKUs', async () => {
    const events: StockEvent[] = [
      { kind: 'order', lines: lines(['A', 2]) },
      { kind: 'order', lines: lines(['B', 1]) },
      { kind: 'write-off', lines: lines(['C', 9]) },
    ];
    const result = await replaySequential(events, stockOf({ A: 2, B: 3, C: 9 }));
    expect(result.skusSoldOut).toBe(1);
  });

  it('detects broken conservation', () => {
    const model = new SequentialStock(stockOf({ A: 5 }));
    model.applyOrder(lines(['A', 2]));
    const figures = model.skus.get('A');
    if (figures !== undefined) {
      figures.held = 1;
    }
    expect(findConservationViolations(model.skus)).toEqual([
      { sku: 'A', supplied: 5, accounted: 6 },
    ]);
  });

  it('replays a real month at half demand', async () => {
    const files = resolveMonthFiles('2011-02', defaultDataDir());
    const { demand, stats } = await scanDemand(files);
    const { stock } = stockFromRatio(demand, 0.5);
    const result = await replaySequential(new ReplayReader(files), stock);

    expect(findConservationViolations(result.skus)).toEqual([]);
    const { totals } = result;
    expect(totals.ordersFulfilled + totals.ordersRejected).toBe(stats.events.order);
    expect(totals.linesFulfilled + totals.linesRejected).toBe(stats.lines.order);
    expect(totals.returnsApplied).toBe(stats.events.return);
    expect(totals.unitsReturned).toBe(stats.units.return);
    expect(totals.unitsWrittenOff + totals.writeOffShortfall).toBe(stats.units['write-off']);
    expect(totals.unitsSold).toBeLessThanOrEqual(
      Math.floor(stats.units.order / 2) + totals.unitsReturned,
    );
    expect(totals.ordersRejected).toBeGreaterThan(0);
  });
});
