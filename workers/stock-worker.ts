/**
 * Entry point of the engine's piscina threads. Runs inside a pool thread, where blocking waits
 * are allowed. The table is attached once per thread, when piscina loads this module, from the
 * buffer in `workerData`; every task then reuses it.
 */
import { workerData } from 'node:worker_threads';

import type { CallSettings } from '../src/disciplines/types.js';
import { OperationInterruptedError } from '../src/errors.js';
import { OWNER_ID } from '../src/futex.js';
import { Inventory } from '../src/inventory.js';
import {
  BatchSlot,
  type FaultOutcome,
  type FaultTask,
  type PurchaseBatchResult,
  type PurchaseBatchTask,
  PurchaseStatus,
  PurchaseWord,
  purchaseSlot,
  type RaceTask,
  type RaceTaskResult,
  type ReplayTally,
  type StartTask,
  shortCode,
  type Task,
} from '../src/protocol.js';
import { runReplayBatch } from '../src/replay/apply.js';
import { sleepSync } from '../src/sleep.js';

const STATUS_OF_REASON = {
  'timed-out': PurchaseStatus.timedOut,
  'request-in-progress': PurchaseStatus.requestInProgress,
  'request-log-full': PurchaseStatus.requestLogFull,
} as const;

const data = workerData as { buffer: SharedArrayBuffer; faultInjection: boolean };
const inventory = Inventory.attach(data.buffer);
const skus = inventory.skus;

/** Runs one task from the engine. */
export default function runTask(
  task: Task,
): PurchaseBatchResult | RaceTaskResult | ReplayTally | FaultOutcome | null {
  switch (task.kind) {
    case 'purchases':
      return runPurchases(task);
    case 'race':
      return runRace(task);
    case 'fault':
      return runFault(task);
    case 'replay':
      return runReplayBatch(inventory, task);
    case 'start':
      return runStart(task);
  }
}

function runPurchases(task: PurchaseBatchTask): PurchaseBatchResult {
  const { deadlines } = task;
  const slots = new Int32Array(task.slots);
  const count = slots[BatchSlot.count] as number;
  const failures: PurchaseBatchResult = [];
  const settings: CallSettings = {
    latencyMs: task.latencyMs,
    timeoutMs: Number.POSITIVE_INFINITY,
    faultHook: undefined,
  };
  Atomics.store(slots, BatchSlot.owner, OWNER_ID);
  for (let i = 0; i < count; i++) {
    const at = purchaseSlot(i);
    // The caller may have cancelled this purchase; whoever swaps first decides.
    if (Atomics.compareExchange(slots, at, PurchaseStatus.pending, PurchaseStatus.running) !== 0) {
      continue;
    }
    const deadline = deadlines === null ? 0 : (deadlines[i] as number);
    settings.timeoutMs =
      deadline === 0 ? Number.POSITIVE_INFINITY : Math.max(0, deadline - Date.now());
    const index = slots[at + PurchaseWord.index] as number;
    const quantity = slots[at + PurchaseWord.quantity] as number;
    try {
      const requestId = task.requestIds?.[i];
      // Without a request id the engine's checks suffice, so the purchase goes by index.
      const result =
        requestId == null
          ? inventory.purchaseUnchecked(index, quantity, settings)
          : inventory.purchase(skus[index] as string, quantity, {
              latencyMs: task.latencyMs,
              timeoutMs: settings.timeoutMs,
              requestId,
            });
      if (result.ok) {
        // A plain store: the status store after it publishes the code to the caller's thread.
        slots[at + PurchaseWord.code] = result.remaining;
        Atomics.store(slots, at, PurchaseStatus.done);
      } else if (result.reason === 'insufficient-stock') {
        slots[at + PurchaseWord.code] = shortCode(result.available);
        Atomics.store(slots, at, PurchaseStatus.done);
      } else {
        Atomics.store(slots, at, STATUS_OF_REASON[result.reason]);
      }
    } catch (error) {
      const tookEffect = error instanceof OperationInterruptedError ? error.tookEffect : false;
      Atomics.store(slots, at + PurchaseWord.code, tookEffect === null ? -1 : Number(tookEffect));
      Atomics.store(slots, at, PurchaseStatus.failed);
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      failures.push({ position: i, name, message });
    }
  }
  return failures;
}

/** Counts this thread in and blocks until every pool thread has, so each gets one task. */
function runStart(task: StartTask): null {
  const arrived = new Int32Array(task.arrived);
  Atomics.add(arrived, 0, 1);
  Atomics.notify(arrived, 0);
  const deadline = performance.now() + task.timeoutMs;
  for (;;) {
    const count = Atomics.load(arrived, 0);
    const remaining = deadline - performance.now();
    if (count >= task.parties || remaining <= 0) return null;
    Atomics.wait(arrived, 0, count, remaining);
  }
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
    } else if (result.reason === 'insufficient-stock') {
      tally.rejections++;
    } else {
      tally.timeouts++;
    }
  }
  return tally;
}

/**
 * Buys under the table's lock and fails at `task.point`: exits the thread, throws, or hangs
 * until the engine aborts the task (which terminates the thread). Returns whether the purchase
 * took effect when it threw; the other two never return.
 */
function runFault(task: FaultTask): FaultOutcome {
  if (!data.faultInjection) {
    throw new Error('fault injection is off; create the StockEngine with faultInjection: true');
  }
  Atomics.store(new Int32Array(task.slots), BatchSlot.owner, OWNER_ID);
  let result: ReturnType<typeof inventory.purchase>;
  try {
    result = inventory.purchase(skus[task.index] as string, task.quantity, {
      faultHook: (point) => {
        if (point !== task.point) return;
        // Hold the lock a moment first, so that other purchases queue up behind it.
        sleepSync(100);
        if (task.action === 'exit') process.exit(1);
        if (task.action === 'throw') throw new Error('injected fault');
        for (;;) sleepSync(1000);
      },
    });
  } catch (error) {
    if (error instanceof OperationInterruptedError) {
      return { fired: true, tookEffect: error.tookEffect, reason: null };
    }
    throw error;
  }
  // The hook runs only inside a write: a rejected purchase writes nothing, so it never fired.
  return { fired: false, tookEffect: result.ok, reason: result.ok ? null : result.reason };
}
