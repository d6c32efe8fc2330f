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

/** A waiter with a signal or a timeout, which may give up before its turn. */
interface Waiter {
  /** False once the waiter gave up (aborted or timed out); the queue then skips it. */
  active: boolean;
  /** Called with the lock already handed over to this waiter. */
  grant: () => void;
  fail: (error: Error) => void;
}

/**
 * A queued call: a plain function for calls without options, which cannot give up and so need
 * none of a {@link Waiter}'s bookkeeping, or a waiter. Either is called once the lock is its.
 */
type QueueEntry = (() => void) | Waiter;

/**
 * A first-in, first-out lock for async code in one thread, the counterpart of Python's
 * `asyncio.Lock`. A release hands the lock straight to the oldest waiter, so a newcomer can
 * never overtake the queue. It does nothing across threads: for that, use an
 * {@link Inventory} with the `mutex` or `atomic` strategy.
 */
export class AsyncLock {
  #locked = false;
  #queue: QueueEntry[] = [];
  #head = 0;

  /** Whether some caller holds the lock. */
  get locked(): boolean {
    return this.#locked;
  }

  /** Number of callers waiting for the lock. */
  get waiting(): number {
    let count = 0;
    for (let i = this.#head; i < this.#queue.length; i++) {
      const entry = this.#queue[i];
      if (typeof entry === 'function' || entry?.active) count++;
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
    if (options !== undefined) {
      return this.#wait(options).then(() => this.#releaser());
    }
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => {
      this.#queue.push(() => resolve(this.#releaser()));
    });
  }

  /**
   * Runs `task` while holding the lock and releases it afterwards, also when `task` throws or
   * rejects. An error inside `task` rejects only this call; the lock passes to the next waiter.
   */
  runExclusive<T>(task: () => T | PromiseLike<T>, options?: AcquireOptions): Promise<T> {
    if (options !== undefined) return this.#wait(options).then(() => this.#runHeld(task));
    if (!this.#locked) {
      this.#locked = true;
      return this.#runHeld(task);
    }
    return new Promise<void>((resolve) => {
      this.#queue.push(resolve);
    }).then(() => this.#runHeld(task));
  }

  /** Runs `task` with the lock held by this call and releases it when `task` settles. */
  #runHeld<T>(task: () => T | PromiseLike<T>): Promise<T> {
    let result: T | PromiseLike<T>;
    try {
      result = task();
    } catch (error) {
      this.#handOver();
      return Promise.reject(error);
    }
    if (!isPromiseLike(result)) {
      this.#handOver();
      return Promise.resolve(result);
    }
    return Promise.resolve(result).then(
      (value) => {
        this.#handOver();
        return value;
      },
      (error: unknown) => {
        this.#handOver();
        throw error;
      },
    );
  }

  /**
   * Resolves once the lock is this call's, honouring `options`. Rejects, holding nothing, if
   * the signal aborts or the timeout passes first, including a signal that fires after the
   * hand-over but before the caller runs: the lock then passes on.
   */
  #wait(options: AcquireOptions): Promise<void> {
    const { signal, timeoutMs } = checkAcquireOptions(options);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const waited = this.#locked ? this.#enqueue(signal, timeoutMs) : this.#take();
    if (signal === undefined) return waited;
    return waited.then(() => {
      if (!signal.aborted) return;
      this.#handOver();
      throw abortError(signal);
    });
  }

  #take(): Promise<void> {
    this.#locked = true;
    return Promise.resolve();
  }

  #enqueue(signal: AbortSignal | undefined, timeoutMs: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
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
        grant: () => {
          cleanUp();
          resolve();
        },
        fail: (error) => {
          cleanUp();
          reject(error);
        },
      };
      this.#queue.push(waiter);
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

  /** Passes the lock to the oldest waiter still waiting, or frees it. */
  #handOver(): void {
    while (this.#head < this.#queue.length) {
      const next = this.#queue[this.#head++] as QueueEntry;
      if (typeof next === 'function') {
        this.#compact();
        next();
        return;
      }
      if (next.active) {
        next.active = false;
        this.#compact();
        next.grant();
        return;
      }
    }
    this.#compact();
    this.#locked = false;
  }

  /** Drops the consumed front of the queue once it is long enough to be worth copying. */
  #compact(): void {
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      // Waiters hold no index into the queue, so moving them is safe.
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<T>).then === 'function'
  );
}

function checkAcquireOptions(options: AcquireOptions): AcquireOptions {
  const settings = checkOptions<AcquireOptions>('options', options, ['signal', 'timeoutMs']);
  if (settings.signal !== undefined && !(settings.signal instanceof AbortSignal)) {
    throw new TypeError('options.signal must be an AbortSignal');
  }
  if (settings.timeoutMs !== undefined) {
    checkMilliseconds('options.timeoutMs', settings.timeoutMs, true);
  }
  return settings;
}
