/**
 * Messages and shared slots between the bench's main thread and its crew of worker threads.
 * A crew thread receives one job per sample, waits at the start barrier, runs the job, then
 * counts itself done in shared memory, so the main thread learns of the end without waiting for
 * a message.
 */
import { BARRIER_SLOTS } from '../src/barrier.js';

/** Int32 slot indexes in the crew's control buffer. */
export const Control = {
  /** First of the start barrier's slots. */
  barrier: 0,
  /** Threads that finished their job in the current sample. */
  done: BARRIER_SLOTS,
  /** Length of the control buffer, in Int32 slots. */
  length: BARRIER_SLOTS + 1,
} as const;

/** Int32 slots between two counters on separate cache lines: 64 bytes. */
export const PADDED_STRIDE = 16;
/** Int32 slots between two neighbouring counters, which always share a cache line. */
export const ADJACENT_STRIDE = 1;
/** Counters in the scratch buffer, enough for one per thread at 4 threads per core on 64 cores. */
export const SCRATCH_COUNTERS = 256;
/** Int32 index of the first scratch counter, 64 bytes into the page-aligned scratch buffer. */
export const SCRATCH_BASE = 16;

/** `inventory.purchase(sku, 1)` repeated `count` times on the table attached as `table`. */
export interface PurchaseLoopJob {
  kind: 'purchase-loop';
  table: number;
  sku: string;
  count: number;
}

/**
 * Engine batch tasks of `batchSize` purchases each, `count` purchases of 1 unit of record 0 in
 * all, run by the engine's own worker entry point (`workers/stock-worker.ts`) on the table
 * given to the crew at start.
 */
export interface EngineBatchJob {
  kind: 'engine-batch';
  count: number;
  batchSize: number;
}

/** A bare loop on one Int32 counter of the scratch buffer, `count` decrements of 1. */
export interface BareLoopJob {
  kind: 'atomic-sub' | 'cas-loop';
  slot: number;
  count: number;
}

/** Buys 1 unit of `sku` under `mutex` with a latency window, holding the SKU's lock that long. */
export interface HoldLockJob {
  kind: 'hold-lock';
  table: number;
  sku: string;
  holdMs: number;
}

/** Waits until another thread holds `sku`'s lock, then buys 1 unit and times its own CPU. */
export interface WaitForLockJob {
  kind: 'wait-for-lock';
  table: number;
  sku: string;
}

export type Job = PurchaseLoopJob | EngineBatchJob | BareLoopJob | HoldLockJob | WaitForLockJob;

/** Outcome of one thread's job in one sample. */
export interface JobResult {
  /** Units the job took out of stock, to check that every operation really happened. */
  units: number;
  /** CPU time of this thread during the measured part, in nanoseconds (`wait-for-lock`). */
  cpuNs?: number;
  /** Wall time of the measured part, in nanoseconds (`wait-for-lock`). */
  wallNs?: number;
  /** Set when the lock was already free again, so the purchase did not wait (`wait-for-lock`). */
  missedLock?: boolean;
}

/** Data every crew thread receives at start. */
export interface CrewWorkerData {
  control: SharedArrayBuffer;
  scratch: SharedArrayBuffer;
  /** Table of the engine batch jobs, which the engine's worker entry point attaches to. */
  buffer?: SharedArrayBuffer;
}

export type CrewRequest =
  | { type: 'attach'; table: number; buffer: SharedArrayBuffer }
  | { type: 'run'; job: Job };

export type CrewReply =
  | { type: 'result'; result: JobResult }
  | { type: 'error'; message: string; stack: string | undefined };

/** Maximum wait of a crew thread at the start barrier, in milliseconds. */
export const BARRIER_TIMEOUT_MS = 120_000;
