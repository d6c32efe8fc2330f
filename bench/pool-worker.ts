/**
 * Entry point of the bench's own piscina pool, the floor that the engine's pool paths are
 * compared with. Runs in a pool thread and attaches to the table in `workerData` once.
 */
import { workerData } from 'node:worker_threads';

import { Inventory } from '../src/inventory.js';

const inventory = Inventory.attach((workerData as { buffer: SharedArrayBuffer }).buffer);

/** Task of the bench pool: a number, which comes straight back, or a purchase request. */
export type PoolTask = number | { sku: string; quantity: number };

/** Returns a number task as it came, or buys and returns the stock left (-1 when short). */
export default function runPoolTask(task: PoolTask): number {
  if (typeof task === 'number') return task;
  const result = inventory.purchase(task.sku, task.quantity);
  return result.ok ? result.remaining : -1;
}
