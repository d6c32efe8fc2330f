import { Piscina } from 'piscina';

import type { Inventory } from '../../dist/src/index.js';

/** One step of an actor's script, run by test/fixtures/actor-worker.mjs. */
export type Step =
  | {
      op: 'purchase';
      sku: string;
      quantity: number;
      repeat?: number;
      latencyMs?: number;
      /** Repeat i sends the request id `${requestIdPrefix}-${i}`. */
      requestIdPrefix?: string;
    }
  | { op: 'restock'; sku: string; quantity: number; repeat?: number; latencyMs?: number }
  | {
      op: 'order';
      lines: { sku: string; quantity: number }[];
      repeat?: number;
      latencyMs?: number;
      requestIdPrefix?: string;
    }
  | { op: 'hold'; lines: { sku: string; quantity: number }[]; repeat?: number; latencyMs?: number }
  | { op: 'commit' | 'release'; id: string; repeat?: number }
  | { op: 'holdRelease'; lines: { sku: string; quantity: number }[]; repeat?: number }
  | { op: 'sample'; sku: string; flag: SharedArrayBuffer };

/** What an actor saw in one step. */
export interface StepTally {
  successes: number;
  rejections: number;
  timeouts: number;
  errors: string[];
  lowest: number;
  samples: number;
  /** Count of each result: `ok` or the rejection's reason. */
  reasons?: Record<string, number>;
}

/** A pool of actor threads, each able to run one script at a time. */
export function actorPool(threads: number): Piscina {
  return new Piscina({
    filename: new URL('../fixtures/actor-worker.mjs', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
}

/**
 * Runs one script per actor on `pool`, all released together by the table's start barrier.
 * Returns each actor's tallies, one per step.
 */
export async function runActors(
  pool: Piscina,
  inventory: Inventory,
  scripts: Step[][],
): Promise<StepTally[][]> {
  if (scripts.length > pool.options.maxThreads) {
    throw new RangeError(`${scripts.length} actors need as many pool threads`);
  }
  const runs = scripts.map(
    (script) => pool.run({ buffer: inventory.buffer, script }) as Promise<StepTally[]>,
  );
  await inventory.barrier.release(scripts.length);
  return Promise.all(runs);
}

/** Adds up one field over every step of every actor. */
export function total(
  tallies: StepTally[][],
  field: 'successes' | 'rejections' | 'timeouts',
): number {
  return tallies.flat().reduce((sum, tally) => sum + tally[field], 0);
}
