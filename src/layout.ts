/**
 * The layout of an inventory table in its `SharedArrayBuffer`. This module owns every offset:
 * no other module indexes the buffer with a bare number.
 *
 * ```text
 * byte 0    header, 128 bytes (Int32 slots, see Header)
 * byte 128  SKU records, `recordBytes` each: 64 when padded (one cache line per SKU),
 *           56 when packed
 *             +0  stock         Int32  units for sale
 *             +4  lock          Int32  futex word: 0 free, else holder's threadId + 1 << 1 | waiters
 *             +8  (reserved)
 *             +12 initial       Int32  stock when the table was created
 *             +16 held          Int32  units taken out of sale by holds not yet settled
 *             +20 (reserved)
 *             +24 sold          BigInt64  units sold, cumulative
 *             +32 restocked     BigInt64  units added by restocks and returns, cumulative
 *             +40 writtenOff    BigInt64  units removed as damaged or lost, cumulative
 *             +48 returned      BigInt64  units of `restocked` that came back as returns
 * then      hold slots, `holdSlotBytes` each (see HoldSlot): one per hold not yet reused
 *             +0  state         Int32  generation << 3 | HoldState, swapped as one word
 *             +4  lineCount     Int32
 *             +8  expiresAt     BigInt64  Date.now() milliseconds, 0 for never
 *             +16 lines         Int32 pairs: record index, quantity
 * then      journal, 32 bytes an entry (see JournalEntry): what each thread is in the middle of
 *             +0  owner         Int32  threadId + 1 of the thread using the entry, 0 when free
 *             +4  operation     Int32  JournalOperation, 0 when idle
 *             +8  index         Int32  record index of the SKU being written
 *             +12 quantity      Int32  units the write moves
 *             +16 stockBefore   Int32  the SKU's stock read under its lock, before the write
 *             +24 counterBefore BigInt64  the counter the write adds to, before it
 * then      request log (see RequestLog in request-log.ts): outcomes of requests sent with an id
 * then      name index: Int32 byte offset of each name in the name bytes, plus one end offset
 * then      name bytes: the SKU names, UTF-8, back to back
 * ```
 *
 * Counters are 64-bit so that a long-running table never wraps them; stock is 32-bit because
 * `Atomics.wait`, and the fastest compare-and-swap, work on Int32.
 */

/** "STKR" in ASCII: the first Int32 of every table. */
export const MAGIC = 0x524b_5453;
/** Bumped whenever the layout below changes, so an old buffer fails to attach. */
export const LAYOUT_VERSION = 1;

/** Largest stock a SKU can hold: the Int32 maximum. */
export const MAX_QUANTITY = 2_147_483_647;
/** Longest SKU name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 256;

export const HEADER_BYTES = 128;
export const CACHE_LINE_BYTES = 64;
export const PACKED_RECORD_BYTES = 56;

/** Int32 slot indexes in the header. */
export const Header = {
  magic: 0,
  version: 1,
  skuCount: 2,
  strategy: 3,
  recordBytes: 4,
  nameIndexOffset: 5,
  nameBytesOffset: 6,
  nameBytesLength: 7,
  totalBytes: 8,
  /** Two slots taken by the table's start barrier (see StartBarrier). */
  barrier: 9,
  /** Shared counter for ids that must be unique across threads. */
  sequence: 11,
  holdsOffset: 12,
  holdCapacity: 13,
  maxHoldLines: 14,
  /** Slot at which the next search for a free hold slot starts. */
  holdCursor: 15,
  journalOffset: 16,
  journalEntries: 17,
  requestLogOffset: 18,
  requestLogCapacity: 19,
  /** A random number drawn when the table is created, to recognise it across handles. */
  tableId: 20,
} as const;

/** Int32 slot offsets inside a journal entry. */
export const JournalEntry = {
  owner: 0,
  operation: 1,
  index: 2,
  quantity: 3,
  stockBefore: 4,
  /** BigInt64 index offset of the counter's value before the write, from the entry's base. */
  counterBefore: 3,
} as const;

/** Bytes of one journal entry. */
export const JOURNAL_ENTRY_BYTES = 32;
/** Journal entries in a table: at most this many threads journal their writes at once. */
export const JOURNAL_ENTRIES = 256;

/** Operations a journal entry can record as in progress. */
export const JournalOperation = {
  idle: 0,
  purchase: 1,
  restock: 2,
  writeOff: 3,
} as const;

/** Int32 slot offsets inside a hold slot. */
export const HoldSlot = {
  state: 0,
  lineCount: 1,
  /** BigInt64 index offset of the expiry, from the slot's BigInt64 base. */
  expiresAt: 1,
  lines: 4,
} as const;

/** Life cycle of a hold slot; the low 3 bits of its state word. */
export const HoldState = {
  free: 0,
  /** A thread is writing a new hold into the slot. */
  filling: 1,
  held: 2,
  /** A thread won the hold and is moving its units, so no other thread may touch it. */
  settling: 3,
  committed: 4,
  released: 5,
  expired: 6,
} as const;

/** Default number of request ids a table remembers. */
export const DEFAULT_REQUEST_LOG_CAPACITY = 1024;

/** Default number of hold slots in a table. */
export const DEFAULT_HOLD_CAPACITY = 1024;
/** Default maximum of lines per hold, after lines of the same SKU are combined. */
export const DEFAULT_MAX_HOLD_LINES = 32;

/** Int32 slot offsets inside a record, added to the record's Int32 base index. */
export const Field = {
  stock: 0,
  lock: 1,
  initial: 3,
  held: 4,
} as const;

/** BigInt64 slot offsets inside a record, added to the record's BigInt64 base index. */
export const Counter = {
  sold: 3,
  restocked: 4,
  writtenOff: 5,
  returned: 6,
} as const;

/** The concurrency disciplines, with the code each one has in the header. */
export const STRATEGIES = ['atomic', 'mutex', 'unsafe'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Sizes and offsets of one table, derived from its SKU count, padding, holds and names. */
export interface TableGeometry {
  skuCount: number;
  recordBytes: number;
  holdsOffset: number;
  holdCapacity: number;
  maxHoldLines: number;
  holdSlotBytes: number;
  journalOffset: number;
  journalEntries: number;
  requestLogOffset: number;
  requestLogCapacity: number;
  nameIndexOffset: number;
  nameBytesOffset: number;
  nameBytesLength: number;
  totalBytes: number;
}

/** What a table's size depends on besides its SKU count. */
export interface GeometryInput {
  skuCount: number;
  padded: boolean;
  holdCapacity: number;
  maxHoldLines: number;
  requestLogCapacity: number;
  /** Bytes of the request log for that capacity (RequestLog.bytesFor), 0 for none. */
  requestLogBytes: number;
  nameBytesLength: number;
}

/** Computes where each region of a table starts. */
export function tableGeometry(input: GeometryInput): TableGeometry {
  const { skuCount, padded, holdCapacity, maxHoldLines, requestLogCapacity } = input;
  const { requestLogBytes, nameBytesLength } = input;
  const recordBytes = padded ? CACHE_LINE_BYTES : PACKED_RECORD_BYTES;
  const holdsOffset = HEADER_BYTES + skuCount * recordBytes;
  const holdSlotBytes = holdSlotSize(maxHoldLines);
  const journalOffset = holdsOffset + holdCapacity * holdSlotBytes;
  // On a 64-byte boundary, so that each request-log entry has cache lines of its own.
  const requestLogOffset =
    Math.ceil((journalOffset + JOURNAL_ENTRIES * JOURNAL_ENTRY_BYTES) / 64) * 64;
  const nameIndexOffset = requestLogOffset + requestLogBytes;
  const nameBytesOffset = nameIndexOffset + (skuCount + 1) * 4;
  // Round up to 8 bytes so that the buffer length stays a multiple of BigInt64's size.
  const totalBytes = Math.ceil((nameBytesOffset + nameBytesLength) / 8) * 8;
  return {
    skuCount,
    recordBytes,
    holdsOffset,
    holdCapacity,
    maxHoldLines,
    holdSlotBytes,
    journalOffset,
    journalEntries: JOURNAL_ENTRIES,
    requestLogOffset,
    requestLogCapacity,
    nameIndexOffset,
    nameBytesOffset,
    nameBytesLength,
    totalBytes,
  };
}

/** Bytes of one hold slot: a multiple of 8, so every slot's expiry stays 8-byte aligned. */
export function holdSlotSize(maxHoldLines: number): number {
  return 16 + maxHoldLines * 8;
}

/** Int32 index of a record's first slot. */
export function recordInt32Base(recordBytes: number, index: number): number {
  return (HEADER_BYTES + index * recordBytes) / 4;
}

/** BigInt64 index of a record's first 8 bytes; records start on 8-byte boundaries. */
export function recordBigIntBase(recordBytes: number, index: number): number {
  return (HEADER_BYTES + index * recordBytes) / 8;
}
