import { abortError, TimeoutError } from './errors.js';
import { checkMilliseconds, checkOptions } from './validate.js';

/** Settings of one wait for an {@link AsyncLock}. */
export interface AcquireOptions {
  /** Aborting the signal while the call waits rejects it with an `AbortError`. */
  signal?: AbortSignal;
  /** Longest wait in milliseconds, after which the call rejects with `TimeoutError`. */
  timeoutMs?: number;
}

/** Gives the lock back. Calling it a second time throws. */
export type Release = () => void;

interface Waiter {
  /** False once the waiter gave up (aborted or timed out); the queue then skips it. */
  active: boolean;
  grant: (release: Release) => void;
  fail: (error: Error) => void;
}

/**
 * A first-in, first-out lock for async code in one thread, the counterpart of Python's
 * `asyncio.Lock`. A release hands the lock straight to the oldest waiter, so a newcomer can
 * never overtake the queue. It does nothing across threads: for that, use an
 * {@link Inventory} with the `mutex` or `atomic` strategy.
 */
export class AsyncLock {
  #locked = false;
  #waiters: Waiter[] = [];
  #head = 0;

  /** Whether some caller holds the lock. */
  get locked(): boolean {
    return this.#locked;
  }

  /** Number of callers waiting for the lock. */
  get waiting(): number {
    let count = 0;
    for (let i = this.#head; i < this.#waiters.length; i++) {
      if (this.#waiters[i]?.active) count++;
    }
    return count;
  }

  /** Takes the lock if it is free, without waiting. Returns the release function, or `null`. */
  tryAcquire(): Release | null {
    if (this.#locked) return null;
    this.#locked = true;
    return this.#releaser();
  }

  /**
   * Waits for the lock and resolves to the function that releases it. Rejects with an
   * `AbortError` or a `TimeoutError` if the wait ends first; such a call never holds the lock.
   */
  acquire(options?: AcquireOptions): Promise<Release> {
    if (!this.#locked) {
      if (options?.signal?.aborted) return Promise.reject(abortError(options.signal));
      this.#locked = true;
      return Promise.resolve(this.#releaser());
    }
    return this.#enqueue(options);
  }

  /**
   * Runs `task` while holding the lock and releases it afterwards, also when `task` throws or
   * rejects. An error inside `task` rejects only this call; the lock passes to the next waiter.
   */
  async runExclusive<T>(task: () => T | PromiseLike<T>, options?: AcquireOptions): Promise<T> {
    const release = this.#locked ? await this.#enqueue(options) : this.#takeFree(options);
    // The signal may fire between the hand-over and this line: pass the lock on, run nothing.
    if (options?.signal?.aborted) {
      release();
      throw abortError(options.signal);
    }
    try {
      return await task();
    } finally {
      release();
    }
  }

  #takeFree(options: AcquireOptions | undefined): Release {
    if (options?.signal?.aborted) throw abortError(options.signal);
    this.#locked = true;
    return this.#releaser();
  }

  #enqueue(options: AcquireOptions | undefined): Promise<Release> {
    const { signal, timeoutMs } = checkAcquireOptions(options);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<Release>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const leave = (error: Error) => {
        waiter.active = false;
        waiter.fail(error);
      };
      const onAbort = () => leave(abortError(signal as AbortSignal));
      const cleanUp = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        active: true,
        grant: (release) => {
          cleanUp();
          // A signal that fired after the grant but before this runs: pass the lock on.
          if (signal?.aborted) {
            release();
            reject(abortError(signal));
          } else {
            resolve(release);
          }
        },
        fail: (error) => {
          cleanUp();
          reject(error);
        },
      };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined && timeoutMs !== Number.POSITIVE_INFINITY) {
        timer = setTimeout(
          () => leave(new TimeoutError(`lock not acquired within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }
    });
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) throw new Error('this AsyncLock release function was already called');
      released = true;
      this.#handOver();
    };
  }

  #handOver(): void {
    while (this.#head < this.#waiters.length) {
      const next = this.#waiters[this.#head++] as Waiter;
      if (next.active) {
        next.active = false;
        this.#compact();
        next.grant(this.#releaser());
        return;
      }
    }
    this.#compact();
    this.#locked = false;
  }

  /** Drops the consumed front of the queue once it is long enough to be worth copying. */
  #compact(): void {
    if (this.#head === this.#waiters.length) {
      this.#waiters = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      // Waiters hold no index into the queue, so moving them is safe.
      this.#waiters = this.#waiters.slice(this.#head);
      this.#head = 0;
    }
  }
}

function checkAcquireOptions(options: AcquireOptions | undefined): AcquireOptions {
  const settings = checkOptions<AcquireOptions>('options', options);
  if (settings.signal !== undefined && !(settings.signal instanceof AbortSignal)) {
    throw new TypeError('options.signal must be an AbortSignal');
  }
  if (settings.timeoutMs !== undefined) {
    checkMilliseconds('options.timeoutMs', settings.timeoutMs, true);
  }
  return settings;
}
