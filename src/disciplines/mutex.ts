import { lock, unlock } from '../futex.js';
import { Counter, Field, MAX_QUANTITY } from '../layout.js';
import { sleepSync } from '../sleep.js';
import { overflowError, type TableView } from './table-view.js';
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
 * Every update runs under the SKU's futex mutex: lock, read, check, write, unlock. The lock
 * word sits in the SKU's own record, so SKUs never contend with each other.
 */
export class MutexDiscipline implements Discipline {
  readonly #view: TableView;

  constructor(view: TableView) {
    this.#view = view;
  }

  purchase(index: number, quantity: number, settings: CallSettings): PurchaseResult {
    const { i32 } = this.#view;
    const slot = this.#view.stockSlot(index);
    if (!lock(i32, slot + Field.lock, settings.timeoutMs)) return TIMED_OUT;
    try {
      const stock = Atomics.load(i32, slot + Field.stock);
      if (stock < quantity) return { ok: false, reason: 'insufficient-stock', available: stock };
      sleepSync(settings.latencyMs);
      Atomics.store(i32, slot + Field.stock, stock - quantity);
      this.#view.addToCounter(index, Counter.sold, quantity);
      return { ok: true, remaining: stock - quantity };
    } finally {
      unlock(i32, slot + Field.lock);
    }
  }

  restock(index: number, quantity: number, settings: CallSettings): RestockResult {
    const { i32 } = this.#view;
    const slot = this.#view.stockSlot(index);
    if (!lock(i32, slot + Field.lock, settings.timeoutMs)) return TIMED_OUT;
    try {
      const stock = Atomics.load(i32, slot + Field.stock);
      if (stock > MAX_QUANTITY - quantity) throw overflowError(stock, quantity);
      sleepSync(settings.latencyMs);
      Atomics.store(i32, slot + Field.stock, stock + quantity);
      this.#view.addToCounter(index, Counter.restocked, quantity);
      return { ok: true, stock: stock + quantity };
    } finally {
      unlock(i32, slot + Field.lock);
    }
  }

  writeOff(index: number, quantity: number, settings: CallSettings): WriteOffResult {
    const { i32 } = this.#view;
    const slot = this.#view.stockSlot(index);
    if (!lock(i32, slot + Field.lock, settings.timeoutMs)) return TIMED_OUT;
    try {
      const stock = Atomics.load(i32, slot + Field.stock);
      const removed = Math.min(stock, quantity);
      sleepSync(settings.latencyMs);
      Atomics.store(i32, slot + Field.stock, stock - removed);
      this.#view.addToCounter(index, Counter.writtenOff, removed);
      return { ok: true, removed, remaining: stock - removed };
    } finally {
      unlock(i32, slot + Field.lock);
    }
  }

  /** Locks every SKU of the order (see #lockAll), then checks all lines, then writes all. */
  order(
    lines: readonly CombinedLine[],
    settings: CallSettings,
    into: Destination,
  ): CombinedOrderResult {
    const { i32 } = this.#view;
    const locked = this.#lockAll(lines, settings.timeoutMs);
    try {
      if (locked < lines.length) return TIMED_OUT;
      for (const line of lines) {
        const available = Atomics.load(i32, this.#view.stockSlot(line.index) + Field.stock);
        if (available < line.quantity) {
          return { ok: false, reason: 'insufficient-stock', short: line, available };
        }
      }
      sleepSync(settings.latencyMs);
      for (const line of lines) {
        Atomics.sub(i32, this.#view.stockSlot(line.index) + Field.stock, line.quantity);
        this.#view.recordTaken(line.index, line.quantity, into);
      }
      return { ok: true };
    } finally {
      this.#unlockFirst(lines, locked);
    }
  }

  releaseHeld(lines: readonly CombinedLine[], settings: CallSettings): boolean {
    const { i32 } = this.#view;
    const locked = this.#lockAll(lines, settings.timeoutMs);
    try {
      if (locked < lines.length) return false;
      for (const line of lines) {
        const slot = this.#view.stockSlot(line.index);
        Atomics.add(i32, slot + Field.stock, line.quantity);
        Atomics.sub(i32, slot + Field.held, line.quantity);
      }
      return true;
    } finally {
      this.#unlockFirst(lines, locked);
    }
  }

  commitHeld(lines: readonly CombinedLine[]): void {
    // The stock does not change, so no lock is needed: the counters are atomic on their own.
    for (const line of lines) this.#view.commitHeldUnits(line.index, line.quantity);
  }

  /**
   * Locks the SKUs of `lines` in ascending record index, whatever the order of the caller's
   * lines, so two orders can never each hold a lock the other waits for. Returns how many it
   * locked: fewer than `lines.length` after a timeout.
   */
  #lockAll(lines: readonly CombinedLine[], timeoutMs: number): number {
    const { i32 } = this.#view;
    let locked = 0;
    for (; locked < lines.length; locked++) {
      const slot = this.#view.stockSlot((lines[locked] as CombinedLine).index);
      if (!lock(i32, slot + Field.lock, timeoutMs)) break;
    }
    return locked;
  }

  #unlockFirst(lines: readonly CombinedLine[], count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      unlock(this.#view.i32, this.#view.stockSlot((lines[i] as CombinedLine).index) + Field.lock);
    }
  }
}
