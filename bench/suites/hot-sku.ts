/**
 * Suite 1: every thread buys 1 unit at a time from the same SKU. Each discipline runs beside a
 * bare `Atomics.sub` loop and a bare compare-and-swap loop on one Int32 slot, the hardware's
 * limit for one cache line, at 1 thread, 2 threads, and up to 4 threads per core.
 */
import { Inventory } from '../../src/inventory.js';
import { MAX_QUANTITY, STRATEGIES, type Strategy } from '../../src/layout.js';
import type { BenchConfig } from '../config.js';
import { Crew } from '../crew.js';
import { type Job, SCRATCH_BASE } from '../crew-protocol.js';
import { addCrewRun } from '../crew-task.js';
import { Measurements, median } from '../measure.js';
import type { Row, SuiteResult } from '../model.js';

export const HOT_SKU = 'HOT';

/** Chart series of this suite, in legend order. */
export const HOT_SERIES = {
  atomic: 'atomic',
  mutex: 'mutex',
  unsafe: 'unsafe (races)',
  engineBatch: 'engine batch task (atomic)',
  atomicSub: 'bare Atomics.sub',
  casLoop: 'bare CAS loop',
} as const;

/** Row id of the mutex waiter's CPU measurement. */
export const WAITER_ROW = 'mutex-waiter';

export async function runHotSkuSuite(config: BenchConfig): Promise<SuiteResult> {
  const tables = new Map<Strategy, Inventory>(
    STRATEGIES.map((strategy) => [
      strategy,
      Inventory.create([[HOT_SKU, MAX_QUANTITY]], { strategy }),
    ]),
  );
  const table = (strategy: Strategy) => tables.get(strategy) as Inventory;
  // The lock-waiter task needs two threads whatever the thread counts.
  const threads = Math.max(2, ...config.threadCounts);
  const crew = await Crew.start(threads, table('atomic').buffer);
  STRATEGIES.forEach((strategy, id) => {
    crew.attach(id, table(strategy).buffer);
  });
  try {
    const measurements = new Measurements('hot SKU', config.timing);
    for (const threads of config.threadCounts) {
      addThreadCount(measurements, crew, config, threads, table);
    }
    const waiter = new Measurements('hot SKU, lock waiter', config.slowTiming);
    const waits = addLockWaiter(waiter, crew, config, table('mutex'));
    const rows = [...(await measurements.run()), ...(await waiter.run())];
    addWaiterFigures(rows, waits, config.lockHoldMs);
    return {
      id: 'hot-sku',
      title: 'Hot SKU: every thread on one SKU',
      description:
        `One sample: ${config.hotOpsPerSample.toLocaleString('en-US')} purchases of 1 unit ` +
        'from one SKU, split evenly over the threads, which a start barrier releases together. ' +
        'The bare loops do the same number of decrements on one Int32 slot of their own. The ' +
        'engine batch rows hand the engine\u2019s own worker entry point batch tasks of ' +
        `${config.engineBatchSize.toLocaleString('en-US')} purchases, built as the engine ` +
        'builds them, and time its purchase loop without the pool\u2019s messaging (suite 3 ' +
        'measures that).',
      rows,
    };
  } finally {
    await crew.close();
  }
}

function addThreadCount(
  measurements: Measurements,
  crew: Crew,
  config: BenchConfig,
  threads: number,
  table: (strategy: Strategy) => Inventory,
): void {
  const perThread = Math.ceil(config.hotOpsPerSample / threads);
  const total = perThread * threads;
  const repeat = (job: Job): Job[] => Array.from({ length: threads }, () => job);
  const spec = (id: string, series: string) => ({
    id: `${id}-${threads}`,
    label: series,
    series,
    threads,
    opsPerSample: total,
  });

  STRATEGIES.forEach((strategy, id) => {
    addCrewRun(measurements, crew, spec(strategy, HOT_SERIES[strategy]), {
      jobs: repeat({ kind: 'purchase-loop', table: id, sku: HOT_SKU, count: perThread }),
      reset: () => refill(table(strategy)),
      expectedUnits: total,
    });
  });
  addCrewRun(measurements, crew, spec('engine-batch', HOT_SERIES.engineBatch), {
    jobs: repeat({ kind: 'engine-batch', count: perThread, batchSize: config.engineBatchSize }),
    reset: () => refill(table('atomic')),
    expectedUnits: total,
  });
  const resetSlot = () => Atomics.store(crew.scratch, SCRATCH_BASE, MAX_QUANTITY);
  addCrewRun(measurements, crew, spec('atomic-sub', HOT_SERIES.atomicSub), {
    jobs: repeat({ kind: 'atomic-sub', slot: SCRATCH_BASE, count: perThread }),
    reset: resetSlot,
    expectedUnits: total,
  });
  addCrewRun(measurements, crew, spec('cas-loop', HOT_SERIES.casLoop), {
    jobs: repeat({ kind: 'cas-loop', slot: SCRATCH_BASE, count: perThread }),
    reset: resetSlot,
    expectedUnits: total,
  });
}

interface LockWait {
  cpuNs: number;
  wallNs: number;
}

/**
 * Adds the lock-waiter task: one thread buys with a latency window, holding the SKU's `mutex`
 * lock for `config.lockHoldMs`, while a second thread waits for that lock. Returns the
 * second thread's CPU and wall time per measured sample, filled in as the task runs.
 */
function addLockWaiter(
  measurements: Measurements,
  crew: Crew,
  config: BenchConfig,
  mutexTable: Inventory,
): LockWait[] {
  const waits: LockWait[] = [];
  const mutexId = STRATEGIES.indexOf('mutex');
  addCrewRun(
    measurements,
    crew,
    {
      id: WAITER_ROW,
      label: `mutex, a thread waits for a lock held ${config.lockHoldMs} ms`,
      threads: 2,
      opsPerSample: 2,
    },
    {
      jobs: [
        { kind: 'hold-lock', table: mutexId, sku: HOT_SKU, holdMs: config.lockHoldMs },
        { kind: 'wait-for-lock', table: mutexId, sku: HOT_SKU },
      ],
      reset: () => refill(mutexTable),
      expectedUnits: 2,
      onResults: (results) => {
        const { cpuNs, wallNs, missedLock } = results[1] ?? {};
        // A waiter that started after the lock was released again measured no wait at all.
        if (cpuNs !== undefined && wallNs !== undefined && !missedLock) {
          waits.push({ cpuNs, wallNs });
        }
      },
    },
  );
  return waits;
}

/** Adds the waiter's median CPU and wait times to its row, when the thread could read them. */
function addWaiterFigures(rows: Row[], waits: LockWait[], holdMs: number): void {
  const row = rows.find((candidate) => candidate.id === WAITER_ROW);
  if (row === undefined || waits.length === 0) return;
  const cpuMs = median(waits.map((wait) => wait.cpuNs / 1e6));
  const waitMs = median(waits.map((wait) => wait.wallNs / 1e6));
  row.extra = { lockHeldMs: holdMs, waitMs, cpuMs, cpuPercentOfWait: (100 * cpuMs) / waitMs };
}

/** Tops the hot SKU up to the Int32 maximum, so no sample runs out of stock. */
export function refill(inventory: Inventory, sku = HOT_SKU): void {
  const missing = MAX_QUANTITY - inventory.stock(sku);
  if (missing > 0) inventory.restock(sku, missing);
}
