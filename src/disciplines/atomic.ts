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

  restock(index: number, quantity: number, settings: CallSettings): RestockResult {
    const { i32 } = this.#view;
    const slot = this.#view.stockSlot(index) + Field.stock;
    for (;;) {
      const stock = Atomics.load(i32, slot);
      // NOTE: a hold between its swap and its held update is briefly in neither figure, so a
      // restock in that instant can leave too little room for the hold's release.
      const held = this.#view.held(index);
      if (wouldOverflow(stock, held, quantity)) throw overflowError(stock, held, quantity);
      sleepSync(settings.latencyMs);
      if (Atomics.compareExchange(i32, slot, stock, stock + quantity) === stock) {
        this.#view.addToCounter(index, Counter.restocked, quantity);
        return { ok: true, stock: stock + quantity };
      }
    }
  }

  writeOff(index: number, quantity: number, settings: CallSettings): WriteOffResult {
    const { i32 } = this.#view;
    const slot = this.#view.stockSlot(index) + Field.stock;
    for (;;) {
      const stock = Atomics.load(i32, slot);
      const removed = Math.min(stock, quantity);
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
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as CombinedLine;
      const taken = this.#take(line.index, line.quantity, settings.latencyMs);
      if (taken < 0) {
        this.#giveBack(lines, i);
        return { ok: false, reason: 'insufficient-stock', short: line, available: -1 - taken };
      }
    }
    for (const line of lines) this.#view.recordTaken(line.index, line.quantity, into);
    return { ok: true };
  }

  releaseHeld(lines: readonly CombinedLine[]): boolean {
    const { i32 } = this.#view;
    for (const line of lines) {
      const slot = this.#view.stockSlot(line.index);
      Atomics.add(i32, slot + Field.stock, line.quantity);
      Atomics.sub(i32, slot + Field.held, line.quantity);
    }
    return true;
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
      // The swap succeeds only if nobody wrote since the load, so the check above still holds.
      if (Atomics.compareExchange(i32, slot, stock, stock - quantity) === stock) {
        return stock - quantity;
      }
    }
  }

  #giveBack(lines: readonly CombinedLine[], count: number): void {
    const { i32 } = this.#view;
    for (let i = 0; i < count; i++) {
      const line = lines[i] as CombinedLine;
      // NOTE: a restock that filled this SKU to within `line.quantity` of the Int32 maximum
      // while the order ran would make this addition wrap. Restocks that close to 2^31-1
      // are the only way to reach it.
      Atomics.add(i32, this.#view.stockSlot(line.index) + Field.stock, line.quantity);
    }
  }
}
