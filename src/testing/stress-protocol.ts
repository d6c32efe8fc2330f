/**
 * Shared memory between the stress coordinator and its threads. Rounds are driven by Atomics
 * alone, never by messages, which keeps a round's overhead in the tens of microseconds.
 *
 * Control buffer, in Int32 words:
 *
 * ```text
 *   0..1    start barrier (StartBarrier)
 *   2       DONE        +1 when a thread has loaded the module, +1 per finished actor
 *   3       ROUND       round number
 *   4       ROUND_SEED  seed of the round
 *   5..15   reserved, so that the per-thread words start on a new 64-byte line
 *   16+2t   ACTOR       index of the actor that thread t runs this round
 *   17+2t   ACTOR_SEED  seed of that actor's generator
 * ```
 *
 * Result buffer: one slot per actor, each starting on a 64-byte boundary:
 *
 * ```text
 *   Int32 STATUS, Int32 LENGTH, Float64 STARTED, Float64 ENDED,
 *   then up to `resultBytes` bytes of payload
 * ```
 *
 * STARTED and ENDED are `performance.timeOrigin + performance.now()` in the actor's thread,
 * in milliseconds. A thread writes them and the payload with plain stores, then STATUS with
 * `Atomics.store`, then adds 1 to DONE. The coordinator reads DONE with `Atomics.load` before it
 * reads a slot, so every byte of the slot is visible to it.
 */

import { inspect } from 'node:util';
import { deserialize, serialize } from 'node:v8';

import { BARRIER_SLOTS } from '../barrier.js';

/** Int32 word indexes of the control buffer. */
export const Control = {
  barrier: 0,
  done: BARRIER_SLOTS,
  round: BARRIER_SLOTS + 1,
  roundSeed: BARRIER_SLOTS + 2,
} as const;

const THREAD_WORDS_START = 16;
const THREAD_WORDS = 2;

/** Int32 index of the word holding the actor that `thread` runs this round. */
export function actorWord(thread: number): number {
  return THREAD_WORDS_START + THREAD_WORDS * thread;
}

/** Int32 index of the word holding the seed of that actor's generator. */
export function actorSeedWord(thread: number): number {
  return actorWord(thread) + 1;
}

/** Creates the control buffer for `threads` threads. */
export function createControl(threads: number): Int32Array {
  const words = actorWord(threads);
  return new Int32Array(new SharedArrayBuffer(words * Int32Array.BYTES_PER_ELEMENT));
}

/** Settings that each stress thread receives as `workerData`. */
export interface StressWorkerData {
  readonly href: string;
  readonly thread: number;
  /** Number of stress threads in the run. */
  readonly threads: number;
  readonly control: Int32Array;
  readonly results: SharedArrayBuffer;
  readonly resultBytes: number;
  readonly shared: SharedArrayBuffer;
  readonly data: unknown;
}

/** Report of one actor in one round, as read from its result slot. */
export type ActorReport =
  | { readonly status: 'pending' }
  | { readonly status: 'returned'; readonly value: unknown }
  | { readonly status: 'threw'; readonly error: Error }
  | { readonly status: 'unclonable'; readonly message: string }
  | { readonly status: 'too-large'; readonly bytes: number };

const Status = { pending: 0, returned: 1, threw: 2, unclonable: 3, tooLarge: 4 } as const;

/** Bytes before the payload: STATUS and LENGTH (Int32), STARTED and ENDED (Float64). */
const HEADER_BYTES = 24;
const STARTED_BYTE = 8;
const LINE_BYTES = 64;

/** Result slots of all actors in one shared buffer; both sides of a run wrap the same buffer. */
export class ResultSlots {
  /** Payload capacity of one slot, in bytes. */
  readonly capacity: number;
  readonly #words: Int32Array;
  readonly #times: Float64Array;
  readonly #bytes: Uint8Array;
  readonly #stride: number;

  /** Wraps `buffer`, which {@link ResultSlots.create} sized for slots of `capacity` bytes. */
  constructor(buffer: SharedArrayBuffer, capacity: number) {
    this.capacity = capacity;
    this.#stride = strideFor(capacity);
    this.#words = new Int32Array(buffer);
    this.#times = new Float64Array(buffer);
    this.#bytes = new Uint8Array(buffer);
  }

  /** Creates slots for `actors` actors, each taking up to `capacity` bytes of payload. */
  static create(actors: number, capacity: number): ResultSlots {
    return new ResultSlots(new SharedArrayBuffer(actors * strideFor(capacity)), capacity);
  }

  /** The shared memory, to send to the stress threads. */
  get buffer(): SharedArrayBuffer {
    return this.#bytes.buffer as SharedArrayBuffer;
  }

  /** Marks `actor`'s slot as pending before a round starts. */
  reset(actor: number): void {
    Atomics.store(this.#words, this.#statusWord(actor), Status.pending);
  }

  /** Stores when `actor` started and ended; call it before `writeValue` or `writeError`. */
  writeTimes(actor: number, started: number, ended: number): void {
    const index = this.#startedIndex(actor);
    this.#times[index] = started;
    this.#times[index + 1] = ended;
  }

  /** Returns when `actor` started and ended, as its thread's clock read them. */
  readTimes(actor: number): { started: number; ended: number } {
    const index = this.#startedIndex(actor);
    return { started: this.#times[index] as number, ended: this.#times[index + 1] as number };
  }

  /** Stores the value that `actor` returned, or why it cannot be sent to the coordinator. */
  writeValue(actor: number, value: unknown): void {
    let payload: Uint8Array;
    try {
      payload = serialize(value);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#write(actor, Status.unclonable, fitText(reason, this.capacity));
      return;
    }
    if (payload.length > this.capacity) {
      Atomics.store(this.#words, this.#statusWord(actor) + 1, payload.length);
      Atomics.store(this.#words, this.#statusWord(actor), Status.tooLarge);
      return;
    }
    this.#write(actor, Status.returned, payload);
  }

  /** Stores what `actor` threw: name, message and, when they fit, the stack. */
  writeError(actor: number, thrown: unknown): void {
    this.#write(actor, Status.threw, encodeThrown(thrown, this.capacity));
  }

  /** Reads `actor`'s slot. */
  read(actor: number): ActorReport {
    const statusWord = this.#statusWord(actor);
    const status = Atomics.load(this.#words, statusWord);
    const length = Atomics.load(this.#words, statusWord + 1);
    const start = actor * this.#stride + HEADER_BYTES;
    // slice() copies out of the shared buffer: deserialize and TextDecoder take unshared memory.
    const payload = () => this.#bytes.slice(start, start + length);
    switch (status) {
      case Status.returned:
        return { status: 'returned', value: deserialize(payload()) };
      case Status.threw:
        return { status: 'threw', error: decodeThrown(payload()) };
      case Status.unclonable:
        return { status: 'unclonable', message: new TextDecoder().decode(payload()) };
      case Status.tooLarge:
        return { status: 'too-large', bytes: length };
      default:
        return { status: 'pending' };
    }
  }

  #statusWord(actor: number): number {
    return (actor * this.#stride) / Int32Array.BYTES_PER_ELEMENT;
  }

  #startedIndex(actor: number): number {
    return (actor * this.#stride + STARTED_BYTE) / Float64Array.BYTES_PER_ELEMENT;
  }

  #write(actor: number, status: number, payload: Uint8Array): void {
    const statusWord = this.#statusWord(actor);
    this.#bytes.set(payload, actor * this.#stride + HEADER_BYTES);
    Atomics.store(this.#words, statusWord + 1, payload.length);
    Atomics.store(this.#words, statusWord, status);
  }
}

function strideFor(capacity: number): number {
  return Math.ceil((HEADER_BYTES + capacity) / LINE_BYTES) * LINE_BYTES;
}

/** The fields of a thrown value that survive the trip: custom error classes arrive as `Error`. */
interface ThrownFields {
  name: string;
  message: string;
  stack?: string | undefined;
}

function encodeThrown(thrown: unknown, capacity: number): Uint8Array {
  const fields: ThrownFields =
    thrown instanceof Error
      ? { name: thrown.name, message: thrown.message, stack: thrown.stack }
      : { name: 'Error', message: `a non-Error value was thrown: ${inspect(thrown)}` };
  const encoder = new TextEncoder();
  let encoded = encoder.encode(JSON.stringify(fields));
  if (encoded.length <= capacity) return encoded;

  // Too long for the slot: drop the stack first, then shorten the message until it fits.
  fields.stack = undefined;
  let keptChars = fields.message.length;
  for (;;) {
    const message =
      keptChars < fields.message.length
        ? `${fields.message.slice(0, keptChars)}...`
        : fields.message;
    encoded = encoder.encode(JSON.stringify({ ...fields, message }));
    if (encoded.length <= capacity || keptChars === 0) return encoded;
    keptChars = Math.floor(keptChars / 2);
  }
}

function decodeThrown(payload: Uint8Array): Error {
  const fields = JSON.parse(new TextDecoder().decode(payload)) as ThrownFields;
  const error = new Error(fields.message);
  error.name = fields.name;
  // Without the original stack, a stack of this thread would point at the wrong code.
  error.stack = fields.stack ?? `${fields.name}: ${fields.message}`;
  return error;
}

function fitText(text: string, capacity: number): Uint8Array {
  const encoded = new TextEncoder().encode(text);
  if (encoded.length <= capacity) return encoded;
  // Cutting inside a UTF-8 sequence is harmless: TextDecoder turns the cut character into U+FFFD.
  return encoded.subarray(0, capacity);
}
