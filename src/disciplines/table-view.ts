import { lock, unlock } from '../futex.js';
import { Counter, Field, HEADER_BYTES, MAX_QUANTITY } from '../layout.js';
import type { CombinedLine } from './types.js';

/** BigInts of the small quantities most calls use, made once: a purchase then allocates none. */
const SMALL_BIGINTS: readonly bigint[] = Array.from({ length: 256 }, (_, i) => BigInt(i));

/** Typed views over one table's buffer, with the slot arithmetic of its records. */
export class TableView {
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;
  readonly #recordWords: number;

  constructor(buffer: SharedArrayBuffer, recordBytes: number) {
    this.i32 = new Int32Array(buffer);
    this.i64 = new BigInt64Array(buffer);
    this.#recordWords = recordBytes / 4;
  }

  /** Int32 index of the stock slot of record `index`; the other Int32 fields follow it. */
  stockSlot(index: number): number {
    return HEADER_BYTES / 4 + index * this.#recordWords + Field.stock;
  }

  /** BigInt64 index of counter `counter` of record `index`. */
  counterSlot(index: number, counter: number): number {
    return (HEADER_BYTES / 4 + index * this.#recordWords) / 2 + counter;
  }

  /** Adds `quantity` to a 64-bit counter atomically. */
  addToCounter(index: number, counter: number, quantity: number): void {
    const amount = SMALL_BIGINTS[quantity] ?? BigInt(quantity);
    Atomics.add(this.i64, this.counterSlot(index, counter), amount);
  }

  /** Atomically moves `quantity` units of record `index` from held to sold. */
  commitHeldUnits(index: number, quantity: number): void {
    Atomics.sub(this.i32, this.stockSlot(index) + Field.held, quantity);
    this.addToCounter(index, Counter.sold, quantity);
  }

  /**
   * Locks the SKUs of `lines`, which are sorted by record index, in that order whatever the
   * order of the caller's lines, so two callers can never each hold a lock the other waits for.
   * Returns how many it locked: fewer than `lines.length` after a timeout.
   */
  lockLines(lines: readonly CombinedLine[], timeoutMs: number): number {
    let locked = 0;
    for (; locked < lines.length; locked++) {
      const slot = this.stockSlot((lines[locked] as CombinedLine).index) + Field.lock;
      if (!lock(this.i32, slot, timeoutMs)) break;
    }
    return locked;
  }

  /** Unlocks the first `count` SKUs of `lines`, as {@link lockLines} locked them. */
  unlockLines(lines: readonly CombinedLine[], count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      unlock(this.i32, this.stockSlot((lines[i] as CombinedLine).index) + Field.lock);
    }
  }

  /** Units of record `index` held by live holds. */
  held(index: number): number {
    return Atomics.load(this.i32, this.stockSlot(index) + Field.held);
  }

  /** Counts units just taken from the stock: as sold, or as held by a hold. */
  recordTaken(index: number, quantity: number, into: 'sold' | 'held'): void {
    if (into === 'sold') this.addToCounter(index, Counter.sold, quantity);
    else Atomics.add(this.i32, this.stockSlot(index) + Field.held, quantity);
  }
}

/**
 * Whether adding `quantity` to a SKU with `stock` units in stock and `held` units held would
 * pass the Int32 maximum. Held units count because a release puts them back into the stock.
 */
export function wouldOverflow(stock: number, held: number, quantity: number): boolean {
  return stock + held > MAX_QUANTITY - quantity;
}

/** Builds the error for a restock that would take a SKU's stock past the Int32 maximum. */
export function overflowError(stock: number, held: number, quantity: number): RangeError {
  const heldNote = held > 0 ? ` (plus ${held} held)` : '';
  return new RangeError(
    `restock of ${quantity} would take the stock from ${stock}${heldNote} past the maximum of ` +
      `${MAX_QUANTITY}; nothing was changed`,
  );
}
