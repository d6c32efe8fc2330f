import { OperationInterruptedError } from '../errors.js';
import { lock, OWNER_ID, unlock } from '../futex.js';
import type { Journal } from '../journal.js';
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
type TimedOut = typeof TIMED_OUT;

const COUNTER_OF = {
  purchase: Counter.sold,
  restock: Counter.restocked,
  writeOff: Counter.writtenOff,
} as const;

/**
 * Every update runs under the SKU's futex mutex: lock, read, check, write, unlock. The lock
 * word sits in the SKU's own record, so SKUs never contend with each other.
 */
export class MutexDiscipline implements Discipline {
  readonly #view: TableView;
  readonly #journal: Journal;

  constructor(view: TableView, journal: Journal) {
    this.#view = view;
    this.#journal = journal;
  }

  purchase(index: number, quantity: number, settings: CallSettings): PurchaseResult {
    // The lock is taken here rather than through #underLock: the hot path makes no closure.
    const { i32 } = this.#view;
    const slot = this.#view.stockSlot(index);
    if (!lock(i32, slot + Field.lock, settings.timeoutMs)) return TIMED_OUT;
    try {
      const stock = Atomics.load(i32, slot + Field.stock);
      if (stock < quantity) return { ok: false, reason: 'insufficient-stock', available: stock };
      this.#write(index, 'purchase', quantity, stock, stock - quantity, settings);
      return { ok: true, remaining: stock - quantity };
    } finally {
      unlock(i32, slot + Field.lock);
    }
  }

  restock(index: number, quantity: number, settings: CallSettings): RestockResult {
    return this.#underLock(index, settings, (stock): RestockResult => {
      // Exact under the lock: holds of this SKU change `held` only while holding it too.
      const held = this.#view.held(index);
      if (wouldOverflow(stock, held, quantity)) throw overflowError(stock, held, quantity);
      this.#write(index, 'restock', quantity, stock, stock + quantity, settings);
      return { ok: true, stock: stock + quantity };
    });
  }

  writeOff(index: number, quantity: number, settings: CallSettings): WriteOffResult {
    return this.#underLock(index, settings, (stock): WriteOffResult => {
      const removed = Math.max(0, Math.min(stock, quantity));
      this.#write(index, 'writeOff', removed, stock, stock - removed, settings);
      return { ok: true, removed, remaining: stock - removed };
    });
  }

  /** Runs `body` on the SKU's stock while holding its lock. */
  #underLock<T>(index: number, settings: CallSettings, body: (stock: number) => T): T | TimedOut {
    const { i32 } = this.#view;
    const slot = this.#view.stockSlot(index);
    if (!lock(i32, slot + Field.lock, settings.timeoutMs)) return TIMED_OUT;
    try {
      return body(Atomics.load(i32, slot + Field.stock));
    } finally {
      unlock(i32, slot + Field.lock);
    }
  }

  /**
   * Writes the new stock and the counter, journaled so that a thread dying in between can be
   * repaired. If the latency wait or a fault hook throws, this thread repairs its own write
   * before the lock is released and throws {@link OperationInterruptedError}.
   */
  #write(
    index: number,
    operation: 'purchase' | 'restock' | 'writeOff',
    quantity: number,
    stockBefore: number,
    stockAfter: number,
    settings: CallSettings,
  ): void {
    const entry = this.#journal.begin(operation, index, quantity, stockBefore);
    try {
      if (settings.latencyMs > 0) sleepSync(settings.latencyMs);
      settings.faultHook?.('before-write');
      Atomics.store(this.#view.i32, this.#view.stockSlot(index) + Field.stock, stockAfter);
      settings.faultHook?.('after-write');
      this.#view.addToCounter(index, COUNTER_OF[operation], quantity);
    } catch (error) {
      const { tookEffect } = this.#journal.repair(OWNER_ID, false);
      throw new OperationInterruptedError(
        `${operation} was interrupted ${tookEffect ? 'after' : 'before'} its write: ` +
          `${error instanceof Error ? error.message : String(error)}`,
        tookEffect,
        { cause: error },
      );
    } finally {
      this.#journal.end(entry);
    }
  }

  /**
   * Locks every SKU of the order (see TableView.lockLines), then checks all lines, then writes all.
   * NOTE: order writes are not journaled, so a thread terminated between them leaves the order
   * partly applied; the engine terminates a thread only for an injected fault, in a purchase.
   */
  order(
    lines: readonly CombinedLine[],
    settings: CallSettings,
    into: Destination,
  ): CombinedOrderResult {
    const { i32 } = this.#view;
    const locked = this.#view.lockLines(lines, settings.timeoutMs);
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
      this.#view.unlockLines(lines, locked);
    }
  }

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

  commitHeld(lines: readonly CombinedLine[], settings: CallSettings): boolean {
    // Under the locks although the stock does not change: under `mutex`, sold counters change
    // only while their SKU is locked, which lets the journal tell whether a write finished.
    const locked = this.#view.lockLines(lines, settings.timeoutMs);
    try {
      if (locked < lines.length) return false;
      for (const line of lines) this.#view.commitHeldUnits(line.index, line.quantity);
      return true;
    } finally {
      this.#view.unlockLines(lines, locked);
    }
  }
}
