/**
 * Entry point of the engine's piscina threads. Runs inside a pool thread, where blocking waits
 * are allowed. The table is attached once per thread, when piscina loads this module, from the
 * buffer in `workerData`; every task then reuses it.
 */
import { workerData } from 'node:worker_threads';

import { Inventory } from '../src/inventory.js';
import {
  type PurchaseBatchTask,
  type RaceTask,
  type RaceTaskResult,
  shortCode,
  type Task,
  TIMED_OUT_CODE,
} from '../src/protocol.js';

const inventory = Inventory.attach((workerData as { buffer: SharedArrayBuffer }).buffer);
const skus = inventory.skus;

/** Runs one task from the engine. */
export default function runTask(task: Task): Int32Array | RaceTaskResult {
  switch (task.kind) {
    case 'purchases':
      return runPurchases(task);
    case 'race':
      return runRace(task);
  }
}

function runPurchases(task: PurchaseBatchTask): Int32Array {
  const { indexes, quantities } = task;
  const codes = new Int32Array(indexes.length);
  const options = { latencyMs: task.latencyMs, timeoutMs: task.timeoutMs };
  for (let i = 0; i < indexes.length; i++) {
    const result = inventory.purchase(
      skus[indexes[i] as number] as string,
      quantities[i] as number,
      options,
    );
    if (result.ok) codes[i] = result.remaining;
    else codes[i] = result.reason === 'timed-out' ? TIMED_OUT_CODE : shortCode(result.available);
  }
  return codes;
}

function runRace(task: RaceTask): RaceTaskResult {
  const sku = skus[task.index] as string;
  const options = { latencyMs: task.latencyMs };
  const tally: RaceTaskResult = {
    successes: 0,
    rejections: 0,
    timeouts: 0,
    unitsSold: 0,
    lowestRemaining: Number.POSITIVE_INFINITY,
  };
  if (!inventory.barrier.arriveAndWait(task.barrierTimeoutMs)) {
    throw new Error(`race worker was not released within ${task.barrierTimeoutMs} ms`);
  }
  for (let attempt = 0; attempt < task.attempts; attempt++) {
    const result = inventory.purchase(sku, task.quantity, options);
    if (result.ok) {
      tally.successes++;
      tally.unitsSold += task.quantity;
      tally.lowestRemaining = Math.min(tally.lowestRemaining, result.remaining);
    } else if (result.reason === 'timed-out') {
      tally.timeouts++;
    } else {
      tally.rejections++;
    }
  }
  return tally;
}
