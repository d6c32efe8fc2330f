import { Counter, Field, HEADER_BYTES, MAX_QUANTITY } from '../layout.js';

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
    Atomics.add(this.i64, this.counterSlot(index, counter), BigInt(quantity));
  }

  /** Atomically moves `quantity` units of record `index` from held to sold. */
  commitHeldUnits(index: number, quantity: number): void {
    Atomics.sub(this.i32, this.stockSlot(index) + Field.held, quantity);
    this.addToCounter(index, Counter.sold, quantity);
  }

  /** Counts units just taken from the stock: as sold, or as held by a hold. */
  recordTaken(index: number, quantity: number, into: 'sold' | 'held'): void {
    if (into === 'sold') this.addToCounter(index, Counter.sold, quantity);
    else Atomics.add(this.i32, this.stockSlot(index) + Field.held, quantity);
  }
}

/** Throws the error for a restock that would take a SKU's stock past the Int32 maximum. */
export function overflowError(stock: number, quantity: number): RangeError {
  return new RangeError(
    `restock of ${quantity} would take the stock from ${stock} past the maximum of ` +
      `${MAX_QUANTITY}; nothing was changed`,
  );
}
