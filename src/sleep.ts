import { isMainThread } from 'node:worker_threads';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks the calling worker thread for `ms` milliseconds with `Atomics.wait` on a private slot
 * that nobody notifies. It stands for a database round trip inside a critical section.
 * Throws a `TypeError` on the main thread, which must never block.
 */
export function sleepSync(ms: number): void {
  if (ms <= 0) return;
  if (isMainThread) {
    throw new TypeError(
      `a latency window of ${ms} ms blocks the thread; use it only in worker threads`,
    );
  }
  Atomics.wait(sleeper, 0, 0, ms);
}
