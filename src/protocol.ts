/**
 * Messages between the engine in the caller's thread and its pool threads. Purchases travel as
 * typed arrays of record indexes and quantities, which cost far less to clone than objects.
 * Each batch also carries a small shared buffer of per-purchase status words, through which
 * the caller can cancel a purchase that has not started and can read, after a worker died,
 * which purchases ran.
 */

/** Result code of a purchase with status `done`: >= 0 is the stock left after it, below 0 a
 * rejection, coded as here: 0 available is -1. */
export function shortCode(available: number): number {
  return -1 - available;
}

/**
 * Int32 slots of a batch's shared buffer: the worker's owner id and the purchase count, then
 * four words per purchase (see PurchaseWord). The purchases travel in shared memory, so the
 * message that starts a batch clones only a handle, whatever the batch's size.
 */
export const BatchSlot = {
  /** `threadId + 1` of the worker that took the batch; 0 until one does. */
  owner: 0,
  count: 1,
  /** Index of purchase 0's first word. */
  first: 2,
} as const;

/** Word offsets of one purchase in a batch buffer, from `purchaseSlot(i)`. */
export const PurchaseWord = { status: 0, code: 1, index: 2, quantity: 3 } as const;

/** Int32 index of purchase `i`'s first word in a batch buffer. */
export function purchaseSlot(i: number): number {
  return BatchSlot.first + 4 * i;
}

/** Status word of one purchase in a batch. Only compare-and-swap moves it off `pending`. */
export const PurchaseStatus = {
  pending: 0,
  running: 1,
  done: 2,
  cancelled: 3,
  /** It threw; the code word is 1 if it took effect, 0 if not, -1 if unknown. */
  failed: 4,
  /** It waited for its SKU's lock past its deadline and changed nothing. */
  timedOut: 5,
  /** Its request id is being applied by another call that did not finish in time. */
  requestInProgress: 6,
  /** Its request id could not be recorded: the table's request log is full. */
  requestLogFull: 7,
} as const;

/** Bytes of the batch buffer for `count` purchases. */
export function batchSlotsBytes(count: number): number {
  return purchaseSlot(count) * 4;
}

/** A batch of purchases for one worker; the purchases themselves are in `slots`. */
export interface PurchaseBatchTask {
  kind: 'purchases';
  /** `Date.now()` after which each purchase's lock wait gives up, 0 for none; `null` when no
   * purchase has a deadline. */
  deadlines: Float64Array | null;
  latencyMs: number;
  /** Request id of each purchase, or `null` for none; `null` when no purchase has one. */
  requestIds: (string | null)[] | null;
  slots: SharedArrayBuffer;
}

/** Result of a batch task: the errors of the purchases that threw, by position. */
export type PurchaseBatchResult = { position: number; name: string; message: string }[];

/** A worker's part of a race: wait at the start barrier, then buy `attempts` times. */
export interface RaceTask {
  kind: 'race';
  index: number;
  quantity: number;
  attempts: number;
  latencyMs: number;
  barrierTimeoutMs: number;
}

/** Tally of one worker's race, counted from its own results, not from the table. */
export interface RaceTaskResult {
  successes: number;
  rejections: number;
  timeouts: number;
  unitsSold: number;
  /** Lowest stock the worker saw in its results; below 0 shows an oversell. */
  lowestRemaining: number;
}

/** Way an injected fault ends the purchase it interrupts. */
export type FaultAction = 'exit' | 'throw' | 'hang';

/** A purchase that fails on purpose inside its critical section, for failure-handling tests. */
export interface FaultTask {
  kind: 'fault';
  index: number;
  quantity: number;
  point: 'before-write' | 'after-write';
  action: FaultAction;
  slots: SharedArrayBuffer;
}

/** Outcome of a fault task whose thread survived it. */
export interface FaultOutcome {
  /** Whether the fault hook ran: it runs only inside a write, so not for a rejected purchase. */
  fired: boolean;
  tookEffect: boolean | null;
  /** Reason the purchase was rejected, when the fault did not fire. */
  reason: string | null;
}

/** Event kinds of a replay batch, as coded in `ReplayBatchTask.events`. */
export const ReplayKind = { order: 0, return: 1, writeOff: 2 } as const;

/**
 * Consecutive replay events for one worker, flattened into one Int32Array: for each event its
 * kind, its line count, then a record index and a quantity per line.
 */
export interface ReplayBatchTask {
  kind: 'replay';
  events: Int32Array;
  latencyMs: number;
}

/** Tally of one replay batch, counted from the worker's own results. */
export interface ReplayTally {
  ordersFulfilled: number;
  ordersRejected: number;
  /** Lines of fulfilled orders, counted as in the data, before lines of one SKU combine. */
  linesFulfilled: number;
  linesRejected: number;
  unitsSold: number;
  /** Return events processed, including those with rejected lines. */
  returnsApplied: number;
  /** Return lines rejected because they would lift a SKU's stock above 2^31-1. */
  returnLinesRejected: number;
  unitsReturned: number;
  writeOffs: number;
  unitsWrittenOff: number;
  /** Units that write-offs requested but that were not in stock. */
  writeOffShortfall: number;
  /** Operations that gave up waiting for a lock (never, without a timeout). */
  timeouts: number;
}

/** A task each pool thread gets once at start: count in, then wait until all have. */
export interface StartTask {
  kind: 'start';
  /** One Int32 counting the threads that have arrived. */
  arrived: SharedArrayBuffer;
  parties: number;
  timeoutMs: number;
}

export type Task = PurchaseBatchTask | RaceTask | FaultTask | ReplayBatchTask | StartTask;
