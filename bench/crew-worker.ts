/**
 * Entry point of a bench crew thread. Runs in a worker thread, where blocking waits are
 * allowed: each job waits at the start barrier, runs, and counts itself done in shared memory.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

import { StartBarrier } from '../src/barrier.js';
import { Inventory } from '../src/inventory.js';
import {
  BatchSlot,
  batchSlotsBytes,
  type PurchaseBatchTask,
  PurchaseStatus,
  PurchaseWord,
  purchaseSlot,
  type Task,
} from '../src/protocol.js';
import {
  BARRIER_TIMEOUT_MS,
  type BareLoopJob,
  Control,
  type CrewReply,
  type CrewRequest,
  type CrewWorkerData,
  type Job,
  type JobResult,
} from './crew-protocol.js';

type RunTask = (task: Task) => unknown;

const data = workerData as CrewWorkerData;
const control = new Int32Array(data.control);
const scratch = new Int32Array(data.scratch);
const barrier = new StartBarrier(control, Control.barrier);
const tables = new Map<number, Inventory>();
/** A private slot that no thread notifies, for short sleeps with `Atomics.wait`. */
const pause = new Int32Array(new SharedArrayBuffer(4));

// The engine's worker entry point attaches to `workerData.buffer` when it is loaded, so it is
// loaded only in crews that were given an engine table.
const runEngineTask: RunTask | undefined =
  data.buffer === undefined
    ? undefined
    : ((await import('../workers/stock-worker.js')).default as RunTask);

const port = parentPort;
if (port === null) throw new TypeError('crew-worker.js must run in a worker thread');

port.on('message', (request: CrewRequest) => {
  if (request.type === 'attach') {
    tables.set(request.table, Inventory.attach(request.buffer));
    return;
  }
  let reply: CrewReply;
  try {
    const job = prepareJob(request.job);
    if (!barrier.arriveAndWait(BARRIER_TIMEOUT_MS)) {
      throw new Error(`crew thread was not released within ${BARRIER_TIMEOUT_MS} ms`);
    }
    try {
      job.run();
    } finally {
      countDone();
    }
    reply = { type: 'result', result: job.finish() };
  } catch (error) {
    const { message, stack } = error instanceof Error ? error : new Error(String(error));
    reply = { type: 'error', message, stack };
  }
  port.postMessage(reply);
});

/** Tells the main thread that this thread's part of the sample is over. */
function countDone(): void {
  Atomics.add(control, Control.done, 1);
  Atomics.notify(control, Control.done);
}

/** A job split in three: setup before the barrier, the timed `run`, and `finish` after it. */
interface PreparedJob {
  run(): void;
  finish(): JobResult;
}

function prepareJob(job: Job): PreparedJob {
  switch (job.kind) {
    case 'purchase-loop':
      return timed(() => purchaseLoop(table(job.table), job.sku, job.count));
    case 'engine-batch':
      return prepareEngineBatch(job.count, job.batchSize);
    case 'atomic-sub':
      return timed(() => atomicSubLoop(job));
    case 'cas-loop':
      return timed(() => casLoop(job));
    case 'hold-lock':
      return timed(() => holdLock(table(job.table), job.sku, job.holdMs));
    case 'wait-for-lock': {
      const inventory = table(job.table);
      const stockBefore = inventory.stock(job.sku);
      return timed(() => waitForLock(inventory, job.sku, stockBefore));
    }
  }
}

/** A job whose whole work is timed and whose result is ready when it returns. */
function timed(work: () => JobResult): PreparedJob {
  let result: JobResult = { units: 0 };
  return {
    run: () => {
      result = work();
    },
    finish: () => result,
  };
}

function table(id: number): Inventory {
  const inventory = tables.get(id);
  if (inventory === undefined) throw new RangeError(`table ${id} was never attached to this crew`);
  return inventory;
}

function purchaseLoop(inventory: Inventory, sku: string, count: number): JobResult {
  let units = 0;
  for (let i = 0; i < count; i++) {
    if (inventory.purchase(sku, 1).ok) units++;
  }
  return { units };
}

/** Batch tasks of the last `engine-batch` job, reused while the job's sizes stay the same. */
let batchTasks: { key: string; tasks: PurchaseBatchTask[] } = { key: '', tasks: [] };

/**
 * Builds the engine batch tasks of `count` purchases of 1 unit of record 0, `batchSize` per
 * task, as the engine sends them, and times only the engine worker's handling of them. Reading
 * the result codes is not timed: the engine reads them in the caller's thread.
 */
function prepareEngineBatch(count: number, batchSize: number): PreparedJob {
  const runTask = runEngineTask;
  if (runTask === undefined) {
    throw new TypeError('engine-batch jobs need a crew started with an engine table');
  }
  const key = `${count}/${batchSize}`;
  if (batchTasks.key !== key) batchTasks = { key, tasks: buildBatchTasks(count, batchSize) };
  const { tasks } = batchTasks;
  // Every purchase must start as pending, as in a batch fresh from the engine.
  for (const task of tasks) resetBatch(new Int32Array(task.slots));
  return {
    run: () => {
      for (const task of tasks) runTask(task);
    },
    finish: () => {
      let units = 0;
      for (const task of tasks) {
        const slots = new Int32Array(task.slots);
        for (let i = 0; i < (slots[BatchSlot.count] as number); i++) {
          const at = purchaseSlot(i);
          const code = slots[at + PurchaseWord.code] as number;
          if (slots[at] === PurchaseStatus.done && code >= 0) units++;
        }
      }
      return { units };
    },
  };
}

function buildBatchTasks(count: number, batchSize: number): PurchaseBatchTask[] {
  const tasks: PurchaseBatchTask[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const slots = new SharedArrayBuffer(batchSlotsBytes(size));
    new Int32Array(slots)[BatchSlot.count] = size;
    resetBatch(new Int32Array(slots));
    tasks.push({ kind: 'purchases', deadlines: null, latencyMs: 0, requestIds: null, slots });
  }
  return tasks;
}

/** Marks every purchase of a batch pending again: 1 unit of record 0 each, no owner. */
function resetBatch(slots: Int32Array): void {
  slots[BatchSlot.owner] = 0;
  for (let i = 0; i < (slots[BatchSlot.count] as number); i++) {
    const at = purchaseSlot(i);
    slots[at + PurchaseWord.status] = PurchaseStatus.pending;
    slots[at + PurchaseWord.index] = 0;
    slots[at + PurchaseWord.quantity] = 1;
  }
}

function atomicSubLoop(job: BareLoopJob): JobResult {
  const { slot, count } = job;
  for (let i = 0; i < count; i++) Atomics.sub(scratch, slot, 1);
  return { units: count };
}

/** Takes 1 unit `count` times with a purchase's compare-and-swap loop and nothing else. */
function casLoop(job: BareLoopJob): JobResult {
  const { slot, count } = job;
  let units = 0;
  for (let i = 0; i < count; i++) {
    for (;;) {
      const stock = Atomics.load(scratch, slot);
      if (stock < 1) break;
      if (Atomics.compareExchange(scratch, slot, stock, stock - 1) === stock) {
        units++;
        break;
      }
    }
  }
  return { units };
}

function holdLock(inventory: Inventory, sku: string, holdMs: number): JobResult {
  const result = inventory.purchase(sku, 1, { latencyMs: holdMs });
  return { units: result.ok ? 1 : 0 };
}

/**
 * Buys 1 unit of `sku` once another thread holds its lock, and times this thread's CPU and wall
 * time during that purchase. `stockBefore` is the stock read before the start barrier: a change
 * shows that the other thread's purchase already ended, so this purchase never waited.
 */
function waitForLock(inventory: Inventory, sku: string, stockBefore: number): JobResult {
  const deadline = performance.now() + BARRIER_TIMEOUT_MS;
  // Not measured: wait until the other thread is inside its critical section.
  let missedLock = false;
  while (!inventory.lockState(sku).locked) {
    if (inventory.stock(sku) !== stockBefore) {
      missedLock = true;
      break;
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out waiting for another thread to lock ${sku}`);
    }
    Atomics.wait(pause, 0, 0, 0.05);
  }
  const cpuBefore = threadCpuNs();
  const wallBefore = process.hrtime.bigint();
  const result = inventory.purchase(sku, 1);
  const wallNs = Number(process.hrtime.bigint() - wallBefore);
  const cpuAfter = threadCpuNs();
  const units = result.ok ? 1 : 0;
  if (cpuBefore === undefined || cpuAfter === undefined) return { units, wallNs, missedLock };
  return { units, wallNs, missedLock, cpuNs: cpuAfter - cpuBefore };
}

/**
 * CPU time of the calling thread in nanoseconds, from Linux's `/proc/thread-self/schedstat`
 * (its first field). Node.js 20 has no per-thread CPU clock: `process.cpuUsage()` counts every
 * thread of the process. Returns `undefined` where the file does not exist.
 */
function threadCpuNs(): number | undefined {
  try {
    const fields = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return Number(fields[0]);
  } catch {
    return undefined;
  }
}
