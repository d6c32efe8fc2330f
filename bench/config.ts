/** Sizes of a full run and of a `--quick` run, which only shows that every suite still works. */
import { availableParallelism } from 'node:os';

import type { Timing } from './measure.js';

/** Everything that sets how long the suites run. */
export interface BenchConfig {
  quick: boolean;
  /** Cores that Node.js reports (`os.availableParallelism()`). */
  cores: number;
  /** Thread counts of the hot-SKU suite: 1, 2, then doubling up to 4 threads per core. */
  threadCounts: number[];
  /** Threads of the spread-SKU suite, one SKU each: one per core, at least 2. */
  spreadThreads: number;
  /** Threads of the engine and of the bare piscina pool: one per core, as the engine's default. */
  poolThreads: number;
  /** Purchases in one hot-SKU sample, split evenly over its threads. */
  hotOpsPerSample: number;
  /** Purchases per thread in one spread-SKU sample. */
  spreadOpsPerThread: number;
  /** Synchronous calls in one sample of main-thread work. */
  syncOpsPerSample: number;
  /** Calls started at once in one sample of the in-flight and batch rows. */
  inFlightCalls: number;
  /** Purchases per engine batch task in the hot-SKU suite: the in-flight calls of one thread. */
  engineBatchSize: number;
  /** Calls awaited one after another in one sample of the round-trip rows. */
  awaitedCalls: number;
  /** Lock calls in one sample of the async lock suite. */
  lockCalls: number;
  /** Latency window of the seed scenario, in milliseconds (the scenario's own figure is 100). */
  seedLatencyMs: number;
  /** How long one thread holds a SKU's lock while another waits for it, in milliseconds. */
  lockHoldMs: number;
  /** Months of the replay data to read; empty means every month file in the data directory. */
  replayMonths: string[];
  /** Timing of the rate suites. */
  timing: Timing;
  /** Timing of tasks whose single sample takes a second or so (seed scenario, replay). */
  slowTiming: Timing;
}

/** Returns the sizes of a full run, or of a `--quick` run when `quick` is set. */
export function benchConfig(quick: boolean): BenchConfig {
  const cores = availableParallelism();
  const threadCounts = [1];
  for (let threads = 2; threads <= 4 * cores; threads *= 2) threadCounts.push(threads);
  if (threadCounts.at(-1) !== 4 * cores) threadCounts.push(4 * cores);
  const common = {
    quick,
    cores,
    threadCounts,
    spreadThreads: Math.max(2, cores),
    poolThreads: cores,
  };
  if (quick) {
    return {
      ...common,
      hotOpsPerSample: 4_000,
      spreadOpsPerThread: 2_000,
      syncOpsPerSample: 1_000,
      inFlightCalls: 200,
      engineBatchSize: Math.ceil(200 / cores),
      awaitedCalls: 10,
      lockCalls: 200,
      seedLatencyMs: 2,
      lockHoldMs: 20,
      replayMonths: ['2011-12'],
      timing: { time: 0, iterations: 2, warmupTime: 0, warmupIterations: 1, rounds: 1 },
      slowTiming: { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 0, rounds: 1 },
    };
  }
  return {
    ...common,
    hotOpsPerSample: 1_000_000,
    spreadOpsPerThread: 1_000_000,
    syncOpsPerSample: 100_000,
    inFlightCalls: 10_000,
    engineBatchSize: Math.ceil(10_000 / cores),
    awaitedCalls: 200,
    lockCalls: 10_000,
    seedLatencyMs: 100,
    lockHoldMs: 100,
    replayMonths: [],
    timing: { time: 150, iterations: 5, warmupTime: 100, warmupIterations: 3, rounds: 3 },
    slowTiming: { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 1, rounds: 5 },
  };
}
