import { isMainThread } from 'node:worker_threads';

import { TimeoutError } from './errors.js';
import { waitAsyncAlive } from './wait.js';

/** Int32 slots that a start barrier takes in a shared `Int32Array`. */
export const BARRIER_SLOTS = 2;

const ARRIVED = 0;
const GENERATION = 1;

/**
 * A start barrier in shared memory: worker threads arrive and block until the coordinating
 * thread has seen all of them arrive and opens the barrier, so they start their work at once.
 *
 * Workers call {@link StartBarrier.arriveAndWait} (it blocks with `Atomics.wait`). The
 * coordinator, usually the main thread, calls {@link StartBarrier.release}, which waits with
 * `Atomics.waitAsync` and never blocks the event loop. The barrier can be reused for any number
 * of rounds: each release starts a new generation.
 */
export class StartBarrier {
  readonly #slots: Int32Array;

  /**
   * Wraps two Int32 slots of `view`, starting at `offset`. Every thread that takes part must
   * wrap the same slots of the same `SharedArrayBuffer`.
   */
  constructor(view: Int32Array, offset = 0) {
    if (!(view.buffer instanceof SharedArrayBuffer)) {
      throw new TypeError('StartBarrier needs an Int32Array over a SharedArrayBuffer');
    }
    if (!Number.isInteger(offset) || offset < 0 || offset + BARRIER_SLOTS > view.length) {
      throw new RangeError(
        `StartBarrier offset must leave ${BARRIER_SLOTS} slots in a view of length ` +
          `${view.length}; received ${String(offset)}`,
      );
    }
    this.#slots = view.subarray(offset, offset + BARRIER_SLOTS);
  }

  /** Creates a barrier on a fresh `SharedArrayBuffer` of its own. */
  static create(): StartBarrier {
    return new StartBarrier(new Int32Array(new SharedArrayBuffer(BARRIER_SLOTS * 4)));
  }

  /** The shared slots, to send to other threads and wrap there with `new StartBarrier(view)`. */
  get view(): Int32Array {
    return this.#slots;
  }

  /** Number of threads that have arrived since the last release. */
  get arrived(): number {
    return Atomics.load(this.#slots, ARRIVED);
  }

  /**
   * Registers this thread and blocks until the coordinator releases the barrier.
   * Returns `false` if `timeoutMs` passes first. Worker threads only: the main thread must not
   * block, so it gets a `TypeError`.
   */
  arriveAndWait(timeoutMs = Number.POSITIVE_INFINITY): boolean {
    if (isMainThread) {
      throw new TypeError(
        'StartBarrier.arriveAndWait blocks the thread; call it from a worker thread',
      );
    }
    const slots = this.#slots;
    const generation = Atomics.load(slots, GENERATION);
    Atomics.add(slots, ARRIVED, 1);
    Atomics.notify(slots, ARRIVED);

    const deadline = performance.now() + timeoutMs;
    // A wake-up proves nothing by itself: loop until the generation has really moved on.
    while (Atomics.load(slots, GENERATION) === generation) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) return false;
      Atomics.wait(slots, GENERATION, generation, remaining);
    }
    return true;
  }

  /**
   * Waits without blocking the event loop until `parties` threads have arrived, then opens the
   * barrier for all of them at once and resets the count for the next round.
   * Rejects with {@link TimeoutError} if they have not all arrived within `timeoutMs`.
   */
  async release(parties: number, timeoutMs = 30_000): Promise<void> {
    if (!Number.isInteger(parties) || parties < 1) {
      throw new RangeError(`parties must be a positive integer; received ${String(parties)}`);
    }
    const slots = this.#slots;
    const deadline = performance.now() + timeoutMs;

    for (;;) {
      const arrived = Atomics.load(slots, ARRIVED);
      if (arrived >= parties) break;
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw new TimeoutError(
          `start barrier timed out after ${timeoutMs} ms with ${arrived} of ${parties} threads arrived`,
        );
      }
      await waitAsyncAlive(slots, ARRIVED, arrived, remaining);
    }

    Atomics.store(slots, ARRIVED, 0);
    Atomics.add(slots, GENERATION, 1);
    Atomics.notify(slots, GENERATION);
  }
}
