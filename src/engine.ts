import { channel } from 'node:diagnostics_channel';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';

import { Piscina } from 'piscina';

import {
  abortError,
  EngineClosedError,
  OperationInterruptedError,
  TimeoutError,
} from './errors.js';
import { Inventory, type PurchaseResult } from './inventory.js';
import type { Repair } from './journal.js';
import {
  BatchSlot,
  batchSlotsBytes,
  type FaultAction,
  type FaultOutcome,
  type PurchaseBatchResult,
  type PurchaseBatchTask,
  PurchaseStatus,
  PurchaseWord,
  purchaseSlot,
  type RaceTask,
  type RaceTaskResult,
  type ReplayBatchTask,
  type ReplayTally,
  type StartTask,
} from './protocol.js';
import { checkRequestId } from './request-log.js';
import { checkLatency, checkMilliseconds, checkOptions, checkQuantity, show } from './validate.js';

/** Settings of a {@link StockEngine}. */
export interface EngineOptions {
  /** Pool threads; default: the machine's available parallelism. */
  threads?: number;
  /** Allow {@link StockEngine.injectFault}, for tests of failure handling (default `false`). */
  faultInjection?: boolean;
}

/** Per-call settings of the engine's purchases. */
export interface EnginePurchaseOptions {
  /** Milliseconds between check and write inside the worker (a database round trip). */
  latencyMs?: number;
  /** Longest wait, in milliseconds, for a pool thread and then for the SKU's lock. The call then
   * rejects with `TimeoutError`, having changed nothing. Default: no limit. */
  timeoutMs?: number;
  /** Aborting rejects the call with an `AbortError` if it has not started; a purchase that
   * already started finishes and resolves. */
  signal?: AbortSignal;
  /** Applies the purchase at most once per id; see `RequestOptions.requestId`. */
  requestId?: string;
}

/** One purchase of a batch. */
export interface PurchaseRequest {
  sku: string;
  quantity: number;
}

/** Event the engine publishes on the `stockroom:recovery` diagnostics channel. */
export interface RecoveryEvent extends Repair {
  /** `threadId + 1` of the pool thread that died. */
  owner: number;
  locksFreed: number;
}

interface Pending {
  index: number;
  quantity: number;
  requestId: string | null;
  deadline: number;
  resolve: (result: PurchaseResult) => void;
  reject: (error: unknown) => void;
  /** Set once the call has settled or was cancelled before it was sent. */
  done: boolean;
  /** Status buffer and word index of the purchase, once the call was sent to a worker. */
  slots?: Int32Array;
  at?: number;
  cleanUp?: () => void;
}

/** Purchases that fit a reusable batch buffer: one awaited call, or a few gathered ones. */
const SMALL_BATCH = 16;
const SMALL_BATCH_BYTES = batchSlotsBytes(SMALL_BATCH);

// The compiled engine lives in dist/src/, its worker entry in dist/workers/.
const WORKER_URL = new URL('../workers/stock-worker.js', import.meta.url);
const recoveryChannel = channel('stockroom:recovery');
const poolErrorChannel = channel('stockroom:pool-error');

/**
 * Sells from an {@link Inventory} on a piscina pool of worker threads. Each thread attaches to
 * the table once, when it starts. Purchases that arrive in the same tick are gathered into one
 * task per thread, so a burst of calls costs a few pool round trips, not one per call.
 *
 * When a pool thread dies, the engine repairs what it left behind before the affected calls
 * settle: it completes or rolls back the write in progress and frees the locks it held (see
 * {@link Inventory.recoverThread}), and publishes a {@link RecoveryEvent} on the
 * `stockroom:recovery` diagnostics channel. A thread that fails outside any task is published
 * on `stockroom:pool-error` as `{ error }`.
 */
export class StockEngine {
  /** The table this engine sells from. */
  readonly inventory: Inventory;
  /** Number of pool threads. */
  readonly threads: number;

  readonly #pool: Piscina;
  #queue: Pending[] = [];
  #queueLatency = 0;
  #closed = false;
  /** Settles once every pool thread has loaded the worker module (see #meetEveryThread). */
  readonly #started: Promise<void>;
  /** The first close's promise, which later calls to close return. */
  #closing: Promise<void> | undefined;
  #tasks = 0;
  #purchases = 0;
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Batch buffers of finished small batches, ready for reuse. */
  readonly #spareBuffers: Int32Array[] = [];
  /** Calls sent to a worker and not settled yet. */
  readonly #sent = new Set<Pending[]>();
  /** Repairs of dead pool threads, by owner id, settled once the thread has exited. */
  readonly #repairs = new Map<number, Promise<RecoveryEvent>>();
  readonly #known = new Set<Worker>();

  constructor(inventory: Inventory, options?: EngineOptions) {
    if (!(inventory instanceof Inventory)) {
      throw new TypeError(`inventory must be an Inventory; received ${show(inventory)}`);
    }
    const settings = checkOptions<EngineOptions>('options', options, ['threads', 'faultInjection']);
    const threads = settings.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new RangeError(
        `options.threads must be an integer from 1 to 256; received ${show(threads)}`,
      );
    }
    const faultInjection = settings.faultInjection ?? false;
    if (typeof faultInjection !== 'boolean') {
      throw new TypeError(
        `options.faultInjection must be a boolean; received ${show(faultInjection)}`,
      );
    }
    this.inventory = inventory;
    this.threads = threads;
    this.#pool = new Piscina({
      filename: WORKER_URL.href,
      workerData: { buffer: inventory.buffer, faultInjection },
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
    });
    this.#pool.on('workerCreate', () => this.#watchNewThreads());
    // piscina emits 'error' for a thread that fails while running no task; with no listener
    // that would end the whole process. It replaces the thread; the error is published.
    this.#pool.on('error', (error: unknown) => poolErrorChannel.publish({ error }));
    this.#started = this.#meetEveryThread(threads, 30_000);
  }

  /**
   * Sends one task to each of `threads` pool threads, which return once all of them have loaded
   * the worker module, by meeting at a shared counter. close() waits for this before it ends
   * the threads.
   * NOTE: a test run here aborted with the Node.js 20 fatal error "v8::Module::IsGraphAsync
   * must be used on an instantiated module" while engines were closed right after creation; a
   * thread terminated while loading its ES module is the likely cause, not a proven one.
   */
  #meetEveryThread(threads: number, timeoutMs: number): Promise<void> {
    const arrived = new SharedArrayBuffer(4);
    const task: StartTask = { kind: 'start', arrived, parties: threads, timeoutMs };
    const runs = Array.from({ length: threads }, () => this.#pool.run(task) as Promise<void>);
    return Promise.all(runs).then(
      () => undefined,
      // A thread that fails to start is replaced by piscina and reported on the error channel.
      () => undefined,
    );
  }

  /**
   * Buys `quantity` units of `sku` in a pool thread. Calls made in the same tick with the same
   * latency travel together, one task per thread. Rejects with `TimeoutError` or `AbortError`,
   * having changed nothing, and with {@link OperationInterruptedError} if its thread died.
   */
  purchase(
    sku: string,
    quantity: number,
    options?: EnginePurchaseOptions,
  ): Promise<PurchaseResult> {
    if (this.#closed) return Promise.reject(new EngineClosedError());
    let index: number;
    let settings: ResolvedOptions;
    try {
      index = this.inventory.indexOf(sku);
      checkQuantity('quantity', quantity);
      settings = options === undefined ? NO_OPTIONS : resolveOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (settings.signal?.aborted) return Promise.reject(abortError(settings.signal));
    if (this.#queue.length > 0 && settings.latencyMs !== this.#queueLatency) this.#flush();

    return new Promise((resolve, reject) => {
      const pending: Pending = {
        index,
        quantity,
        requestId: settings.requestId,
        deadline: settings.deadline,
        resolve,
        reject,
        done: false,
      };
      if (settings.signal !== undefined || settings.deadline !== 0) {
        this.#watchCall(pending, settings);
      }
      if (this.#queue.length === 0) {
        this.#queueLatency = settings.latencyMs;
        queueMicrotask(() => this.#flush());
      }
      this.#queue.push(pending);
    });
  }

  /**
   * Buys every request in pool threads, split into one task per thread. Results come back in
   * the order of `requests`. Each purchase is independent: this is not an all-or-nothing order.
   * If some fail (a timeout, a dead thread), rejects with an `AggregateError` whose `results`
   * holds every purchase's settled outcome, in order.
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
    resolveOptions(options);
    requests.forEach((request, i) => {
      this.inventory.indexOf(request?.sku);
      checkQuantity(`requests[${i}].quantity`, request.quantity);
    });
    // Every call below joins the same gathering, so the batch travels as one task per thread.
    const settled = await Promise.allSettled(
      requests.map((request) => this.purchase(request.sku, request.quantity, options)),
    );
    const errors = settled.flatMap((outcome) =>
      outcome.status === 'rejected' ? [outcome.reason] : [],
    );
    if (errors.length === 0) {
      return settled.map((outcome) => (outcome as PromiseFulfilledResult<PurchaseResult>).value);
    }
    // The other purchases ran: their outcomes travel with the error rather than being lost.
    throw Object.assign(
      new AggregateError(errors, `${errors.length} of ${requests.length} purchases failed`),
      { results: settled },
    );
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

  /**
   * Runs a purchase that fails on purpose inside its critical section, at `point`: its thread
   * exits, its code throws, or it hangs until `signal` aborts the task (which terminates the
   * thread). Needs `faultInjection: true`; `mutex` tables only. Rejects with
   * {@link OperationInterruptedError} after the engine repaired the damage.
   */
  async injectFault(
    sku: string,
    quantity: number,
    fault: { point: 'before-write' | 'after-write'; action: FaultAction; signal?: AbortSignal },
  ): Promise<never> {
    if (this.#closed) throw new EngineClosedError();
    const index = this.inventory.indexOf(sku);
    checkQuantity('quantity', quantity);
    const slots = new SharedArrayBuffer(batchSlotsBytes(0));
    const task = {
      kind: 'fault',
      index,
      quantity,
      point: fault.point,
      action: fault.action,
      slots,
    };
    let outcome: FaultOutcome;
    try {
      outcome = await this.#pool.run(task, { signal: fault.signal ?? null });
    } catch (error) {
      const owner = Atomics.load(new Int32Array(slots), BatchSlot.owner);
      const repair = owner === 0 ? undefined : await this.#repairOf(owner);
      throw new OperationInterruptedError(
        `the pool thread died in the middle of a purchase of ${sku}; ` +
          (repair?.tookEffect ? 'it took effect' : 'it did not take effect'),
        repair?.tookEffect ?? false,
        { cause: error },
      );
    }
    if (!outcome.fired) {
      throw new Error(
        `the injected fault did not fire: the purchase of ${sku} was rejected ` +
          `(${outcome.reason ?? 'unknown reason'}) before any write; nothing changed`,
      );
    }
    throw new OperationInterruptedError(
      `the purchase of ${sku} threw inside its critical section; ` +
        (outcome.tookEffect ? 'it took effect' : 'it did not take effect'),
      outcome.tookEffect,
    );
  }

  /** Applies one batch of encoded replay events in a pool thread; see {@link replay}. */
  replayBatch(events: Int32Array, latencyMs: number): Promise<ReplayTally> {
    if (this.#closed) return Promise.reject(new EngineClosedError());
    this.#tasks++;
    const task: ReplayBatchTask = { kind: 'replay', events, latencyMs };
    // Moved, not copied: the caller never reads the batch again.
    return this.#pool.run(task, { transferList: [events.buffer as ArrayBuffer] });
  }

  /** Pool threads running now; lower than {@link threads} while piscina replaces a dead one. */
  get liveThreads(): number {
    return this.#pool.threads.length;
  }

  /** Pool tasks run and purchases sent through them, for checking how calls were gathered. */
  get stats(): { tasks: number; purchases: number } {
    return { tasks: this.#tasks, purchases: this.#purchases };
  }

  /**
   * Rejects new calls, lets the calls in flight finish, then ends the pool threads. With
   * `deadlineMs`, calls that have not started by then are cancelled and reject with
   * `EngineClosedError`; a purchase that has started always finishes.
   */
  async close(options?: { deadlineMs?: number }): Promise<void> {
    const deadlineMs = checkMilliseconds(
      'options.deadlineMs',
      options?.deadlineMs ?? Number.POSITIVE_INFINITY,
      true,
    );
    if (this.#closing !== undefined) return this.#closing;
    this.#flush();
    this.#closed = true;
    this.#closing = this.#drain(deadlineMs);
    return this.#closing;
  }

  async #drain(deadlineMs: number): Promise<void> {
    const settled = Promise.allSettled([...this.#inFlight]);
    if (deadlineMs !== Number.POSITIVE_INFINITY) {
      const timer = setTimeout(() => this.#cancelAll(), deadlineMs);
      await settled;
      clearTimeout(timer);
    } else {
      await settled;
    }
    await this.#started;
    // Threads that piscina started since, to replace dead ones, may still be loading too.
    await this.#meetEveryThread(this.#pool.threads.length, 5_000);
    await this.#pool.close();
  }

  #watchCall(pending: Pending, settings: ResolvedOptions): void {
    const { signal } = settings;
    const onAbort = () => this.#cancel(pending, abortError(signal as AbortSignal));
    const timer =
      settings.timeoutMs === Number.POSITIVE_INFINITY
        ? undefined
        : setTimeout(
            () =>
              this.#cancel(
                pending,
                new TimeoutError(`purchase did not start within ${settings.timeoutMs} ms`),
              ),
            settings.timeoutMs,
          );
    signal?.addEventListener('abort', onAbort, { once: true });
    pending.cleanUp = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
  }

  /** Cancels a call that has not started; one that has started is left to finish. */
  #cancel(pending: Pending, error: Error): void {
    if (pending.done) return;
    if (pending.slots !== undefined && pending.at !== undefined) {
      const swapped = Atomics.compareExchange(
        pending.slots,
        pending.at,
        PurchaseStatus.pending,
        PurchaseStatus.cancelled,
      );
      if (swapped !== PurchaseStatus.pending) return;
    }
    this.#settle(pending, () => pending.reject(error));
  }

  #cancelAll(): void {
    const error = () => new EngineClosedError('the engine closed before this purchase started');
    for (const pending of this.#queue) this.#cancel(pending, error());
    for (const batch of this.#sent) for (const pending of batch) this.#cancel(pending, error());
  }

  #settle(pending: Pending, action: () => void): void {
    if (pending.done) return;
    pending.done = true;
    pending.cleanUp?.();
    action();
  }

  #flush(): void {
    const queue = this.#queue.filter((pending) => !pending.done);
    this.#queue = [];
    if (queue.length === 0) return;
    const parts = Math.min(this.threads, queue.length);
    const size = Math.ceil(queue.length / parts);
    for (let start = 0; start < queue.length; start += size) {
      this.#send(queue.slice(start, start + size), this.#queueLatency);
    }
  }

  #send(batch: Pending[], latencyMs: number): void {
    const slots = this.#batchBuffer(batch.length);
    slots[BatchSlot.count] = batch.length;
    let anyDeadline = false;
    batch.forEach((pending, i) => {
      const at = purchaseSlot(i);
      slots[at + PurchaseWord.index] = pending.index;
      slots[at + PurchaseWord.quantity] = pending.quantity;
      pending.slots = slots;
      pending.at = at;
      if (pending.deadline !== 0) anyDeadline = true;
    });
    this.#sent.add(batch);
    const task: PurchaseBatchTask = {
      kind: 'purchases',
      deadlines: anyDeadline ? Float64Array.from(batch, (pending) => pending.deadline) : null,
      latencyMs,
      requestIds: batch.some((pending) => pending.requestId !== null)
        ? batch.map((pending) => pending.requestId)
        : null,
      slots: slots.buffer as SharedArrayBuffer,
    };
    this.#tasks++;
    this.#purchases += batch.length;
    const run = (this.#pool.run(task) as Promise<PurchaseBatchResult>).then(
      (failures) => {
        this.#finishBatch(batch, slots, failures, null);
        // Every call of the batch has settled, so no late cancel can touch the buffer again.
        if (batch.every((pending) => pending.done)) this.#recycle(slots);
      },
      (error: unknown) => this.#finishDeadBatch(batch, slots, error),
    );
    this.#inFlight.add(run);
    void run.finally(() => {
      this.#inFlight.delete(run);
      this.#sent.delete(batch);
    });
  }

  /** A zeroed batch buffer for `count` purchases; small ones are reused, not allocated. */
  #batchBuffer(count: number): Int32Array {
    if (count > SMALL_BATCH) return new Int32Array(new SharedArrayBuffer(batchSlotsBytes(count)));
    return this.#spareBuffers.pop() ?? new Int32Array(new SharedArrayBuffer(SMALL_BATCH_BYTES));
  }

  /** Keeps a small batch buffer whose batch ended normally, for the next small batch. */
  #recycle(slots: Int32Array): void {
    if (slots.byteLength !== SMALL_BATCH_BYTES || this.#spareBuffers.length >= 64) return;
    slots.fill(0);
    this.#spareBuffers.push(slots);
  }

  #finishBatch(
    batch: Pending[],
    slots: Int32Array,
    failures: PurchaseBatchResult,
    repair: RecoveryEvent | null,
  ): void {
    const errors = new Map(failures.map((failure) => [failure.position, failure]));
    batch.forEach((pending, i) => {
      const at = purchaseSlot(i);
      const status = Atomics.load(slots, at);
      const code = Atomics.load(slots, at + PurchaseWord.code);
      if (status === PurchaseStatus.done) {
        // The common case, inlined: no closure per call.
        if (pending.done) return;
        pending.done = true;
        pending.cleanUp?.();
        pending.resolve(decodeCode(code));
      } else if (status === PurchaseStatus.timedOut) {
        const error = new TimeoutError(
          'purchase timed out waiting for the SKU lock; nothing changed',
        );
        this.#settle(pending, () => pending.reject(error));
      } else if (status === PurchaseStatus.requestInProgress) {
        this.#settle(pending, () => pending.resolve({ ok: false, reason: 'request-in-progress' }));
      } else if (status === PurchaseStatus.requestLogFull) {
        this.#settle(pending, () => pending.resolve({ ok: false, reason: 'request-log-full' }));
      } else if (status === PurchaseStatus.failed) {
        const failure = errors.get(i);
        const tookEffect = code === -1 ? null : code === 1;
        const message = failure ? `${failure.name}: ${failure.message}` : 'purchase failed';
        this.#settle(pending, () =>
          pending.reject(new OperationInterruptedError(message, tookEffect)),
        );
      } else if (status === PurchaseStatus.running) {
        const tookEffect = repair?.sku === pending.index ? repair.tookEffect : null;
        const message =
          'the pool thread died in the middle of this purchase; ' +
          (tookEffect === null
            ? 'whether it took effect is unknown'
            : `took effect: ${tookEffect}`);
        this.#settle(pending, () =>
          pending.reject(new OperationInterruptedError(message, tookEffect)),
        );
      } else if (status === PurchaseStatus.pending) {
        this.#settle(pending, () =>
          pending.reject(
            new OperationInterruptedError(
              'the pool thread died before this purchase started',
              false,
            ),
          ),
        );
      }
    });
  }

  async #finishDeadBatch(batch: Pending[], slots: Int32Array, error: unknown): Promise<void> {
    const owner = Atomics.load(slots, BatchSlot.owner);
    const repair = owner === 0 ? null : await this.#repairOf(owner);
    this.#finishBatch(batch, slots, [], repair);
    for (const pending of batch) {
      this.#settle(pending, () => pending.reject(error));
    }
  }

  /** Waits for the repair of pool thread `owner`, which runs once the thread has exited. */
  #repairOf(owner: number): Promise<RecoveryEvent | null> {
    const repair = this.#repairs.get(owner);
    if (repair !== undefined) return repair;
    // The thread is not one this engine watched: nothing to wait for.
    return Promise.resolve(null);
  }

  /** Starts watching pool threads piscina has just created, so their death can be repaired. */
  #watchNewThreads(): void {
    for (const worker of this.#pool.threads) {
      if (this.#known.has(worker)) continue;
      this.#known.add(worker);
      const owner = worker.threadId + 1;
      this.#repairs.set(
        owner,
        new Promise((resolve) => {
          // 'exit' fires once the thread has stopped, so nothing it does can race the repair.
          worker.once('exit', () => {
            this.#known.delete(worker);
            const event: RecoveryEvent = { owner, ...this.inventory.recoverThread(owner) };
            if (event.operation !== null || event.locksFreed > 0) recoveryChannel.publish(event);
            resolve(event);
            // Keep the repair for calls that look it up later, for a while.
            setTimeout(() => this.#repairs.delete(owner), 60_000).unref();
          });
        }),
      );
    }
  }
}

/** Settings of a call made without options. */
const NO_OPTIONS: ResolvedOptions = {
  requestId: null,
  latencyMs: 0,
  timeoutMs: Number.POSITIVE_INFINITY,
  deadline: 0,
  signal: undefined,
};

interface ResolvedOptions {
  requestId: string | null;
  latencyMs: number;
  timeoutMs: number;
  deadline: number;
  signal: AbortSignal | undefined;
}

function resolveOptions(options: EnginePurchaseOptions | undefined): ResolvedOptions {
  const settings = checkOptions<EnginePurchaseOptions>('options', options, [
    'latencyMs',
    'timeoutMs',
    'signal',
    'requestId',
  ]);
  const signal = settings.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`options.signal must be an AbortSignal; received ${show(signal)}`);
  }
  const timeoutMs = checkMilliseconds(
    'options.timeoutMs',
    settings.timeoutMs ?? Number.POSITIVE_INFINITY,
    true,
  );
  const requestId = settings.requestId === undefined ? null : checkRequestId(settings.requestId);
  return {
    requestId,
    latencyMs: checkLatency('options.latencyMs', settings.latencyMs ?? 0),
    timeoutMs,
    deadline: timeoutMs === Number.POSITIVE_INFINITY ? 0 : Date.now() + timeoutMs,
    signal,
  };
}

function decodeCode(code: number): PurchaseResult {
  if (code >= 0) return { ok: true, remaining: code };
  return { ok: false, reason: 'insufficient-stock', available: -1 - code };
}
