/**
 * Benchmark of the linearizability checker on histories recorded from real worker threads.
 *
 * Each run starts worker threads that sell and restock SKUs in a SharedArrayBuffer with
 * compare-and-swap (a correct implementation), records every call in a HistoryLog, and times
 * `checkLinearizability` on the result (median of 3 checks of one recorded history). The
 * `per-sku` layout spreads the calls over 64 SKUs, so the history splits into 64 partitions.
 * The `hot` layout sends every call to one SKU, and `hot+wait` also sleeps 20 µs inside each
 * call, so that calls of different threads overlap far more. A last run records a racy purchase (plain read, short
 * sleep, plain write) and times finding and shrinking the violation.
 *
 * Build and run (the bench compiles into dist/bench, next to the library in dist/src):
 *   npx tsc -p tsconfig.json
 *   npx tsc --ignoreConfig --rootDir . --outDir dist --module nodenext --target es2022 \
 *     --lib es2024 --types node --strict --skipLibCheck bench/linearizability.ts
 *   node dist/bench/linearizability.js
 */

import { Worker } from 'node:worker_threads';

import { HistoryLog } from '../src/testing/history.js';
import {
  type InventoryOperation,
  inventoryCodec,
  inventoryModel,
} from '../src/testing/inventory-model.js';
import { checkLinearizability } from '../src/testing/linearizability.js';

type Layout = 'per-sku' | 'hot';

interface RunOptions {
  readonly layout: Layout;
  readonly threads: number;
  readonly operations: number;
  readonly racy: boolean;
  /** Sleep inside each recorded call, in milliseconds. */
  readonly waitMs: number;
}

const INITIAL_STOCK = 50;
const SKU_COUNT: Record<Layout, number> = { 'per-sku': 64, hot: 1 };
const REPEATS = 3;

// Runs in each worker as a CommonJS script (eval: true), so it loads the ES modules with import().
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
(async () => {
  const { HistoryLog } = await import(workerData.historyUrl);
  const { inventoryCodec } = await import(workerData.modelUrl);
  const { logBuffer, stockBuffer, thread, operations, skus, racy, waitMs, seed } = workerData;
  const codec = inventoryCodec(skus);
  const recorder = HistoryLog.attach(logBuffer).recorder(thread);
  const stock = new Int32Array(stockBuffer);
  const start = stock.length - 2;
  const sleepSlot = stock.length - 1;
  let random = seed;
  const below = (n) => {
    random = (Math.imul(random, 1103515245) + 12345) >>> 0;
    return (random >>> 8) % n;
  };
  const purchase = (index, quantity) => {
    for (;;) {
      const seen = racy ? stock[index] : Atomics.load(stock, index);
      if (seen < quantity) return { ok: false, reason: 'insufficient-stock', available: seen };
      if (racy) {
        Atomics.wait(stock, sleepSlot, 0, 0.05);
        stock[index] = seen - quantity;
        return { ok: true, remaining: seen - quantity };
      }
      if (Atomics.compareExchange(stock, index, seen, seen - quantity) === seen) {
        return { ok: true, remaining: seen - quantity };
      }
    }
  };
  Atomics.wait(stock, start, 0);
  for (let i = 0; i < operations; i++) {
    const index = below(skus.length);
    const sku = skus[index];
    const roll = below(10);
    let call;
    let run;
    if (roll < 6) {
      const quantity = 1 + below(3);
      call = { name: 'purchase', args: { sku, quantity } };
      run = () => purchase(index, quantity);
    } else if (roll < 8) {
      const quantity = 1 + below(5);
      call = { name: 'restock', args: { sku, quantity } };
      run = () => ({ ok: true, stock: Atomics.add(stock, index, quantity) + quantity });
    } else {
      call = { name: 'stock', args: { sku } };
      run = () => ({ stock: Atomics.load(stock, index) });
    }
    const { opCode, args } = codec.encodeCall(call);
    const slot = recorder.begin(opCode, args);
    if (waitMs > 0) Atomics.wait(stock, sleepSlot, 0, waitMs);
    recorder.end(slot, codec.encodeResult(call.name, run()));
  }
})().catch((error) => {
  throw error;
});
`;

/** Runs the workers to completion and returns the recorded history and the initial stock. */
async function recordRun(options: RunOptions) {
  const skus = Array.from({ length: SKU_COUNT[options.layout] }, (_, i) => `SKU-${i}`);
  const perThread = Math.ceil(options.operations / options.threads);
  const log = HistoryLog.create({ threads: options.threads, capacityPerThread: perThread });
  // Words: one per SKU, then the start flag, then a slot that is only waited on.
  const stockBuffer = new SharedArrayBuffer((skus.length + 2) * Int32Array.BYTES_PER_ELEMENT);
  const stock = new Int32Array(stockBuffer);
  stock.fill(INITIAL_STOCK, 0, skus.length);
  const historyUrl = new URL('../src/testing/history.js', import.meta.url).href;
  const modelUrl = new URL('../src/testing/inventory-model.js', import.meta.url).href;

  const workers = Array.from(
    { length: options.threads },
    (_, thread) =>
      new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          historyUrl,
          modelUrl,
          logBuffer: log.buffer,
          stockBuffer,
          thread,
          operations: perThread,
          skus,
          racy: options.racy,
          waitMs: options.waitMs,
          seed: 1 + thread,
        },
      }),
  );
  const exits = workers.map(
    (worker) =>
      new Promise<void>((resolve, reject) => {
        worker.once('error', reject);
        worker.once('exit', () => resolve());
      }),
  );
  await Promise.all(
    workers.map((worker) => new Promise((resolve) => worker.once('online', resolve))),
  );
  Atomics.store(stock, skus.length, 1);
  Atomics.notify(stock, skus.length);
  await Promise.all(exits);

  const history: InventoryOperation[] = log.read(inventoryCodec(skus));
  const initial = new Map(skus.map((sku) => [sku, INITIAL_STOCK]));
  return { history, initial };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function measure(options: RunOptions): Promise<string> {
  const { history, initial } = await recordRun(options);
  const model = inventoryModel(initial);
  const times: number[] = [];
  let verdict = '';
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    const result = checkLinearizability(history, model);
    times.push(performance.now() - started);
    verdict =
      result.linearizable === false
        ? `false (${result.counterexample.operations.length} ops kept, ` +
          `${result.counterexample.assumed.length} assumed, ${result.explored} states)`
        : `${result.linearizable} (${result.partitions} partitions, ${result.explored} states)`;
  }
  const columns = [
    options.racy ? 'racy' : `${options.layout}${options.waitMs > 0 ? '+wait' : ''}`,
    String(options.threads),
    String(history.length),
    median(times).toFixed(1),
    verdict,
  ];
  return `| ${columns.join(' | ')} |`;
}

async function main(): Promise<void> {
  const rows = [
    '| layout | threads | ops | median ms | verdict |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const layout of ['per-sku', 'hot'] as const) {
    for (const threads of [2, 4, 8]) {
      for (const operations of [1_000, 2_000, 5_000, 10_000]) {
        rows.push(await measure({ layout, threads, operations, racy: false, waitMs: 0 }));
      }
    }
  }
  for (const threads of [2, 4, 8]) {
    rows.push(
      await measure({ layout: 'hot', threads, operations: 10_000, racy: false, waitMs: 0.02 }),
    );
  }
  rows.push(await measure({ layout: 'hot', threads: 4, operations: 2_000, racy: true, waitMs: 0 }));
  process.stdout.write(`${rows.join('\n')}\n`);
}

await main();
