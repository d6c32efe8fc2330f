import { availableParallelism } from 'node:os';

import { Piscina } from 'piscina';

import type { CallSettings } from './disciplines/types.js';
import { EngineClosedError } from './errors.js';
import {
  type CallOptions,
  type Inventory,
  type PurchaseResult,
  resolveCallSettings,
} from './inventory.js';
import { type RaceTask, type RaceTaskResult, TIMED_OUT_CODE } from './protocol.js';
import { checkOptions, checkQuantity, show } from './validate.js';

/** Settings of a {@link StockEngine}. */
export interface EngineOptions {
  /** Pool threads; default: the machine's available parallelism. */
  threads?: number;
}

/** Per-call settings of the engine's purchases, applied inside the worker. */
export type EnginePurchaseOptions = CallOptions;

/** One purchase of a batch. */
export interface PurchaseRequest {
  sku: string;
  quantity: number;
}

interface Pending {
  index: number;
  quantity: number;
  resolve: (result: PurchaseResult) => void;
  reject: (error: unknown) => void;
}

// The compiled engine lives in dist/src/, its worker entry in dist/workers/.
const WORKER_URL = new URL('../workers/stock-worker.js', import.meta.url);

/**
 * Sells from an {@link Inventory} on a piscina pool of worker threads. Each thread attaches to
 * the table once, when it starts. Purchases that arrive in the same tick are gathered into one
 * task per thread, so a burst of calls costs a few pool round trips, not one per call.
 */
export class StockEngine {
  /** The table this engine sells from. */
  readonly inventory: Inventory;
  /** Number of pool threads. */
  readonly threads: number;

  readonly #pool: Piscina;
  #queue: Pending[] = [];
  #queueSettings: CallSettings = { latencyMs: 0, timeoutMs: Number.POSITIVE_INFINITY };
  #closed = false;
  #tasks = 0;
  #purchases = 0;

  constructor(inventory: Inventory, options?: EngineOptions) {
    const settings = checkOptions<EngineOptions>('options', options);
    const threads = settings.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new RangeError(
        `options.threads must be an integer from 1 to 256; received ${show(threads)}`,
      );
    }
    this.inventory = inventory;
    this.threads = threads;
    this.#pool = new Piscina({
      filename: WORKER_URL.href,
      workerData: { buffer: inventory.buffer },
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
    });
  }

  /**
   * Buys `quantity` units of `sku` in a pool thread. Calls made in the same tick with the same
   * options travel together, one task per thread.
   */
  purchase(
    sku: string,
    quantity: number,
    options?: EnginePurchaseOptions,
  ): Promise<PurchaseResult> {
    if (this.#closed) return Promise.reject(new EngineClosedError());
    let index: number;
    let settings: CallSettings;
    try {
      index = this.inventory.indexOf(sku);
      checkQuantity('quantity', quantity);
      settings = resolveCallSettings(options);
    } catch (error) {
      return Promise.reject(error);
    }
    // Calls with other options start a new gathering, so each task carries one setting.
    if (this.#queue.length > 0 && !sameSettings(settings, this.#queueSettings)) this.#flush();
    return new Promise((resolve, reject) => {
      if (this.#queue.length === 0) {
        this.#queueSettings = settings;
        queueMicrotask(() => this.#flush());
      }
      this.#queue.push({ index, quantity, resolve, reject });
    });
  }

  /**
   * Buys every request in pool threads, split into one task per thread. Results come back in
   * the order of `requests`. Each purchase stands alone: this is not an all-or-nothing order.
   */
  async purchaseBatch(
    requests: readonly PurchaseRequest[],
    options?: EnginePurchaseOptions,
  ): Promise<PurchaseResult[]> {
    if (this.#closed) throw new EngineClosedError();
    if (!Array.isArray(requests)) {
      throw new TypeError(
        `requests must be an array of { sku, quantity }; received ${show(requests)}`,
      );
    }
    const indexes = new Int32Array(requests.length);
    const quantities = new Int32Array(requests.length);
    requests.forEach((request, i) => {
      indexes[i] = this.inventory.indexOf(request?.sku);
      quantities[i] = checkQuantity(`requests[${i}].quantity`, request.quantity);
    });
    const settings = resolveCallSettings(options);
    return this.#runSplit(indexes, quantities, settings);
  }

  /**
   * Runs one race task on every pool thread at once: each waits at the table's start barrier,
   * which opens when all have arrived. `taskFor(thread)` builds the task of each thread.
   * Returns each thread's tally, in thread order, and the `performance.now()` of the release.
   */
  async runOnEveryThread(
    taskFor: (thread: number) => Omit<RaceTask, 'kind'>,
  ): Promise<{ tallies: RaceTaskResult[]; releasedAt: number }> {
    if (this.#closed) throw new EngineClosedError();
    const tasks = Array.from({ length: this.threads }, (_, thread) => taskFor(thread));
    // Each task blocks its thread at the barrier, so piscina must place one task per thread.
    const runs = tasks.map(
      (task) => this.#pool.run({ ...task, kind: 'race' }) as Promise<RaceTaskResult>,
    );
    const timeoutMs = Math.max(...tasks.map((task) => task.barrierTimeoutMs));
    const released = this.inventory.barrier
      .release(this.threads, timeoutMs)
      .then(() => performance.now());
    const [tallies, releasedAt] = await Promise.all([Promise.all(runs), released]);
    return { tallies, releasedAt };
  }

  /** Pool tasks run and purchases made through them, for checking how calls were gathered. */
  get stats(): { tasks: number; purchases: number } {
    return { tasks: this.#tasks, purchases: this.#purchases };
  }

  /** Waits for the calls in flight, then ends the pool threads. Later calls reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    await this.#pool.close();
  }

  #flush(): void {
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    const settings = this.#queueSettings;
    const indexes = Int32Array.from(queue, (pending) => pending.index);
    const quantities = Int32Array.from(queue, (pending) => pending.quantity);
    this.#runSplit(indexes, quantities, settings).then(
      (results) => {
        results.forEach((result, i) => {
          queue[i]?.resolve(result);
        });
      },
      (error: unknown) => {
        for (const pending of queue) pending.reject(error);
      },
    );
  }

  async #runSplit(
    indexes: Int32Array,
    quantities: Int32Array,
    settings: CallSettings,
  ): Promise<PurchaseResult[]> {
    // slice, not subarray: cloning a subarray for a task would copy its whole buffer.
    const parts = Math.min(this.threads, indexes.length);
    const size = Math.ceil(indexes.length / parts);
    const runs: Promise<Int32Array>[] = [];
    for (let start = 0; start < indexes.length; start += size) {
      this.#tasks++;
      runs.push(
        this.#pool.run({
          kind: 'purchases',
          indexes: indexes.slice(start, start + size),
          quantities: quantities.slice(start, start + size),
          ...settings,
        }),
      );
    }
    this.#purchases += indexes.length;
    const codes = await Promise.all(runs);
    return codes.flatMap((part) => Array.from(part, decodeResult));
  }
}

function decodeResult(code: number): PurchaseResult {
  if (code >= 0) return { ok: true, remaining: code };
  if (code === TIMED_OUT_CODE) return { ok: false, reason: 'timed-out' };
  return { ok: false, reason: 'insufficient-stock', available: -1 - code };
}

function sameSettings(a: CallSettings, b: CallSettings): boolean {
  return a.latencyMs === b.latencyMs && a.timeoutMs === b.timeoutMs;
}
