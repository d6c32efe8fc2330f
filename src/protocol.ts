/**
 * Messages between the engine in the caller's thread and its pool threads. Purchases travel as
 * typed arrays of record indexes and quantities, which cost far less to clone than objects.
 */

/** Result code of a purchase in a batch: >= 0 is the stock left after it. */
export const TIMED_OUT_CODE = -2_147_483_648;

/** Encodes a rejected purchase's available stock as a negative code: 0 available is -1. */
export function shortCode(available: number): number {
  return -1 - available;
}

/** A batch of purchases for one worker. */
export interface PurchaseBatchTask {
  kind: 'purchases';
  indexes: Int32Array;
  quantities: Int32Array;
  latencyMs: number;
  timeoutMs: number;
}

/** A worker's part of a race: wait at the start barrier, then buy `attempts` times. */
export interface RaceTask {
  kind: 'race';
  index: number;
  quantity: number;
  attempts: number;
  latencyMs: number;
  barrierTimeoutMs: number;
}

/** What one worker did in a race, counted from its own results, not from the table. */
export interface RaceTaskResult {
  successes: number;
  rejections: number;
  timeouts: number;
  unitsSold: number;
  /** Lowest stock the worker saw in its results; below 0 shows an oversell. */
  lowestRemaining: number;
}

export type Task = PurchaseBatchTask | RaceTask;
