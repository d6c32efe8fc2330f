/**
 * An idempotency table in shared memory: callers that apply a request only when `begin`
 * returns `new` apply each request id at most once, however many threads send it, and every
 * repeat gets the outcome of the first call. This module owns
 * the layout of its region, which starts at any 8-byte boundary of a `SharedArrayBuffer`
 * (a 64-byte boundary keeps each entry on its own cache lines):
 *
 * ```text
 * +0    header, 64 bytes
 *         word 0  capacity       Int32  set by the first RequestLog over the region
 * +64   entries, 192 bytes each (three cache lines), found by linear probing from
 *       hash % capacity
 *         +0    state          Int32  owner << 3 | EntryState, changed by compare-and-swap
 *         +4    hash           Int32  FNV-1a (32-bit) of the id's UTF-8 bytes
 *         +8    idLength       Int32  1 to 128
 *         +12   outcomeLength  Int32  0 to 8
 *         +16   outcome        Int32 x 8
 *         +48   id             128 bytes, UTF-8
 *         +176  (reserved, 16 bytes)
 * ```
 *
 * The owner in the state word is the `threadId + 1` of the thread that claimed the entry (0
 * when no thread does). It shares the word with the state so that one compare-and-swap claims an
 * entry and records its claimant: a thread that dies right after the swap is still traceable.
 *
 * An entry's id, once written, never changes. Only the first empty entry of an id's probe
 * sequence can receive the id, so no id is ever stored twice, even when threads insert it at
 * the same moment. The cost is that entries are never freed: capacity bounds the number of
 * distinct ids ever begun, abandoned ones included.
 */
import { isMainThread, threadId } from 'node:worker_threads';

import { abortError } from './errors.js';
import { MAIN_THREAD_SPIN_MS, OWNER_ID } from './futex.js';
import { checkMilliseconds, checkOptions, show } from './validate.js';
import { waitAsyncAlive } from './wait.js';

/** Maximum length of a request id, in UTF-8 bytes. */
export const MAX_REQUEST_ID_BYTES = 128;
/** Maximum number of Int32 words in an outcome. */
export const MAX_OUTCOME_WORDS = 8;
/** Bytes of the region's header, before the first entry. */
export const REQUEST_LOG_HEADER_BYTES = 64;
/** Bytes of one entry: a multiple of 64, so that entries share no cache line when the region
 * starts on a 64-byte boundary. */
export const REQUEST_ENTRY_BYTES = 192;
/** Maximum capacity: 2^24 entries, 3 GiB of shared memory. */
export const MAX_REQUEST_LOG_CAPACITY = 1 << 24;
/** Default maximum wait for another thread's claim, in milliseconds: long enough for an
 * operation that makes a network call, and finite so that a waiter on a dead claimant that no
 * thread recovers gets its thread back. */
export const DEFAULT_BEGIN_TIMEOUT_MS = 30_000;

/** Int32 slot indexes in the header. */
const LogHeader = { capacity: 0 } as const;
/** Int32 slot offsets inside an entry, added to the entry's Int32 base index. */
const EntryField = { state: 0, hash: 1, idLength: 2, outcomeLength: 3, outcome: 4 } as const;
/** Byte offset of the id inside an entry: right after the outcome words. */
const ENTRY_ID_OFFSET = (EntryField.outcome + MAX_OUTCOME_WORDS) * 4;

/** Life cycle of an entry: the low 3 bits of its state word. */
export const EntryState = {
  /** Never used. A probe for any id stops here. */
  empty: 0,
  /** A thread won the entry and is writing the id into it; others wait a moment. */
  reserving: 1,
  /** The id is stored and its claimant is applying the operation. */
  claimed: 2,
  /** The outcome is stored. Final. */
  done: 3,
  /** The id is stored but no call is applying it: the next `begin` of the id claims it. */
  abandoned: 4,
  /** Left by a thread that died while writing an id: matches no id and is never reused. */
  tombstone: 5,
} as const;

const STATE_BITS = 3;
const STATE_MASK = 0b111;
/** Largest owner id that fits beside the state in one Int32. */
const MAX_OWNER_ID = 2 ** 29 - 1;

const stateWord = (owner: number, state: number) => (owner << STATE_BITS) | state | 0;
const stateOf = (word: number) => word & STATE_MASK;
const ownerOf = (word: number) => word >>> STATE_BITS;
/** State word of an abandoned entry: no owner, since no thread is applying its id. */
const ABANDONED = stateWord(0, EntryState.abandoned);

/**
 * Result of {@link RequestLog.begin} and {@link RequestLog.beginAsync}:
 * - `new`: this call claimed the id. Apply the operation, then call `finish(entry, outcome)`,
 *   or `abandon(entry)` if it changed nothing.
 * - `done`: the id was applied before; `outcome` is a copy of the words its claimant finished
 *   with. Return that outcome and apply nothing.
 * - `pending`: another call (of thread `owner`, as `threadId + 1`) is applying the id and did
 *   not finish in time. This call applied nothing: retry later or report a conflict.
 * - `full`: the id is not in the log and every entry is taken. Nothing was recorded: apply the
 *   operation without deduplication or reject it.
 */
export type BeginResult =
  | { status: 'new'; entry: number }
  | { status: 'done'; outcome: Int32Array }
  | { status: 'pending'; owner: number }
  | { status: 'full' };

/** Settings of {@link RequestLog.begin}. */
export interface BeginOptions {
  /** Maximum wait for another thread's claim of the same id, in milliseconds; default
   * 30,000. `Infinity` waits until the claim ends. */
  timeoutMs?: number;
}

/** Settings of {@link RequestLog.beginAsync}. */
export interface BeginAsyncOptions extends BeginOptions {
  /** Aborts the wait; the promise then rejects with an `AbortError` and nothing is claimed. */
  signal?: AbortSignal;
}

/** A claimed entry, as listed by {@link RequestLog.claimedBy}. */
export interface ClaimedEntry {
  entry: number;
  requestId: string;
}

/**
 * Callback of {@link RequestLog.recoverOwner}: returns the outcome words of a dead thread's
 * claimed request if its operation took effect, or `null` if it never did or was undone.
 */
export type OutcomeLookup = (requestId: string, entry: number) => ArrayLike<number> | null;

/** The id of a request, validated, with its bytes and hash. */
interface RequestKey {
  bytes: Uint8Array;
  hash: number;
}

/** Result of a probe: a final result, or an entry whose state word must change first. */
type Probe = { result: BeginResult } | { waitAt: number; seen: number };

const NEXT_ENTRY = Symbol('next entry');
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * An idempotency table for request ids (order numbers, payment ids) in a region of a
 * `SharedArrayBuffer`. Every thread wraps the same region with `new RequestLog(buffer,
 * byteOffset, capacity)`; all state lives in the buffer.
 *
 * A caller runs `begin(requestId)`, applies the operation only on `new`, then records its
 * outcome with `finish`. A repeat of the id from any thread, even at the same moment, gets
 * `done` with that outcome, after waiting for the first call if it is still running.
 *
 * The main thread never calls `Atomics.wait`. There `begin` polls for at most 5 ms and then
 * returns `pending`, while `beginAsync` waits with `Atomics.waitAsync` for as long as
 * `timeoutMs` allows, so code on the main thread should use `beginAsync`.
 */
export class RequestLog {
  /** The shared memory holding the region. */
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of the region in {@link buffer}. */
  readonly byteOffset: number;
  /** Number of entries: the maximum of distinct ids the log records. */
  readonly capacity: number;

  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;

  /**
   * Wraps the region of `buffer` that starts at `byteOffset` and spans
   * `RequestLog.bytesFor(capacity)` bytes. A zeroed region is an empty log. Throws `TypeError`
   * or `RangeError` for a buffer that is not shared, an offset off the 8-byte grid, a region
   * past the end of the buffer, or a region set up before with another capacity.
   */
  constructor(buffer: SharedArrayBuffer, byteOffset: number, capacity: number) {
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new TypeError(`buffer must be a SharedArrayBuffer; received ${show(buffer)}`);
    }
    const bytes = RequestLog.bytesFor(capacity);
    if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset % 8 !== 0) {
      throw new RangeError(
        `byteOffset must be a multiple of 8 from 0; received ${show(byteOffset)}`,
      );
    }
    if (byteOffset + bytes > buffer.byteLength) {
      throw new RangeError(
        `a request log of capacity ${capacity} needs ${bytes} bytes from byteOffset ` +
          `${byteOffset}, but the buffer has ${buffer.byteLength} bytes`,
      );
    }
    if (OWNER_ID > MAX_OWNER_ID) {
      throw new RangeError(
        `RequestLog records claimants by threadId + 1 up to ${MAX_OWNER_ID}; this thread's ` +
          `threadId is ${threadId}`,
      );
    }

    this.buffer = buffer;
    this.byteOffset = byteOffset;
    this.capacity = capacity;
    this.#words = new Int32Array(buffer, byteOffset, bytes / 4);
    this.#bytes = new Uint8Array(buffer, byteOffset, bytes);
    this.#checkCapacity();
  }

  /** Computes the bytes that a log of `capacity` entries takes: a multiple of 8 (and of 64). */
  static bytesFor(capacity: number): number {
    checkCapacity(capacity);
    return REQUEST_LOG_HEADER_BYTES + capacity * REQUEST_ENTRY_BYTES;
  }

  /** Creates an empty log on a `SharedArrayBuffer` of its own. */
  static create(capacity: number): RequestLog {
    return new RequestLog(new SharedArrayBuffer(RequestLog.bytesFor(capacity)), 0, capacity);
  }

  /**
   * Claims `requestId`, or returns the outcome recorded for it; see {@link BeginResult}.
   * When another thread is applying the id, a worker thread sleeps in `Atomics.wait` until
   * that claim ends or `timeoutMs` passes. The main thread polls for at most 5 ms instead.
   * A claim of this very thread returns `pending` at once, because waiting for it would
   * deadlock. Throws `TypeError` or `RangeError` for an invalid id or option.
   */
  begin(requestId: string, options?: BeginOptions): BeginResult {
    const key = encodeRequestId(requestId);
    const settings = checkOptions<BeginOptions>('options', options);
    const timeoutMs = beginTimeout(settings.timeoutMs);
    const limitMs = isMainThread ? Math.min(timeoutMs, MAIN_THREAD_SPIN_MS) : timeoutMs;
    const deadline = performance.now() + limitMs;

    for (;;) {
      const probe = this.#probe(key);
      if ('result' in probe) return probe.result;

      const owner = ownerOf(probe.seen);
      const remaining = deadline - performance.now();
      if (owner === OWNER_ID || remaining <= 0) return { status: 'pending', owner };
      // A wake-up proves nothing: the next probe reads the entry again.
      if (!isMainThread) Atomics.wait(this.#words, probe.waitAt, probe.seen, remaining);
    }
  }

  /**
   * Claims `requestId` like {@link begin}, but waits for another call's claim with
   * `Atomics.waitAsync`, so it suits the main thread, and waits for a claim of this thread's
   * own async code too. Rejects with `TypeError` or `RangeError` for an invalid id or option,
   * and with an `AbortError` when `options.signal` aborts before a result.
   */
  async beginAsync(requestId: string, options?: BeginAsyncOptions): Promise<BeginResult> {
    const key = encodeRequestId(requestId);
    const settings = checkOptions<BeginAsyncOptions>('options', options);
    const timeoutMs = beginTimeout(settings.timeoutMs);
    const signal = checkSignal(settings.signal);
    const deadline = performance.now() + timeoutMs;

    for (;;) {
      // Checked before each probe so that an aborted call never claims the id.
      if (signal?.aborted) throw abortError(signal);
      const probe = this.#probe(key);
      if ('result' in probe) return probe.result;

      const remaining = deadline - performance.now();
      if (remaining <= 0) return { status: 'pending', owner: ownerOf(probe.seen) };
      await waitAsyncAlive(this.#words, probe.waitAt, probe.seen, remaining, signal);
    }
  }

  /**
   * Records `outcome` (at most 8 Int32 values) for an entry that this thread claimed, marks
   * the entry done and wakes the threads waiting for it. Throws `RangeError` for an entry that
   * this thread does not hold as claimed, or for an invalid outcome, and then changes nothing.
   */
  finish(entry: number, outcome: ArrayLike<number>): void {
    const at = this.#ownedEntry(entry, 'finish');
    const words = checkOutcome(outcome);
    this.#publishOutcome(entry, at, words);
  }

  /**
   * Gives up this thread's claim of an entry whose operation changed nothing (it failed on
   * invalid input, say), so that a later `begin` of the same id claims it again. The entry
   * keeps its id. Throws `RangeError` for an entry that this thread does not hold as claimed.
   */
  abandon(entry: number): void {
    const at = this.#ownedEntry(entry, 'abandon');
    // Neither empty nor a tombstone: emptying it could cut the probe sequence of an id stored
    // further on, and a reusable tombstone lets two threads insert one id in two entries. So
    // the entry stays bound to its id, and only that id can claim it again.
    if (!this.#swap(at, stateWord(OWNER_ID, EntryState.claimed), ABANDONED)) {
      throw lostClaimError(entry, 'abandon');
    }
    Atomics.notify(this.#words, at);
  }

  /**
   * Ends every claim of the thread `ownerId` (its `threadId + 1`), which must have exited: call
   * it from the `Worker`'s `'exit'` event with `worker.threadId + 1`. Returns the number of
   * entries it changed. Threads waiting for those entries wake up.
   *
   * The caller must know, for each claimed request, whether the dead thread's operation took
   * effect. `outcomeOf(requestId, entry)` returns its outcome words if it did: the entry then
   * becomes done with them. It returns `null` if the operation never took effect or the caller
   * has undone it: the entry then goes back to its id unclaimed, so the next `begin` applies
   * the operation again. Without `outcomeOf`, every claim is treated as `null`. An entry that
   * the thread died reserving, before any operation could start, becomes a tombstone.
   *
   * Called for a live thread, this breaks the at-most-once guarantee: that thread's later
   * `finish` fails, but its operation has already run.
   */
  recoverOwner(ownerId: number, outcomeOf?: OutcomeLookup): number {
    checkOwnerId('ownerId', ownerId);
    if (outcomeOf !== undefined && typeof outcomeOf !== 'function') {
      throw new TypeError(`outcomeOf must be a function; received ${show(outcomeOf)}`);
    }
    let recovered = 0;
    for (let entry = 0; entry < this.capacity; entry++) {
      const at = this.#stateAt(entry);
      const seen = Atomics.load(this.#words, at);
      if (ownerOf(seen) !== ownerId) continue;
      if (this.#recoverEntry(entry, at, seen, outcomeOf)) recovered++;
    }
    return recovered;
  }

  /** Lists the entries that thread `ownerId` (its `threadId + 1`) has claimed and not yet
   * finished or abandoned. */
  claimedBy(ownerId: number): ClaimedEntry[] {
    checkOwnerId('ownerId', ownerId);
    const claimed: ClaimedEntry[] = [];
    const claimedWord = stateWord(ownerId, EntryState.claimed);
    for (let entry = 0; entry < this.capacity; entry++) {
      if (Atomics.load(this.#words, this.#stateAt(entry)) !== claimedWord) continue;
      claimed.push({ entry, requestId: this.#readRequestId(entry) });
    }
    return claimed;
  }

  /** Checks the capacity in the header, storing it if this is the first log over the region. */
  #checkCapacity(): void {
    const stored = Atomics.compareExchange(this.#words, LogHeader.capacity, 0, this.capacity);
    if (stored === 0 || stored === this.capacity) return;
    throw new RangeError(
      `the region at byteOffset ${this.byteOffset} contains a request log of capacity ${stored}; ` +
        `received capacity ${this.capacity}. Wrap it with the capacity it was created with`,
    );
  }

  /** Walks the id's probe sequence until an entry decides the result. */
  #probe(key: RequestKey): Probe {
    const home = (key.hash >>> 0) % this.capacity;
    for (let step = 0; step < this.capacity; step++) {
      const probe = this.#visit((home + step) % this.capacity, key);
      if (probe !== NEXT_ENTRY) return probe;
    }
    return { result: { status: 'full' } };
  }

  /** Decides what one entry means for `key`, claiming it if it is free for `key`. */
  #visit(entry: number, key: RequestKey): Probe | typeof NEXT_ENTRY {
    const at = this.#stateAt(entry);
    const claimed = stateWord(OWNER_ID, EntryState.claimed);
    for (;;) {
      const seen = Atomics.load(this.#words, at);
      const state = stateOf(seen);
      if (state === EntryState.empty) {
        const reserved = stateWord(OWNER_ID, EntryState.reserving);
        if (this.#swap(at, seen, reserved)) return this.#fillEntry(entry, at, key);
        continue;
      }
      if (state === EntryState.tombstone) return NEXT_ENTRY;
      // The id of a reserving entry is not written yet, so it may be this very id.
      if (state === EntryState.reserving) return { waitAt: at, seen };
      if (!this.#matches(entry, key)) return NEXT_ENTRY;

      if (state === EntryState.done) return { result: this.#readOutcome(entry) };
      if (state === EntryState.claimed) return { waitAt: at, seen };
      if (this.#swap(at, seen, claimed)) return { result: { status: 'new', entry } };
      // Lost the abandoned entry to another thread: read its new state.
    }
  }

  /** Writes `key` into an entry this thread reserved, then publishes it as claimed. */
  #fillEntry(entry: number, at: number, key: RequestKey): Probe {
    Atomics.store(this.#words, at + EntryField.hash, key.hash);
    Atomics.store(this.#words, at + EntryField.idLength, key.bytes.length);
    Atomics.store(this.#words, at + EntryField.outcomeLength, 0);
    this.#bytes.set(key.bytes, this.#idByteAt(entry));
    // The swap publishes the id: a thread that loads the claimed state also reads every write
    // above. It fails only if recoverOwner ended this live thread's reservation; the probe
    // then starts over and never takes the entry.
    const reserved = stateWord(OWNER_ID, EntryState.reserving);
    const published = this.#swap(at, reserved, stateWord(OWNER_ID, EntryState.claimed));
    Atomics.notify(this.#words, at);
    return published ? { result: { status: 'new', entry } } : this.#probe(key);
  }

  #matches(entry: number, key: RequestKey): boolean {
    const at = this.#stateAt(entry);
    if (Atomics.load(this.#words, at + EntryField.hash) !== key.hash) return false;
    const length = key.bytes.length;
    if (Atomics.load(this.#words, at + EntryField.idLength) !== length) return false;
    // Plain reads are safe: the id was written before the state this thread loaded, and a
    // stored id never changes.
    const start = this.#idByteAt(entry);
    for (let i = 0; i < length; i++) {
      if (this.#bytes[start + i] !== key.bytes[i]) return false;
    }
    return true;
  }

  #readOutcome(entry: number): BeginResult {
    const at = this.#stateAt(entry);
    const length = Atomics.load(this.#words, at + EntryField.outcomeLength);
    const outcome = new Int32Array(length);
    for (let i = 0; i < length; i++) {
      outcome[i] = Atomics.load(this.#words, at + EntryField.outcome + i);
    }
    return { status: 'done', outcome };
  }

  #readRequestId(entry: number): string {
    const length = Atomics.load(this.#words, this.#stateAt(entry) + EntryField.idLength);
    const start = this.#idByteAt(entry);
    return decoder.decode(this.#bytes.slice(start, start + length));
  }

  /** Writes the outcome words, then marks the entry done; it must be claimed by this thread. */
  #publishOutcome(entry: number, at: number, words: readonly number[]): void {
    words.forEach((word, i) => {
      Atomics.store(this.#words, at + EntryField.outcome + i, word);
    });
    Atomics.store(this.#words, at + EntryField.outcomeLength, words.length);
    // The state is stored last, so a thread that loads the done state also reads the words above.
    const claimed = stateWord(OWNER_ID, EntryState.claimed);
    if (!this.#swap(at, claimed, stateWord(OWNER_ID, EntryState.done))) {
      throw lostClaimError(entry, 'finish');
    }
    Atomics.notify(this.#words, at);
  }

  /** Ends one reservation or claim of a dead thread. Returns `false` if the entry is no longer
   * one, because another thread recovered it first. */
  #recoverEntry(
    entry: number,
    at: number,
    seen: number,
    outcomeOf: OutcomeLookup | undefined,
  ): boolean {
    const state = stateOf(seen);
    if (state === EntryState.reserving) {
      if (!this.#swap(at, seen, stateWord(0, EntryState.tombstone))) return false;
      Atomics.notify(this.#words, at);
      return true;
    }
    if (state !== EntryState.claimed) return false;

    const found = outcomeOf?.(this.#readRequestId(entry), entry) ?? null;
    const words = found === null ? null : checkOutcome(found);
    if (words === null) {
      if (!this.#swap(at, seen, ABANDONED)) return false;
      Atomics.notify(this.#words, at);
      return true;
    }
    // Take the claim over first, so that this thread alone writes the outcome words.
    if (!this.#swap(at, seen, stateWord(OWNER_ID, EntryState.claimed))) return false;
    this.#publishOutcome(entry, at, words);
    return true;
  }

  /** Checks that `entry` is claimed by this thread and returns its state word's index. */
  #ownedEntry(entry: number, method: string): number {
    if (!Number.isInteger(entry) || entry < 0 || entry >= this.capacity) {
      throw new RangeError(
        `entry must be an integer from 0 to ${this.capacity - 1}, as begin() returned it; ` +
          `received ${show(entry)}`,
      );
    }
    const at = this.#stateAt(entry);
    if (Atomics.load(this.#words, at) !== stateWord(OWNER_ID, EntryState.claimed)) {
      throw lostClaimError(entry, method);
    }
    return at;
  }

  #swap(at: number, expected: number, next: number): boolean {
    return Atomics.compareExchange(this.#words, at, expected, next) === expected;
  }

  #stateAt(entry: number): number {
    return (REQUEST_LOG_HEADER_BYTES + entry * REQUEST_ENTRY_BYTES) / 4 + EntryField.state;
  }

  #idByteAt(entry: number): number {
    return REQUEST_LOG_HEADER_BYTES + entry * REQUEST_ENTRY_BYTES + ENTRY_ID_OFFSET;
  }
}

/**
 * Computes the 32-bit FNV-1a hash of `bytes`, as a signed Int32 (the form stored in an entry).
 * FNV-1a is from Fowler, Noll and Vo; offset basis 0x811c9dc5, prime 0x01000193.
 */
export function requestIdHash(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) {
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  return hash | 0;
}

/** Validates a request id and returns its UTF-8 bytes and hash. */
/** Checks a request id (a string of 1 to 128 UTF-8 bytes, valid Unicode) without storing it. */
export function checkRequestId(value: unknown): string {
  encodeRequestId(value);
  return value as string;
}

function encodeRequestId(value: unknown): RequestKey {
  const parameter = 'options.requestId';
  if (typeof value !== 'string') {
    throw new TypeError(`${parameter} must be a string; received ${show(value)}`);
  }
  if (value.length === 0) throw new RangeError(`${parameter} must not be empty; received ""`);
  if (!value.isWellFormed()) {
    throw new RangeError(`${parameter} must be valid Unicode text; received ${show(value)}`);
  }
  // Each UTF-16 code unit takes at least one UTF-8 byte, so a longer string needs no encoding.
  const bytes = value.length > MAX_REQUEST_ID_BYTES ? null : encoder.encode(value);
  if (bytes === null || bytes.length > MAX_REQUEST_ID_BYTES) {
    throw new RangeError(
      `${parameter} must be at most ${MAX_REQUEST_ID_BYTES} UTF-8 bytes; received ` +
        `${showLong(value)}`,
    );
  }
  return { bytes, hash: requestIdHash(bytes) };
}

/** Shows a string for an error message, cut after 64 code points so a huge one stays short. */
function showLong(value: string): string {
  const codePoints = [...value];
  if (codePoints.length <= 64) return show(value);
  return `${show(codePoints.slice(0, 64).join(''))}... (${codePoints.length} code points)`;
}

function checkCapacity(value: unknown): number {
  if (typeof value !== 'number') {
    throw new TypeError(`capacity must be a number; received ${show(value)}`);
  }
  if (!Number.isInteger(value) || value < 1 || value > MAX_REQUEST_LOG_CAPACITY) {
    throw new RangeError(
      `capacity must be an integer from 1 to ${MAX_REQUEST_LOG_CAPACITY}; received ${show(value)}`,
    );
  }
  return value;
}

function checkOwnerId(parameter: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${parameter} must be a number; received ${show(value)}`);
  }
  if (!Number.isInteger(value) || value < 1 || value > MAX_OWNER_ID) {
    throw new RangeError(
      `${parameter} must be a threadId + 1 from 1 to ${MAX_OWNER_ID}; received ${show(value)}`,
    );
  }
  return value;
}

/** Validates outcome words: an array-like of at most 8 integers in the Int32 range. */
function checkOutcome(value: unknown): number[] {
  const length = (value as ArrayLike<unknown> | null)?.length;
  if (typeof value !== 'object' || value === null || typeof length !== 'number') {
    throw new TypeError(`outcome must be an array of integers; received ${show(value)}`);
  }
  if (length > MAX_OUTCOME_WORDS) {
    throw new RangeError(
      `outcome must have at most ${MAX_OUTCOME_WORDS} words; received ${length} words`,
    );
  }
  return Array.from(value as ArrayLike<unknown>, (word, i) => {
    if (typeof word !== 'number' || !Number.isInteger(word) || word !== (word | 0)) {
      throw new RangeError(
        `outcome[${i}] must be an integer from -2147483648 to 2147483647; received ${show(word)}`,
      );
    }
    return word;
  });
}

function beginTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_BEGIN_TIMEOUT_MS;
  return checkMilliseconds('options.timeoutMs', value, true);
}

function checkSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw new TypeError(`options.signal must be an AbortSignal; received ${show(value)}`);
}

function lostClaimError(entry: number, method: string): RangeError {
  return new RangeError(
    `${method}(${entry}): entry ${entry} is not claimed by this thread. Pass the entry of a ` +
      `begin() that returned 'new' in this thread, and finish or abandon it only once`,
  );
}
