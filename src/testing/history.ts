/**
 * Operation histories for linearizability checking, and a recorder that worker threads write
 * into shared memory.
 *
 * Stamps (`call`, `ret`) come from one shared atomic counter, never from a clock, so they order
 * every event of every thread totally, and an operation whose `ret` is below another's `call`
 * really finished before the other started.
 *
 * Shared-memory layout of a {@link HistoryLog}, in Int32 words. Every region starts on a 64-byte
 * boundary so that threads writing their own regions do not share cache lines:
 *
 * ```text
 * header (16 words)
 *   0 MAGIC  1 VERSION  2 THREADS  3 CAPACITY  4 STAMP  5..15 reserved
 * region of thread t (REGION_HEADER_WORDS + CAPACITY * ENTRY_WORDS, rounded up to 16 words)
 *   0 COUNT (entries claimed)  1..15 reserved  16.. entries
 * entry (11 words)
 *   0 CALL  1 RET (0 = not returned)  2 OP_CODE  3 ARG_COUNT  4 RESULT_COUNT
 *   5..8 ARGS[4]  9..10 RESULT[2]
 * ```
 */

/**
 * One operation of a history. `call` and `ret` are stamps from one shared counter. When `ret` is
 * `undefined` the outcome is unknown (the call was cut off by an abort or a crash): the operation
 * may or may not have taken effect, and `result` is ignored.
 */
export interface Operation<Name extends string = string, Args = unknown, Result = unknown> {
  /** Index of the thread that made the call. */
  readonly thread: number;
  /** Stamp taken just before the call started. */
  readonly call: number;
  /** Stamp taken just after the call returned, or `undefined` if it never returned. */
  readonly ret?: number | undefined;
  readonly name: Name;
  readonly args: Args;
  /** The returned value; ignored when `ret` is `undefined`. */
  readonly result?: Result | undefined;
}

/** One raw entry of a {@link HistoryLog}, before a codec turns it into an {@link Operation}. */
export interface LogEntry {
  readonly thread: number;
  readonly call: number;
  /** Return stamp, or `undefined` if the entry was never ended. */
  readonly ret: number | undefined;
  readonly opCode: number;
  readonly args: readonly number[];
  /** Result words, or `undefined` if the entry was never ended. */
  readonly result: readonly number[] | undefined;
}

/** Translation between a log's int32 words and the operation records of one model. */
export interface HistoryCodec<Op extends Operation> {
  /**
   * Decodes one entry into an operation, taking `thread`, `call` and `ret` from the entry as
   * they are. `entry.result` is `undefined` for an operation that never returned.
   */
  decode(entry: LogEntry): Op;
}

/** Options of {@link HistoryLog.create}. */
export interface HistoryLogOptions {
  /** Number of recording threads; each gets its own region. */
  readonly threads: number;
  /** Maximum number of entries that each thread can record. */
  readonly capacityPerThread: number;
}

/** Maximum number of int32 argument words of one entry. */
export const MAX_ARG_WORDS = 4;
/** Maximum number of int32 result words of one entry. */
export const MAX_RESULT_WORDS = 2;

const MAGIC = 0x5352_484c; // 'SRHL': stockroom history log
const VERSION = 1;

const HEADER_WORDS = 16;
const HEADER_MAGIC = 0;
const HEADER_VERSION = 1;
const HEADER_THREADS = 2;
const HEADER_CAPACITY = 3;
const HEADER_STAMP = 4;

const REGION_HEADER_WORDS = 16;
const REGION_COUNT = 0;

const ENTRY_WORDS = 11;
const ENTRY_CALL = 0;
const ENTRY_RET = 1;
const ENTRY_OP_CODE = 2;
const ENTRY_ARG_COUNT = 3;
const ENTRY_RESULT_COUNT = 4;
const ENTRY_ARGS = 5;
const ENTRY_RESULT = ENTRY_ARGS + MAX_ARG_WORDS;

const CACHE_LINE_WORDS = 16;
const INT32_MAX = 2_147_483_647;
const INT32_MIN = -2_147_483_648;

function regionWords(capacity: number): number {
  const words = REGION_HEADER_WORDS + capacity * ENTRY_WORDS;
  return Math.ceil(words / CACHE_LINE_WORDS) * CACHE_LINE_WORDS;
}

function regionStart(thread: number, capacity: number): number {
  return HEADER_WORDS + thread * regionWords(capacity);
}

function totalWords(threads: number, capacity: number): number {
  return HEADER_WORDS + threads * regionWords(capacity);
}

/** Renders a received value for an error message. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) {
    return value.constructor?.name ?? 'object';
  }
  return String(value);
}

function isInt32(value: unknown): boolean {
  return (
    Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX
  );
}

function checkWords(name: string, words: ArrayLike<number>, max: number): void {
  if (typeof words !== 'object' || words === null || typeof words.length !== 'number') {
    throw new TypeError(`${name} must be an array of int32 numbers; received ${show(words)}`);
  }
  if (words.length > max) {
    throw new RangeError(`${name} may have at most ${max} words; received ${words.length}`);
  }
  for (let i = 0; i < words.length; i++) {
    if (!isInt32(words[i])) {
      throw new RangeError(`${name}[${i}] must be an int32 integer; received ${show(words[i])}`);
    }
  }
}

/**
 * The recording end of one thread's region. Obtained from {@link HistoryLog.recorder}; each
 * operation is bracketed by {@link ThreadRecorder.begin} and {@link ThreadRecorder.end}.
 */
export interface ThreadRecorder {
  /** Index of the region this recorder writes. */
  readonly thread: number;
  /**
   * Claims an entry, stores the op code and arguments, then takes the call stamp. Call it just
   * before the operation starts. Returns the slot to pass to {@link ThreadRecorder.end}.
   * Throws a `RangeError` when the thread's region is full.
   */
  begin(opCode: number, args?: ArrayLike<number>): number;
  /**
   * Stores the result words of `slot`, then takes the return stamp. Call it just after the
   * operation returns. A slot that is never ended reads back as an unknown outcome.
   */
  end(slot: number, result?: ArrayLike<number>): void;
}

class Recorder implements ThreadRecorder {
  readonly thread: number;
  readonly #words: Int32Array;
  readonly #region: number;
  readonly #capacity: number;

  constructor(words: Int32Array, thread: number, capacity: number) {
    this.thread = thread;
    this.#words = words;
    this.#region = regionStart(thread, capacity);
    this.#capacity = capacity;
  }

  begin(opCode: number, args: ArrayLike<number> = []): number {
    if (!isInt32(opCode)) {
      throw new RangeError(`opCode must be an int32 integer; received ${show(opCode)}`);
    }
    checkWords('args', args, MAX_ARG_WORDS);
    const words = this.#words;
    // Claiming with Atomics.add keeps two recorders of one region from taking the same slot.
    const slot = Atomics.add(words, this.#region + REGION_COUNT, 1);
    if (slot >= this.#capacity) {
      throw new RangeError(
        `history log region of thread ${this.thread} is full: capacityPerThread is ` +
          `${this.#capacity}; create the log with a larger capacityPerThread`,
      );
    }
    const entry = this.#entry(slot);
    words[entry + ENTRY_OP_CODE] = opCode;
    words[entry + ENTRY_ARG_COUNT] = args.length;
    for (let i = 0; i < args.length; i++) words[entry + ENTRY_ARGS + i] = args[i] as number;
    // The seq-cst store publishes the fields above to any reader that loads the call stamp.
    const stamp = Atomics.add(words, HEADER_STAMP, 1) + 1;
    Atomics.store(words, entry + ENTRY_CALL, stamp);
    return slot;
  }

  end(slot: number, result: ArrayLike<number> = []): void {
    checkWords('result', result, MAX_RESULT_WORDS);
    const claimed = Math.min(
      Atomics.load(this.#words, this.#region + REGION_COUNT),
      this.#capacity,
    );
    if (!Number.isInteger(slot) || slot < 0 || slot >= claimed) {
      throw new RangeError(
        `slot must be a slot returned by begin() on thread ${this.thread} (0 to ${claimed - 1}); ` +
          `received ${show(slot)}`,
      );
    }
    const words = this.#words;
    const entry = this.#entry(slot);
    if (Atomics.load(words, entry + ENTRY_RET) !== 0) {
      throw new RangeError(`slot ${slot} of thread ${this.thread} has already ended`);
    }
    words[entry + ENTRY_RESULT_COUNT] = result.length;
    for (let i = 0; i < result.length; i++) words[entry + ENTRY_RESULT + i] = result[i] as number;
    // Taking the stamp after the operation only widens its interval, which never hides a
    // linearizable run: the checker then has more room, not less.
    const stamp = Atomics.add(words, HEADER_STAMP, 1) + 1;
    Atomics.store(words, entry + ENTRY_RET, stamp);
  }

  #entry(slot: number): number {
    return this.#region + REGION_HEADER_WORDS + slot * ENTRY_WORDS;
  }
}

/**
 * A history recorder in a `SharedArrayBuffer`: one global stamp counter and one fixed-size region
 * per thread. Create it in the coordinating thread, send {@link HistoryLog.buffer} to the workers,
 * {@link HistoryLog.attach} it there and record through {@link HistoryLog.recorder}. When the
 * workers are done, {@link HistoryLog.read} decodes the entries in the coordinating thread.
 */
export class HistoryLog {
  /** The shared memory to send to other threads. */
  readonly buffer: SharedArrayBuffer;
  readonly threads: number;
  readonly capacityPerThread: number;
  readonly #words: Int32Array;

  private constructor(buffer: SharedArrayBuffer, threads: number, capacity: number) {
    this.buffer = buffer;
    this.threads = threads;
    this.capacityPerThread = capacity;
    this.#words = new Int32Array(buffer);
  }

  /**
   * Allocates a zeroed log for `threads` regions of `capacityPerThread` entries. Throws a
   * `RangeError` when either is not a positive integer or when the log could need more stamps
   * than an int32 can store (two per entry).
   */
  static create(options: HistoryLogOptions): HistoryLog {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(
        `options must be { threads, capacityPerThread }; received ${show(options)}`,
      );
    }
    const { threads, capacityPerThread } = options;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`threads must be a positive integer; received ${show(threads)}`);
    }
    if (!Number.isInteger(capacityPerThread) || capacityPerThread < 1) {
      throw new RangeError(
        `capacityPerThread must be a positive integer; received ${show(capacityPerThread)}`,
      );
    }
    if (2 * threads * capacityPerThread > INT32_MAX) {
      throw new RangeError(
        `threads * capacityPerThread must be at most ${Math.floor(INT32_MAX / 2)} because ` +
          `each entry takes two int32 stamps; received ${threads} * ${capacityPerThread}`,
      );
    }
    const words = totalWords(threads, capacityPerThread);
    const buffer = new SharedArrayBuffer(words * Int32Array.BYTES_PER_ELEMENT);
    const view = new Int32Array(buffer);
    view[HEADER_THREADS] = threads;
    view[HEADER_CAPACITY] = capacityPerThread;
    view[HEADER_VERSION] = VERSION;
    // The magic word goes last, so a thread that attaches reads a complete header or none.
    Atomics.store(view, HEADER_MAGIC, MAGIC);
    return new HistoryLog(buffer, threads, capacityPerThread);
  }

  /**
   * Wraps the buffer of a log made by {@link HistoryLog.create}, in any thread. Throws a
   * `TypeError` when `buffer` is not a `SharedArrayBuffer` holding a history log of this version.
   */
  static attach(buffer: SharedArrayBuffer): HistoryLog {
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new TypeError(
        `buffer must be the SharedArrayBuffer of a HistoryLog; received ${show(buffer)}`,
      );
    }
    if (buffer.byteLength < HEADER_WORDS * Int32Array.BYTES_PER_ELEMENT) {
      throw new TypeError(
        `buffer is not a history log: ${buffer.byteLength} bytes is shorter than its header`,
      );
    }
    const view = new Int32Array(buffer);
    const magic = Atomics.load(view, HEADER_MAGIC);
    if (magic !== MAGIC) {
      throw new TypeError(
        `buffer is not a history log: magic word is 0x${(magic >>> 0).toString(16)}, ` +
          `expected 0x${MAGIC.toString(16)}`,
      );
    }
    const version = view[HEADER_VERSION];
    if (version !== VERSION) {
      throw new TypeError(
        `unsupported history log version ${version} in buffer; this library reads version ${VERSION}`,
      );
    }
    const threads = view[HEADER_THREADS] as number;
    const capacity = view[HEADER_CAPACITY] as number;
    const expected = totalWords(threads, capacity) * Int32Array.BYTES_PER_ELEMENT;
    if (threads < 1 || capacity < 1 || buffer.byteLength !== expected) {
      throw new TypeError(
        `buffer is not a complete history log: ${threads} threads of ${capacity} entries need ` +
          `${expected} bytes; received ${buffer.byteLength}`,
      );
    }
    return new HistoryLog(buffer, threads, capacity);
  }

  /**
   * Returns the recorder for region `thread`. Give each thread its own index: recorders of one
   * region never overwrite each other's entries, but their entries then share one thread number.
   */
  recorder(thread: number): ThreadRecorder {
    if (!Number.isInteger(thread) || thread < 0 || thread >= this.threads) {
      throw new RangeError(
        `thread must be an integer from 0 to ${this.threads - 1}; received ${show(thread)}`,
      );
    }
    return new Recorder(this.#words, thread, this.capacityPerThread);
  }

  /**
   * Reads every begun entry of every thread, sorted by call stamp. Safe while workers still
   * record: an entry whose return stamp is not yet stored reads as an unknown outcome.
   */
  readEntries(): LogEntry[] {
    const entries: LogEntry[] = [];
    for (let thread = 0; thread < this.threads; thread++) this.#readRegion(thread, entries);
    entries.sort((a, b) => a.call - b.call);
    return entries;
  }

  /** Reads every entry like {@link HistoryLog.readEntries} and decodes it with `codec`. */
  read<Op extends Operation>(codec: HistoryCodec<Op>): Op[] {
    if (typeof codec !== 'object' || codec === null || typeof codec.decode !== 'function') {
      throw new TypeError(`codec must have a decode(entry) method; received ${show(codec)}`);
    }
    return this.readEntries().map((entry) => codec.decode(entry));
  }

  #readRegion(thread: number, out: LogEntry[]): void {
    const words = this.#words;
    const region = regionStart(thread, this.capacityPerThread);
    const claimed = Math.min(Atomics.load(words, region + REGION_COUNT), this.capacityPerThread);
    for (let slot = 0; slot < claimed; slot++) {
      const entry = region + REGION_HEADER_WORDS + slot * ENTRY_WORDS;
      const call = Atomics.load(words, entry + ENTRY_CALL);
      // A claimed slot without a call stamp belongs to a begin() still in progress, or one that
      // threw, so its operation has not started.
      if (call === 0) continue;
      const ret = Atomics.load(words, entry + ENTRY_RET);
      const argCount = words[entry + ENTRY_ARG_COUNT] as number;
      const args = Array.from(words.subarray(entry + ENTRY_ARGS, entry + ENTRY_ARGS + argCount));
      let result: number[] | undefined;
      if (ret !== 0) {
        const resultCount = words[entry + ENTRY_RESULT_COUNT] as number;
        const start = entry + ENTRY_RESULT;
        result = Array.from(words.subarray(start, start + resultCount));
      }
      out.push({
        thread,
        call,
        ret: ret === 0 ? undefined : ret,
        opCode: words[entry + ENTRY_OP_CODE] as number,
        args,
        result,
      });
    }
  }
}
