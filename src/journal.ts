import type { TableView } from './disciplines/table-view.js';
import { OWNER_ID } from './futex.js';
import {
  Counter,
  Field,
  Header,
  JOURNAL_ENTRY_BYTES,
  JournalEntry,
  JournalOperation,
  type TableGeometry,
} from './layout.js';

/** Result of repairing a dead thread's interrupted write. */
export interface Repair {
  /** The operation the thread was in the middle of, or `null` if it was in none. */
  operation: 'purchase' | 'restock' | 'writeOff' | null;
  sku: number | null;
  /** Whether the interrupted write took effect (it was then completed) or not (nothing to undo). */
  tookEffect: boolean | null;
  /** The SKU's stock after the write, when it took effect. */
  stockAfter: number | null;
}

/** This thread's journal entry in each table it has written to, by the table's id. */
const claimedEntries = new Map<number, number>();

type JournaledOperation = Exclude<keyof typeof JournalOperation, 'idle'>;

const COUNTER_OF: Record<JournaledOperation, number> = {
  purchase: Counter.sold,
  restock: Counter.restocked,
  writeOff: Counter.writtenOff,
};
const NAME_OF: Record<number, JournaledOperation> = {
  [JournalOperation.purchase]: 'purchase',
  [JournalOperation.restock]: 'restock',
  [JournalOperation.writeOff]: 'writeOff',
};

/**
 * The write-ahead journal of the `mutex` discipline. Before a thread writes a SKU's stock under
 * its lock, it records the SKU, the units and the stock and counter it read. If the thread dies
 * before it finishes, the lock is still held by it, so nobody has touched the SKU since: the
 * stock then shows whether the write happened, and recovery completes the counter or leaves
 * both as they were.
 */
export class Journal {
  readonly #view: TableView;
  readonly #base: number;
  readonly #entries: number;
  readonly #tableId: number;

  constructor(view: TableView, geometry: TableGeometry) {
    this.#view = view;
    this.#base = geometry.journalOffset / 4;
    this.#entries = geometry.journalEntries;
    this.#tableId = Atomics.load(view.i32, Header.tableId);
  }

  /** Records that this thread is about to apply `operation` to record `index`. Returns the
   * entry to pass to {@link end}, or -1 when every entry is taken (the write goes unjournaled). */
  begin(
    operation: JournaledOperation,
    index: number,
    quantity: number,
    stockBefore: number,
  ): number {
    const entry = this.#entry();
    if (entry < 0) return entry;
    const { i32, i64 } = this.#view;
    // Plain stores are enough: only this thread reads the entry while it lives, and recovery
    // reads it after the thread has exited. The operation is stored last all the same.
    i32[entry + JournalEntry.index] = index;
    i32[entry + JournalEntry.quantity] = quantity;
    i32[entry + JournalEntry.stockBefore] = stockBefore;
    // Under `mutex` the counter changes only under the SKU's lock, which this thread holds.
    i64[entry / 2 + JournalEntry.counterBefore] = i64[
      this.#view.counterSlot(index, COUNTER_OF[operation])
    ] as bigint;
    i32[entry + JournalEntry.operation] = JournalOperation[operation];
    return entry;
  }

  /** Marks the write recorded by {@link begin} as finished. */
  end(entry: number): void {
    if (entry >= 0) this.#view.i32[entry + JournalEntry.operation] = 0;
  }

  /**
   * Finishes or rolls back the journaled write of `owner` (`threadId + 1`), which must be dead
   * or be this thread unwinding from an error, and frees its entry when `release` is set.
   * The caller must hold, or have taken over, the lock of the SKU being written.
   */
  repair(owner: number, release: boolean): Repair {
    const entry = this.#find(owner);
    if (entry < 0) return { operation: null, sku: null, tookEffect: null, stockAfter: null };
    const { i32 } = this.#view;
    const name = NAME_OF[Atomics.load(i32, entry + JournalEntry.operation)];
    let repair: Repair = { operation: null, sku: null, tookEffect: null, stockAfter: null };
    if (name !== undefined) repair = this.#complete(entry, name);
    Atomics.store(i32, entry + JournalEntry.operation, 0);
    if (release) Atomics.store(i32, entry + JournalEntry.owner, 0);
    return repair;
  }

  #complete(entry: number, operation: JournaledOperation): Repair {
    const { i32, i64 } = this.#view;
    const index = Atomics.load(i32, entry + JournalEntry.index);
    const quantity = Atomics.load(i32, entry + JournalEntry.quantity);
    const stockBefore = Atomics.load(i32, entry + JournalEntry.stockBefore);
    const counterBefore = Atomics.load(i64, entry / 2 + JournalEntry.counterBefore);
    const stock = Atomics.load(i32, this.#view.stockSlot(index) + Field.stock);
    const delta = operation === 'restock' ? quantity : -quantity;
    if (stock !== stockBefore + delta) {
      return { operation, sku: index, tookEffect: false, stockAfter: null };
    }

    // The stock was written; the counter follows it, so add it unless that happened too.
    const counterSlot = this.#view.counterSlot(index, COUNTER_OF[operation]);
    if (Atomics.load(i64, counterSlot) === counterBefore) {
      Atomics.add(i64, counterSlot, BigInt(quantity));
    }
    return { operation, sku: index, tookEffect: true, stockAfter: stock };
  }

  /**
   * This thread's entry (Int32 index), claimed on first use and shared by every handle this
   * thread opens on the same table; -1 when none is free.
   */
  #entry(): number {
    const cached = claimedEntries.get(this.#tableId);
    const { i32 } = this.#view;
    if (cached !== undefined && Atomics.load(i32, cached + JournalEntry.owner) === OWNER_ID) {
      return cached;
    }
    for (let i = 0; i < this.#entries; i++) {
      const entry = this.#base + (i * JOURNAL_ENTRY_BYTES) / 4;
      if (Atomics.compareExchange(i32, entry + JournalEntry.owner, 0, OWNER_ID) === 0) {
        claimedEntries.set(this.#tableId, entry);
        return entry;
      }
    }
    // NOTE: with every entry taken, this thread's writes are not journaled, so its death in
    // the middle of one cannot be repaired exactly. Entries of threads that exited are freed
    // only by recoverThread, which the engine calls for its own pool threads.
    return -1;
  }

  #find(owner: number): number {
    for (let i = 0; i < this.#entries; i++) {
      const entry = this.#base + (i * JOURNAL_ENTRY_BYTES) / 4;
      if (Atomics.load(this.#view.i32, entry + JournalEntry.owner) === owner) return entry;
    }
    return -1;
  }
}
