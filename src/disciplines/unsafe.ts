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
 * The racing path, kept on purpose to show what goes wrong without atomics: plain reads and
 * writes of the shared stock, a check, an optional latency window, then a read-modify-write as
 * `stock -= quantity` compiles to. Two threads can both pass the check (oversell) and both
 * write from the same old value (lost update). Nothing here is simulated: the races are real.
 */
export class UnsafeDiscipline implements Discipline {
  readonly #view: TableView;

  constructor(view: TableView) {
    this.#view = view;
  }

  purchase(index: number, quantity: number, settings: CallSettings): PurchaseResult {
    const { i32, i64 } = this.#view;
    const slot = this.#view.stockSlot(index) + Field.stock;
    const available = i32[slot] as number;
    if (available < quantity) return { ok: false, reason: 'insufficient-stock', available };
    sleepSync(settings.latencyMs);
    i32[slot] = (i32[slot] as number) - quantity;
    const sold = this.#view.counterSlot(index, Counter.sold);
    i64[sold] = (i64[sold] as bigint) + BigInt(quantity);
    return { ok: true, remaining: i32[slot] as number };
  }

  restock(index: number, quantity: number, settings: CallSettings): RestockResult {
    const { i32, i64 } = this.#view;
    const slot = this.#view.stockSlot(index) + Field.stock;
    const stock = i32[slot] as number;
    const held = i32[slot - Field.stock + Field.held] as number;
    if (wouldOverflow(stock, held, quantity)) throw overflowError(stock, held, quantity);
    sleepSync(settings.latencyMs);
    i32[slot] = (i32[slot] as number) + quantity;
    const restocked = this.#view.counterSlot(index, Counter.restocked);
    i64[restocked] = (i64[restocked] as bigint) + BigInt(quantity);
    return { ok: true, stock: i32[slot] as number };
  }

  writeOff(index: number, quantity: number, settings: CallSettings): WriteOffResult {
    const { i32, i64 } = this.#view;
    const slot = this.#view.stockSlot(index) + Field.stock;
    const removed = Math.max(0, Math.min(i32[slot] as number, quantity));
    sleepSync(settings.latencyMs);
    i32[slot] = (i32[slot] as number) - removed;
    const writtenOff = this.#view.counterSlot(index, Counter.writtenOff);
    i64[writtenOff] = (i64[writtenOff] as bigint) + BigInt(removed);
    return { ok: true, removed, remaining: i32[slot] as number };
  }

  order(
    lines: readonly CombinedLine[],
    settings: CallSettings,
    into: Destination,
  ): CombinedOrderResult {
    const { i32, i64 } = this.#view;
    for (const line of lines) {
      const available = i32[this.#view.stockSlot(line.index) + Field.stock] as number;
      if (available < line.quantity) {
        return { ok: false, reason: 'insufficient-stock', short: line, available };
      }
    }
    sleepSync(settings.latencyMs);
    for (const line of lines) {
      const slot = this.#view.stockSlot(line.index) + Field.stock;
      i32[slot] = (i32[slot] as number) - line.quantity;
      if (into === 'held') {
        i32[slot + Field.held] = (i32[slot + Field.held] as number) + line.quantity;
      } else {
        const sold = this.#view.counterSlot(line.index, Counter.sold);
        i64[sold] = (i64[sold] as bigint) + BigInt(line.quantity);
      }
    }
    return { ok: true };
  }

  releaseHeld(lines: readonly CombinedLine[]): boolean {
    const { i32 } = this.#view;
    for (const line of lines) {
      const slot = this.#view.stockSlot(line.index);
      i32[slot + Field.stock] = (i32[slot + Field.stock] as number) + line.quantity;
      i32[slot + Field.held] = (i32[slot + Field.held] as number) - line.quantity;
    }
    return true;
  }

  commitHeld(lines: readonly CombinedLine[]): boolean {
    const { i32, i64 } = this.#view;
    for (const line of lines) {
      const slot = this.#view.stockSlot(line.index);
      i32[slot + Field.held] = (i32[slot + Field.held] as number) - line.quantity;
      const sold = this.#view.counterSlot(line.index, Counter.sold);
      i64[sold] = (i64[sold] as bigint) + BigInt(line.quantity);
    }
    return true;
  }
}
