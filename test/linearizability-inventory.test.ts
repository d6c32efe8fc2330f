import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';

import { Inventory, type Strategy } from '../dist/src/index.js';
import {
  checkLinearizability,
  HistoryLog,
  inventoryCodec,
  inventoryModel,
} from '../dist/src/testing/index.js';

const THREADS = 4;
const pool = new Piscina({
  filename: new URL('./fixtures/history-inventory-worker.mjs', import.meta.url).href,
  minThreads: THREADS,
  maxThreads: THREADS,
});
afterAll(() => pool.close());

type Step = { name: 'purchase' | 'restock' | 'stock'; sku: string; quantity: number };

/** Runs one script per thread against a new table and returns the recorded history's verdict. */
async function recordAndCheck(
  strategy: Strategy,
  initial: Record<string, number>,
  scripts: Step[][],
  latencyMs: number,
) {
  const inventory = Inventory.create(initial, { strategy });
  const capacityPerThread = Math.max(...scripts.map((script) => script.length));
  const log = HistoryLog.create({ threads: scripts.length, capacityPerThread });
  const runs = scripts.map((operations, thread) =>
    pool.run({
      tableBuffer: inventory.buffer,
      logBuffer: log.buffer,
      thread,
      operations,
      latencyMs,
    }),
  );
  await inventory.barrier.release(scripts.length);
  await Promise.all(runs);
  const history = log.read(inventoryCodec(inventory.skus));
  return checkLinearizability(history, inventoryModel(new Map(Object.entries(initial))));
}

/** A deterministic mix of purchases, restocks and reads over three SKUs. */
function mixedScript(thread: number, length: number): Step[] {
  const skus = ['A', 'B', 'C'];
  return Array.from({ length }, (_, i) => {
    const sku = skus[(i + thread) % 3] as string;
    if (i % 7 === 3) return { name: 'restock', sku, quantity: 2 };
    if (i % 5 === 1) return { name: 'stock', sku, quantity: 0 };
    return { name: 'purchase', sku, quantity: 1 + ((i * 7 + thread) % 3) };
  });
}

describe.each(['atomic', 'mutex'] as Strategy[])('%s histories from real threads', (strategy) => {
  it('are linearizable', async () => {
    const scripts = Array.from({ length: THREADS }, (_, thread) => mixedScript(thread, 400));
    const verdict = await recordAndCheck(strategy, { A: 150, B: 150, C: 150 }, scripts, 0);
    expect(verdict.linearizable).toBe(true);
  });
});

describe('unsafe histories from real threads', () => {
  it('are caught with a counterexample naming the purchases', async () => {
    // Two buyers of 3 against 5 with a latency window between check and write.
    const buyer: Step[] = [{ name: 'purchase', sku: 'A', quantity: 3 }];
    let verdict: Awaited<ReturnType<typeof recordAndCheck>> | undefined;
    for (let round = 0; round < 10; round++) {
      verdict = await recordAndCheck('unsafe', { A: 5 }, [buyer, buyer], 2);
      if (verdict.linearizable === false) break;
    }
    expect(verdict?.linearizable).toBe(false);
    if (verdict?.linearizable !== false) return;
    const described = verdict.counterexample.operations.map((operation) => operation.description);
    // Either both sales are shown, or one whose result no order allows (a negative remainder).
    expect(described.length).toBeGreaterThanOrEqual(1);
    expect(described.every((text) => text.startsWith('purchase(A,3)→ok'))).toBe(true);
    expect(verdict.counterexample.reason).toMatch(/^No order/);
  });
});
