/**
 * Suite 3: the ways a caller can reach the stock, from a direct synchronous call to the
 * engine's pool paths. Beside them runs a piscina pool of the bench's own, whose tasks only
 * return a number (the pool's floor) or run one purchase each.
 */
import { Piscina } from 'piscina';

import { StockEngine } from '../../src/engine.js';
import { Inventory, type PurchaseResult } from '../../src/inventory.js';
import { MAX_QUANTITY } from '../../src/layout.js';
import type { BenchConfig } from '../config.js';
import { Measurements } from '../measure.js';
import type { SuiteResult } from '../model.js';
import type { PoolTask } from '../pool-worker.js';
import { HOT_SKU, refill } from './hot-sku.js';

const POOL_WORKER_URL = new URL('../pool-worker.js', import.meta.url);

/** Row ids that the targets refer to. */
export const ENGINE_ROWS = {
  direct: 'direct',
  engineAwaited: 'engine-awaited',
  piscinaAwaited: 'piscina-awaited',
  engineInFlight: 'engine-in-flight',
  engineBatch: 'engine-batch-call',
  piscinaPerPurchase: 'piscina-per-purchase',
  piscinaInFlight: 'piscina-in-flight',
} as const;

export async function runEnginePathsSuite(config: BenchConfig): Promise<SuiteResult> {
  const inventory = Inventory.create([[HOT_SKU, MAX_QUANTITY]], { strategy: 'atomic' });
  const threads = config.poolThreads;
  const engine = new StockEngine(inventory, { threads });
  const pool = new Piscina<PoolTask, number>({
    filename: POOL_WORKER_URL.href,
    workerData: { buffer: inventory.buffer },
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  try {
    const measurements = new Measurements('engine paths', config.timing);
    const gathering = addRows(measurements, config, inventory, engine, pool);
    const rows = await measurements.run();
    const inFlight = rows.find((row) => row.id === ENGINE_ROWS.engineInFlight);
    if (inFlight !== undefined && gathering.samples > 0) {
      inFlight.extra = { poolTasksPerSample: gathering.tasks / gathering.samples };
    }
    return {
      id: 'engine-paths',
      title: "The engine's call paths",
      description:
        `Purchases of 1 unit from one SKU under \`atomic\`; the engine and the bare pool ` +
        `have ${threads} threads each. Awaited rows do ${config.awaitedCalls} calls one after ` +
        `another per sample; in-flight and batch rows start ` +
        `${config.inFlightCalls.toLocaleString('en-US')} at once.`,
      rows,
    };
  } finally {
    await engine.close();
    await pool.close();
  }
}

/** Counts the engine's pool tasks over the measured in-flight samples. */
interface Gathering {
  tasks: number;
  samples: number;
}

function addRows(
  measurements: Measurements,
  config: BenchConfig,
  inventory: Inventory,
  engine: StockEngine,
  pool: Piscina<PoolTask, number>,
): Gathering {
  const reset = { beforeEach: () => refill(inventory) };
  const awaited = config.awaitedCalls;
  const inFlight = config.inFlightCalls;
  const requests = Array.from({ length: inFlight }, () => ({ sku: HOT_SKU, quantity: 1 }));
  const purchaseTask: PoolTask = { sku: HOT_SKU, quantity: 1 };
  // Every row but the direct one runs its purchases or tasks on a pool's threads.
  const threads = config.poolThreads;
  const row = (id: string, label: string, opsPerSample: number) => ({
    id,
    label,
    threads,
    opsPerSample,
  });

  measurements.addSync(
    {
      id: ENGINE_ROWS.direct,
      label: 'inventory.purchase(), direct call on the main thread',
      opsPerSample: config.syncOpsPerSample,
    },
    () => {
      let sold = 0;
      for (let i = 0; i < config.syncOpsPerSample; i++) {
        if (inventory.purchase(HOT_SKU, 1).ok) sold++;
      }
      expectAll(sold, config.syncOpsPerSample, ENGINE_ROWS.direct);
    },
    reset,
  );
  measurements.addAsync(
    row(ENGINE_ROWS.engineAwaited, 'engine.purchase(), awaited one at a time', awaited),
    async () => {
      let sold = 0;
      for (let i = 0; i < awaited; i++) {
        if ((await engine.purchase(HOT_SKU, 1)).ok) sold++;
      }
      expectAll(sold, awaited, ENGINE_ROWS.engineAwaited);
    },
    reset,
  );
  measurements.addAsync(
    row(
      ENGINE_ROWS.piscinaAwaited,
      'bare piscina task returning a number, awaited one at a time',
      awaited,
    ),
    async () => {
      let sum = 0;
      for (let i = 0; i < awaited; i++) sum += await pool.run(1);
      expectAll(sum, awaited, ENGINE_ROWS.piscinaAwaited);
    },
  );

  const gathering: Gathering = { tasks: 0, samples: 0 };
  let tasksBefore = 0;
  measurements.addAsync(
    row(
      ENGINE_ROWS.engineInFlight,
      `engine.purchase(), ${formatCount(inFlight)} in flight`,
      inFlight,
    ),
    async () => {
      const calls = requests.map(({ sku, quantity }) => engine.purchase(sku, quantity));
      expectAll(countSold(await Promise.all(calls)), inFlight, ENGINE_ROWS.engineInFlight);
    },
    {
      beforeEach: () => {
        refill(inventory);
        tasksBefore = engine.stats.tasks;
      },
      afterEach: (mode) => {
        if (mode !== 'run') return;
        gathering.tasks += engine.stats.tasks - tasksBefore;
        gathering.samples++;
      },
    },
  );
  measurements.addAsync(
    row(ENGINE_ROWS.engineBatch, `engine.purchaseBatch() of ${formatCount(inFlight)}`, inFlight),
    async () => {
      const results = await engine.purchaseBatch(requests);
      expectAll(countSold(results), inFlight, ENGINE_ROWS.engineBatch);
    },
    reset,
  );
  measurements.addAsync(
    row(
      ENGINE_ROWS.piscinaPerPurchase,
      `one piscina task per purchase, ${formatCount(inFlight)} in flight`,
      inFlight,
    ),
    async () => {
      const calls = requests.map(() => pool.run(purchaseTask));
      const remaining = await Promise.all(calls);
      const sold = remaining.filter((stock) => stock >= 0).length;
      expectAll(sold, inFlight, ENGINE_ROWS.piscinaPerPurchase);
    },
    reset,
  );
  measurements.addAsync(
    row(
      ENGINE_ROWS.piscinaInFlight,
      `bare piscina task returning a number, ${formatCount(inFlight)} in flight`,
      inFlight,
    ),
    async () => {
      const calls = requests.map(() => pool.run(1));
      const sum = (await Promise.all(calls)).reduce((total, value) => total + value, 0);
      expectAll(sum, inFlight, ENGINE_ROWS.piscinaInFlight);
    },
  );
  return gathering;
}

function countSold(results: readonly PurchaseResult[]): number {
  return results.filter((result) => result.ok).length;
}

/** Fails the run when a sample did fewer operations than it claims to measure. */
function expectAll(done: number, expected: number, rowId: string): void {
  if (done !== expected) {
    throw new Error(`${rowId}: ${done} of ${expected} operations succeeded in one sample`);
  }
}

function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}
