import { setTimeout as delay } from 'node:timers/promises';

import { AsyncLock } from './async-lock.js';
import { checkLatency, checkOptions, checkQuantity, show } from './validate.js';

/** Settings of an {@link AsyncInventory}. */
export interface AsyncInventoryOptions {
  /** Hold an {@link AsyncLock} around check, wait and write (default `true`). */
  locked?: boolean;
  /** Milliseconds each purchase waits between its check and its write (default 100). */
  latencyMs?: number;
}

/** Outcome of one buyer's purchase in an {@link AsyncInventory}. */
export type AsyncPurchaseResult =
  | { ok: true; userId: string; remaining: number }
  | { ok: false; userId: string; reason: 'insufficient-stock'; available: number };

/**
 * One item's stock in one event loop, sold by an async `purchase` that checks the stock, waits
 * (a database round trip), then writes. With `locked: true` an {@link AsyncLock} makes the
 * three steps one; with `locked: false` every buyer that starts during the wait passes the
 * check before anyone writes, and the stock goes negative.
 */
export class AsyncInventory {
  readonly initialStock: number;
  readonly locked: boolean;
  readonly latencyMs: number;
  readonly #lock = new AsyncLock();
  #stock: number;
  #sold = 0;
  #lowest: number;

  constructor(initialStock: number, options?: AsyncInventoryOptions) {
    checkQuantity('initialStock', initialStock, 0);
    const settings = checkOptions<AsyncInventoryOptions>('options', options, [
      'locked',
      'latencyMs',
    ]);
    const locked = settings.locked ?? true;
    if (typeof locked !== 'boolean') {
      throw new TypeError(`options.locked must be a boolean; received ${show(locked)}`);
    }
    this.initialStock = initialStock;
    this.locked = locked;
    this.latencyMs = checkLatency('options.latencyMs', settings.latencyMs ?? 100);
    this.#stock = initialStock;
    this.#lowest = initialStock;
  }

  /** Units in stock now; negative after an oversell without the lock. */
  get stock(): number {
    return this.#stock;
  }

  /** Units sold so far. */
  get sold(): number {
    return this.#sold;
  }

  /** Lowest stock seen after any write. */
  get lowestStock(): number {
    return this.#lowest;
  }

  /** Buys `amount` units for `userId`: check, wait `latencyMs`, write. */
  purchase(userId: string, amount: number): Promise<AsyncPurchaseResult> {
    checkQuantity('amount', amount);
    if (!this.locked) return this.#checkWaitWrite(userId, amount);
    return this.#lock.runExclusive(() => this.#checkWaitWrite(userId, amount));
  }

  async #checkWaitWrite(userId: string, amount: number): Promise<AsyncPurchaseResult> {
    const available = this.#stock;
    if (available < amount) return { ok: false, userId, reason: 'insufficient-stock', available };
    await delay(this.latencyMs);
    this.#stock -= amount;
    this.#sold += amount;
    this.#lowest = Math.min(this.#lowest, this.#stock);
    return { ok: true, userId, remaining: this.#stock };
  }
}
