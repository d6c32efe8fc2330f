import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import { EngineClosedError, Inventory, StockEngine } from '../dist/src/index.js';

let engine: StockEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

describe('StockEngine', () => {
  it('loads its worker from built JavaScript in dist/workers', async () => {
    // vitest does not transform code inside piscina's threads, so the workers must be plain JS.
    const workerFile = fileURLToPath(new URL('../dist/workers/stock-worker.js', import.meta.url));
    expect(existsSync(workerFile)).toBe(true);
    const inventory = Inventory.create({ A: 3 });
    engine = new StockEngine(inventory, { threads: 2 });
    await expect(engine.purchase('A', 2)).resolves.toEqual({ ok: true, remaining: 1 });
    expect(inventory.stock('A')).toBe(1);
  });

  it('gathers calls made in one tick into one task per thread', async () => {
    const inventory = Inventory.create({ A: 1000 });
    engine = new StockEngine(inventory, { threads: 2 });
    const results = await Promise.all(Array.from({ length: 500 }, () => engine?.purchase('A', 1)));
    expect(results.every((result) => result?.ok)).toBe(true);
    expect(engine.stats).toEqual({ tasks: 2, purchases: 500 });
    expect(inventory.stock('A')).toBe(500);
    expect(inventory.checkInvariants()).toEqual([]);
  });

  it('answers a lone awaited call with a single task', async () => {
    engine = new StockEngine(Inventory.create({ A: 2 }), { threads: 2 });
    await engine.purchase('A', 1);
    await engine.purchase('A', 1);
    await expect(engine.purchase('A', 1)).resolves.toEqual({
      ok: false,
      reason: 'insufficient-stock',
      available: 0,
    });
    expect(engine.stats).toEqual({ tasks: 3, purchases: 3 });
  });

  it('splits a batch across threads and keeps the order of results', async () => {
    const inventory = Inventory.create({ A: 5, B: 100 });
    engine = new StockEngine(inventory, { threads: 2 });
    const requests = [
      ...Array.from({ length: 10 }, () => ({ sku: 'A', quantity: 1 })),
      { sku: 'B', quantity: 7 },
    ];
    const results = await engine.purchaseBatch(requests);
    expect(results).toHaveLength(11);
    expect(results.filter((result) => result.ok)).toHaveLength(6);
    expect(results[10]).toEqual({ ok: true, remaining: 93 });
    expect(engine.stats.tasks).toBe(2);
    expect(inventory.stock('A')).toBe(0);
  });

  it('rejects bad input before any thread runs', async () => {
    const inventory = Inventory.create({ A: 5 });
    engine = new StockEngine(inventory, { threads: 1 });
    await expect(engine.purchase('Z', 1)).rejects.toThrow(/unknown SKU "Z"/);
    await expect(engine.purchase('A', 0)).rejects.toThrow(RangeError);
    await expect(engine.purchaseBatch([{ sku: 'A', quantity: 1.5 }])).rejects.toThrow(
      /requests\[0\]\.quantity/,
    );
    expect(engine.stats.tasks).toBe(0);
    expect(inventory.stock('A')).toBe(5);
    expect(() => new StockEngine(inventory, { threads: 0 })).toThrow(/options.threads/);
  });

  it('finishes calls in flight on close, then rejects new ones', async () => {
    const inventory = Inventory.create({ A: 5 });
    const closing = new StockEngine(inventory, { threads: 1 });
    const pending = closing.purchase('A', 1);
    await closing.close();
    await expect(pending).resolves.toEqual({ ok: true, remaining: 4 });
    await expect(closing.purchase('A', 1)).rejects.toThrow(EngineClosedError);
  });

  it('passes the latency window to the workers', async () => {
    const inventory = Inventory.create({ A: 5 });
    engine = new StockEngine(inventory, { threads: 1 });
    await expect(engine.purchase('A', 1, { latencyMs: 2 })).resolves.toEqual({
      ok: true,
      remaining: 4,
    });
    await expect(engine.purchase('A', 1, { latencyMs: -2 })).rejects.toThrow(RangeError);
  });
});

describe('StockEngine arguments', () => {
  it('rejects a missing table and a bad request id before sending anything', async () => {
    expect(() => new StockEngine({} as Inventory)).toThrow(/inventory must be an Inventory/);
    const inventory = Inventory.create({ A: 5 });
    engine = new StockEngine(inventory, { threads: 1 });
    await expect(engine.purchase('A', 1, { requestId: '' })).rejects.toThrow(RangeError);
    await expect(engine.purchase('A', 1, { latencyMs: 1e12 })).rejects.toThrow(/at most 60000/);
    expect(engine.stats.tasks).toBe(0);
  });

  it('a second close waits for the first', async () => {
    const closing = new StockEngine(Inventory.create({ A: 5 }), { threads: 2 });
    const first = closing.close();
    await closing.close();
    expect(closing.liveThreads).toBe(0);
    await first;
  });
});
