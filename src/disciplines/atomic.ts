import { lock, unlock } from '../futex.js';
import { Counter, Field } from '../layout.js';
import { sleepSync } from '../sleep.js';
import { overflowError, type TableView, wouldOverflow } from './table-view.js';
import type {
  CallSettings,
  CombinedLine,
  CombinedOrderResult,
  Destination,
  Discipline,
  PurchaseResult,
  RestockResult,
  WriteOffResult,
} from './types.js';

const TIMED_OUT = { ok: false, reason: 'timed-out' } as const;

/**
 * Lock-free stock updates: load, check, compare-and-swap, retry. The check runs on the value
 * that the swap replaces, so no update can oversell or wrap, whatever other threads do.
 * Counters are added after the swap, so they lag the stock by a moment; they agree again at
 * every quiet point.
 *
 * NOTE: a thread terminated between its swap and its counter update leaves the counter short,
 * and nothing records which; only the `mutex` discipline journals its writes for repair.
 */
export class AtomicDiscipline implements Discipline {
  readonly #view: TableView;

  constructor(view: TableView) {
    this.#view = view;
  }

  purchase(index: number, quantity: number, settings: CallSettings): PurchaseResult {
    const taken = this.#take(index, quantity, settings.latencyMs);
    if (taken < 0) {
      return { ok: false, reason: 'insufficient-stock', available: -1 - taken };
    }
    this.#view.addToCounter(index, Counter.sold, quantity);
    return { ok: true, remaining: taken };
  }

  /**
   * Adds units under the SKU's lock, although purchases never take it. Held units may come
   * back at any time, so a restock must leave room for them. With every increase of the stock
   * behind the lock, the stock cannot go down and back up between the room check and the swap
   * (the ABA problem), which would let a restock pass the check on stale figures.
   */
  restock(index: number, quantity: number, settings: CallSettings): RestockResult {
    const { i32 } = this.#view;
    const lockSlot = this.#view.stockSlot(index) + Field.lock;
    if (!lock(i32, lockSlot, settings.timeoutMs)) return TIMED_OUT;
    try {
      const slot = this.#view.stockSlot(index) + Field.stock;
      for (;;) {
        const stock = Atomics.load(i32, slot);
        // Read after the stock: units a hold or order takes are counted as held first.
        const held = this.#view.held(index);
        if (wouldOverflow(stock, held, quantity)) throw overflowError(stock, held, quantity);
        sleepSync(settings.latencyMs);
        // Fails only if a purchase, order or hold took units since the load: try again.
        if (Atomics.compareExchange(i32, slot, stock, stock + quantity) === stock) {
          this.#view.addToCounter(index, Counter.restocked, quantity);
          return { ok: true, stock: stock + quantity };
        }
      }
    } finally {
      unlock(i32, lockSlot);
    }
  }

  writeOff(index: number, quantity: number, settings: CallSettings): WriteOffResult {
    const { i32 } = this.#view;
    const slot = this.#view.stockSlot(index) + Field.stock;
    for (;;) {
      const stock = Atomics.load(i32, slot);
      const removed = Math.max(0, Math.min(stock, quantity));
      sleepSync(settings.latencyMs);
      if (Atomics.compareExchange(i32, slot, stock, stock - removed) === stock) {
        this.#view.addToCounter(index, Counter.writtenOff, removed);
        return { ok: true, removed, remaining: stock - removed };
      }
    }
  }

  /**
   * Takes the lines one by one and, on a shortfall, gives back what it took. Meanwhile a
   * concurrent buyer can see the taken units missing and be rejected, although the order
   * itself fails in the end: the order is all-or-nothing in its final effect, not invisible
   * while it runs. Stock is never oversold and never goes below 0.
   */
  order(
    lines: readonly CombinedLine[],
    settings: CallSettings,
    into: Destination,
  ): CombinedOrderResult {
    const { i32 } = this.#view;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as CombinedLine;
      const heldSlot = this.#view.stockSlot(line.index) + Field.held;
      // Counted as held before they leave the stock, so stock + held never undercounts the
      // units that may come back, and a restock's room check stays safe.
      Atomics.add(i32, heldSlot, line.quantity);
      const taken = this.#take(line.index, line.quantity, settings.latencyMs);
      if (taken < 0) {
        Atomics.sub(i32, heldSlot, line.quantity);
        this.#giveBack(lines, i, settings);
        return { ok: false, reason: 'insufficient-stock', short: line, available: -1 - taken };
      }
    }
    if (into === 'sold') {
      for (const line of lines) this.#view.commitHeldUnits(line.index, line.quantity);
    }
    return { ok: true };
  }

  /** Returns held units to the stock, under each SKU's lock, as a restock would (see there). */
  releaseHeld(lines: readonly CombinedLine[], settings: CallSettings): boolean {
    const { i32 } = this.#view;
    const locked = this.#view.lockLines(lines, settings.timeoutMs);
    try {
      if (locked < lines.length) return false;
      for (const line of lines) {
        const slot = this.#view.stockSlot(line.index);
        Atomics.add(i32, slot + Field.stock, line.quantity);
        Atomics.sub(i32, slot + Field.held, line.quantity);
      }
      return true;
    } finally {
      this.#view.unlockLines(lines, locked);
    }
  }

  commitHeld(lines: readonly CombinedLine[]): boolean {
    for (const line of lines) this.#view.commitHeldUnits(line.index, line.quantity);
    return true;
  }

  /**
   * Moves `quantity` out of the stock of record `index`. Returns the stock left, or
   * `-1 - available` when the stock is short (so 0 available is -1).
   */
  #take(index: number, quantity: number, latencyMs: number): number {
    const { i32 } = this.#view;
    const slot = this.#view.stockSlot(index) + Field.stock;
    for (;;) {
      const stock = Atomics.load(i32, slot);
      if (stock < quantity) return -1 - stock;
      if (latencyMs > 0) sleepSync(latencyMs);
      // The swap succeeds only if no thread wrote since the load, so the check above still holds.
      if (Atomics.compareExchange(i32, slot, stock, stock - quantity) === stock) {
        return stock - quantity;
      }
    }
  }

  /** Returns the first `count` lines' units to the stock, then drops them from held. */
  #giveBack(lines: readonly CombinedLine[], count: number, settings: CallSettings): void {
    // The wait must not give up: these units are already out of the stock. On the main thread
    // each try polls for at most 5 ms, so it tries again until a restock or release is done.
    const patient = { ...settings, timeoutMs: Number.POSITIVE_INFINITY };
    while (!this.releaseHeld(lines.slice(0, count), patient)) {
      // NOTE: on the main thread this spins for as long as a worker's restock holds the lock.
    }
  }
}
