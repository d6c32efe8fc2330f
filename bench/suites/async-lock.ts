/**
 * Suite 4: one thread, async. stockroom's `AsyncLock` runs against async-mutex's `Mutex`, the
 * lock most Node.js users know, around a synchronous decrement, with the decrement alone as the
 * floor. The seed's latency scenario (5 buyers of 3 units, stock 10) runs with and without the
 * lock.
 */
import { Mutex } from 'async-mutex';

import { AsyncLock } from '../../src/async-lock.js';
import { runInEventLoop, SCENARIOS, type Scenario } from '../../src/scenarios.js';
import type { BenchConfig } from '../config.js';
import { Measurements } from '../measure.js';
import type { SuiteResult } from '../model.js';

/** Row ids that the targets refer to. */
export const LOCK_ROWS = {
  bare: 'bare-decrement',
  asyncLockBurst: 'asynclock-burst',
  asyncMutexBurst: 'async-mutex-burst',
  asyncLockAwaited: 'asynclock-awaited',
  asyncMutexAwaited: 'async-mutex-awaited',
  seedLocked: 'seed-locked',
  seedUnlocked: 'seed-unlocked',
} as const;

/** Stock of one item, taken 1 unit at a time inside the critical section. */
class Shelf {
  stock = 0;
  sold = 0;

  take(): void {
    if (this.stock >= 1) {
      this.stock -= 1;
      this.sold += 1;
    }
  }

  fill(stock: number): void {
    this.stock = stock;
    this.sold = 0;
  }
}

export async function runAsyncLockSuite(config: BenchConfig): Promise<SuiteResult> {
  const measurements = new Measurements('async lock', config.timing);
  addLockRows(measurements, config.lockCalls, config.syncOpsPerSample);
  const seed = new Measurements('seed scenario', config.slowTiming);
  addSeedRows(seed, config.seedLatencyMs);
  const rows = [...(await measurements.run()), ...(await seed.run())];
  return {
    id: 'async-lock',
    title: 'One thread, async: AsyncLock against async-mutex',
    description:
      `Lock rows: ${config.lockCalls.toLocaleString('en-US')} calls of \`runExclusive\` around ` +
      'a synchronous decrement per sample, either all started at once (burst) or awaited one ' +
      'after another. The bare row does the decrements without a lock, in tinybench\u2019s ' +
      `synchronous run. Seed rows: one run of the 5-buyer scenario with a ` +
      `${config.seedLatencyMs} ms latency per sample; the rate counts buyers.`,
    rows,
  };
}

function addLockRows(measurements: Measurements, calls: number, syncOps: number): void {
  const shelf = new Shelf();
  const asyncLock = new AsyncLock();
  const mutex = new Mutex();
  const take = () => shelf.take();
  const check = (rowId: string, expected: number) => () => {
    if (shelf.sold !== expected) {
      throw new Error(`${rowId}: sold ${shelf.sold} units in one sample; expected ${expected}`);
    }
  };
  const hooks = (rowId: string, expected: number) => ({
    beforeEach: () => shelf.fill(expected),
    afterEach: check(rowId, expected),
  });

  measurements.addSync(
    { id: LOCK_ROWS.bare, label: 'bare synchronous decrement, no lock', opsPerSample: syncOps },
    () => {
      for (let i = 0; i < syncOps; i++) shelf.take();
    },
    hooks(LOCK_ROWS.bare, syncOps),
  );
  measurements.addAsync(
    { id: LOCK_ROWS.asyncLockBurst, label: 'AsyncLock.runExclusive, burst', opsPerSample: calls },
    () => Promise.all(Array.from({ length: calls }, () => asyncLock.runExclusive(take))),
    hooks(LOCK_ROWS.asyncLockBurst, calls),
  );
  measurements.addAsync(
    {
      id: LOCK_ROWS.asyncMutexBurst,
      label: 'async-mutex Mutex.runExclusive, burst',
      opsPerSample: calls,
    },
    () => Promise.all(Array.from({ length: calls }, () => mutex.runExclusive(take))),
    hooks(LOCK_ROWS.asyncMutexBurst, calls),
  );
  measurements.addAsync(
    {
      id: LOCK_ROWS.asyncLockAwaited,
      label: 'AsyncLock.runExclusive, awaited one at a time',
      opsPerSample: calls,
    },
    async () => {
      for (let i = 0; i < calls; i++) await asyncLock.runExclusive(take);
    },
    hooks(LOCK_ROWS.asyncLockAwaited, calls),
  );
  measurements.addAsync(
    {
      id: LOCK_ROWS.asyncMutexAwaited,
      label: 'async-mutex Mutex.runExclusive, awaited one at a time',
      opsPerSample: calls,
    },
    async () => {
      for (let i = 0; i < calls; i++) await mutex.runExclusive(take);
    },
    hooks(LOCK_ROWS.asyncMutexAwaited, calls),
  );
}

function addSeedRows(measurements: Measurements, latencyMs: number): void {
  const scenario = SCENARIOS[0] as Scenario;
  for (const locked of [true, false]) {
    const id = locked ? LOCK_ROWS.seedLocked : LOCK_ROWS.seedUnlocked;
    const label =
      `seed scenario S1, ${scenario.buyers} buyers of ${scenario.amount}, ` +
      `${locked ? 'with' : 'without'} the lock`;
    measurements.addAsync({ id, label, opsPerSample: scenario.buyers }, async () => {
      const result = await runInEventLoop(scenario, locked, latencyMs);
      if (!result.passed) {
        throw new Error(
          `${id}: the scenario measured ${JSON.stringify(result.measured)}; ` +
            `expected ${JSON.stringify(result.expected)}`,
        );
      }
    });
  }
}
