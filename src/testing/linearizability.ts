/**
 * A linearizability checker for recorded histories, after Wing & Gong's search with Lowe's
 * memoization (the algorithm of Knossos and Porcupine).
 *
 * The search walks a list of call and return events sorted by stamp. At each step it tries to
 * linearize one operation whose call comes before the first remaining return, and the model
 * checks whether the recorded result can follow from the current state. The search backtracks
 * when it reaches a return whose operation it has not yet placed. A cache of (set of linearized operations, model
 * state) pairs prunes every search state reached twice. The model may split a history into
 * independent parts (P-compositionality), which are checked one by one.
 *
 * Sources: G. Lowe, "Testing for linearizability", Concurrency and Computation: Practice and
 * Experience 29(4), 2017, which compares this search with others; A. Horn and D. Kroening,
 * "Faster linearizability checking via P-compositionality" (2015), the algorithm Porcupine uses.
 */

import type { Operation } from './history.js';

/** Outcome of one sequential step of a {@link Model}. */
export interface StepResult<State> {
  /** `false` when the operation's recorded result cannot happen from the state it was given. */
  readonly ok: boolean;
  /** State after the operation; ignored when `ok` is `false`. */
  readonly state: State;
}

/**
 * A sequential specification of the object under test.
 *
 * `step` must not mutate the state it receives, because the checker keeps earlier states to
 * backtrack to. When `op.ret` is `undefined` the outcome is unknown: `step` must accept any
 * result and return the state that the operation leaves whenever its recorded result would be
 * accepted. While shrinking a counterexample, the checker passes recorded operations this way
 * with `result` still set. A model may read it only where the effect depends on the result,
 * such as the id of a new hold.
 */
export interface Model<State, Op extends Operation = Operation> {
  /** Returns the state before the first operation. */
  init(): State;
  /** Applies `op` to `state` and checks the recorded result. */
  step(state: State, op: Op): StepResult<State>;
  /** Returns a value equal for two states exactly when they behave the same; used for caching. */
  key(state: State): string | number;
  /**
   * Splits a history into sub-histories whose operations never affect each other, such as one
   * per SKU. The history is linearizable exactly when every part is. Every operation must land
   * in exactly one part.
   */
  partition?(history: readonly Op[]): Op[][];
  /** Returns a one-line description such as `purchase(A,3)→ok remaining 2`. */
  describe?(op: Op): string;
  /** Returns a one-line description of a state, such as `A=2 B=0`. */
  describeState?(state: State): string;
  /**
   * Returns why `step(state, op)` rejects the recorded result, as a clause such as
   * `from A=2 it returns insufficient-stock available 2`.
   */
  explain?(state: State, op: Op): string;
}

/** Options of {@link checkLinearizability}. */
export interface CheckOptions {
  /** Time after which the check gives up and returns `'unknown'`; no limit by default. */
  readonly timeoutMs?: number;
  /** Whether to shrink a counterexample to a small set of operations; `true` by default. */
  readonly minimize?: boolean;
  /**
   * Maximum number of search states that shrinking a counterexample may explore. The default
   * is 50,000 plus 10 times the states explored to find the violation.
   */
  readonly minimizeBudget?: number;
}

/** An operation with its one-line description. */
export interface DescribedOperation<Op> {
  readonly operation: Op;
  readonly description: string;
}

/** Evidence that a history is not linearizable. */
export interface Counterexample<State, Op> {
  /**
   * Operations, sorted by call, whose recorded results no order can explain, given `assumed`,
   * whatever the partition's other operations returned and whether or not they took effect.
   */
  readonly operations: DescribedOperation<Op>[];
  /**
   * Operations called before `operations` that the proof keeps at their recorded results. It is
   * empty when `operations` contradict each other whatever every other operation did, but
   * shrinking relaxes earlier operations only while its budget lasts.
   */
  readonly assumed: Op[];
  /** Explanation of why no order explains `operations`, with the longest order found. */
  readonly reason: string;
  /**
   * `true` when shrinking finished: each operation left in `operations` is needed, because
   * without it the results of the others can be explained. `false` when shrinking was off or
   * ran out of budget or time.
   */
  readonly minimal: boolean;
  /** The longest linearizable prefix found in the whole partition, in linearization order. */
  readonly prefix: DescribedOperation<Op>[];
  /** Operations that could go right after `prefix` by their stamps, and none of which fits. */
  readonly pending: DescribedOperation<Op>[];
  /** Model state after `prefix`. */
  readonly state: State;
}

/** Result of {@link checkLinearizability}. */
export type LinearizabilityResult<State, Op> =
  | {
      /** Some order of every partition explains all recorded results. */
      readonly linearizable: true;
      readonly partitions: number;
      /** Search states explored over all partitions. */
      readonly explored: number;
    }
  | {
      /** No order explains the results of the partition at index `partition`. */
      readonly linearizable: false;
      readonly counterexample: Counterexample<State, Op>;
      readonly partition: number;
      readonly partitions: number;
      readonly explored: number;
    }
  | {
      /** The check ran past `timeoutMs` while searching the partition at index `partition`. */
      readonly linearizable: 'unknown';
      readonly reason: 'timed out';
      readonly partition: number;
      readonly partitions: number;
      readonly explored: number;
    };

/**
 * Checks whether `history` is linearizable with respect to `model`: whether some total order of
 * its operations, consistent with their stamps (an operation that returned before another was
 * called comes first), explains every recorded result.
 *
 * Operations with `ret === undefined` may take effect anywhere after their call, or never, and
 * accept any result. Returns `linearizable: true` when an order exists, `false` with a
 * counterexample when none does, and `'unknown'` when `timeoutMs` passed first.
 */
export function checkLinearizability<State, Op extends Operation>(
  history: readonly Op[],
  model: Model<State, Op>,
  options: CheckOptions = {},
): LinearizabilityResult<State, Op> {
  validateHistory(history);
  validateModel(model);
  const settings = readOptions(options);
  const deadline = performance.now() + settings.timeoutMs;
  const parts = splitHistory(history, model);

  let explored = 0;
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index] as Op[];
    const outcome = search(prepare(part, undefined), model, unlimited(deadline));
    explored += outcome.explored;
    if (outcome.stop === 'timeout') {
      return {
        linearizable: 'unknown',
        reason: 'timed out',
        partition: index,
        partitions: parts.length,
        explored,
      };
    }
    if (outcome.stop === 'violation') {
      const counterexample = buildCounterexample(part, model, outcome, settings, deadline);
      return {
        linearizable: false,
        counterexample,
        partition: index,
        partitions: parts.length,
        explored,
      };
    }
  }
  return { linearizable: true, partitions: parts.length, explored };
}

// ---------------------------------------------------------------------------------------------
// Input checks

interface Settings {
  readonly timeoutMs: number;
  readonly minimize: boolean;
  readonly minimizeBudget: number | undefined;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object';
  return String(value);
}

function validateHistory(history: readonly Operation[]): void {
  if (!Array.isArray(history)) {
    throw new TypeError(`history must be an array of operations; received ${show(history)}`);
  }
  for (let i = 0; i < history.length; i++) {
    const op = history[i];
    if (typeof op !== 'object' || op === null) {
      throw new TypeError(`history[${i}] must be an operation object; received ${show(op)}`);
    }
    if (typeof op.call !== 'number' || !Number.isFinite(op.call)) {
      throw new TypeError(`history[${i}].call must be a finite number; received ${show(op.call)}`);
    }
    if (op.ret !== undefined && (typeof op.ret !== 'number' || !(op.ret >= op.call))) {
      throw new RangeError(
        `history[${i}].ret must be undefined or a number not below call ${op.call}; ` +
          `received ${show(op.ret)}`,
      );
    }
  }
}

function validateModel(model: object): void {
  if (typeof model !== 'object' || model === null) {
    throw new TypeError(`model must be an object with init, step and key; received ${show(model)}`);
  }
  const methods = model as Record<string, unknown>;
  for (const method of ['init', 'step', 'key']) {
    if (typeof methods[method] !== 'function') {
      throw new TypeError(`model.${method} must be a function; received ${show(methods[method])}`);
    }
  }
}

function readOptions(options: CheckOptions): Settings {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object; received ${show(options)}`);
  }
  const { timeoutMs = Number.POSITIVE_INFINITY, minimize = true, minimizeBudget } = options;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw new RangeError(`timeoutMs must be a positive number; received ${show(timeoutMs)}`);
  }
  if (minimizeBudget !== undefined && !(Number.isInteger(minimizeBudget) && minimizeBudget >= 0)) {
    throw new RangeError(
      `minimizeBudget must be a non-negative integer; received ${show(minimizeBudget)}`,
    );
  }
  return { timeoutMs, minimize: minimize !== false, minimizeBudget };
}

function splitHistory<Op extends Operation>(
  history: readonly Op[],
  model: Model<unknown, Op>,
): Op[][] {
  if (model.partition === undefined) return [history.slice()];
  const parts = model.partition(history);
  if (!Array.isArray(parts) || !parts.every((part) => Array.isArray(part))) {
    throw new TypeError(`model.partition must return an array of arrays; received ${show(parts)}`);
  }
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  if (total !== history.length) {
    throw new TypeError(
      `model.partition returned ${total} operations in total, but the history has ` +
        `${history.length}; every operation must be in exactly one part`,
    );
  }
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Search

/**
 * A history ready to search. Operations are sorted by call, and operation `i` owns event node
 * `2i` (its call) and `2i + 1` (its return).
 */
interface Prepared<Op> {
  readonly ops: readonly Op[];
  /** Operations as passed to the model: a relaxed one loses its `ret`, marking it unknown. */
  readonly stepOps: readonly Op[];
  /** 1 for operations that must be linearized; 0 for unknown outcomes and relaxed operations. */
  readonly required: Uint8Array;
  /** 1 for relaxed operations, which may be linearized with no effect instead. */
  readonly skippable: Uint8Array;
  /** Event nodes in stamp order. */
  readonly events: Int32Array;
}

/**
 * Sorts `ops` and builds their event list. Operations outside `keep` (when given) are relaxed:
 * each may take effect within its interval, with any result, or not at all.
 */
function prepare<Op extends Operation>(
  ops: readonly Op[],
  keep: ReadonlySet<Op> | undefined,
): Prepared<Op> {
  const sorted = ops.slice().sort((a, b) => a.call - b.call);
  const n = sorted.length;
  const stepOps: Op[] = new Array(n);
  const required = new Uint8Array(n);
  const skippable = new Uint8Array(n);
  const times = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const op = sorted[i] as Op;
    const known = op.ret !== undefined;
    const relaxed = known && keep !== undefined && !keep.has(op);
    stepOps[i] = relaxed ? { ...op, ret: undefined } : op;
    required[i] = known && !relaxed ? 1 : 0;
    skippable[i] = relaxed ? 1 : 0;
    times[2 * i] = op.call;
    // An unknown outcome may take effect at any later point, so its return sorts after all.
    times[2 * i + 1] = op.ret ?? Number.POSITIVE_INFINITY;
  }
  const events = new Int32Array(2 * n);
  for (let node = 0; node < 2 * n; node++) events[node] = node;
  // On equal stamps a call sorts before a return, treating the two operations as overlapping.
  events.sort((a, b) => compareTimes(times, a, b) || (a & 1) - (b & 1) || a - b);
  return { ops: sorted, stepOps, required, skippable, events };
}

function compareTimes(times: Float64Array, a: number, b: number): number {
  const ta = times[a] as number;
  const tb = times[b] as number;
  if (ta === tb) return 0;
  return ta < tb ? -1 : 1;
}

interface Limits {
  readonly deadline: number;
  readonly maxExplored: number;
  /** Number of placed required operations at which to stop and take a snapshot; -1 for none. */
  readonly snapshotAt: number;
}

function unlimited(deadline: number): Limits {
  return { deadline, maxExplored: Number.POSITIVE_INFINITY, snapshotAt: -1 };
}

/** The search at one point: what is linearized, the state, and what could come next. */
interface Snapshot<State> {
  readonly prefix: number[];
  readonly state: State;
  /** Operations whose calls precede the first remaining return. */
  readonly pending: number[];
  /** Operation of the first remaining return, or -1 when none remains. */
  readonly blocking: number;
}

interface Outcome<State> {
  readonly stop: 'linearizable' | 'violation' | 'timeout' | 'budget' | 'snapshot';
  readonly explored: number;
  /**
   * Most required operations linearized at once. The first point that reached it is the
   * deepest point of the search, where a counterexample is shown.
   */
  readonly maxPlaced: number;
  readonly snapshot?: Snapshot<State>;
}

/**
 * The set of linearized operations, as a bitset with a canonical string form for the cache.
 * The string skips the words below `frontier` (the lowest operation not yet linearized),
 * because every bit there is set. So it stays a few words long unless some operation stays
 * pending for long, such as one with an unknown outcome.
 */
class LinearizedSet {
  readonly #words: Uint32Array;
  readonly #size: number;
  #frontier = 0;
  #top = 0;

  constructor(size: number) {
    this.#size = size;
    this.#words = new Uint32Array(Math.max(1, Math.ceil(size / 32)));
  }

  add(op: number): void {
    const word = op >>> 5;
    this.#words[word] = (this.#words[word] as number) | (1 << (op & 31));
    if (word > this.#top) this.#top = word;
    if (op === this.#frontier) this.#advance();
  }

  remove(op: number): void {
    const word = op >>> 5;
    this.#words[word] = (this.#words[word] as number) & ~(1 << (op & 31));
    if (op < this.#frontier) this.#frontier = op;
  }

  key(stateKey: string | number): string {
    const words = this.#words;
    const first = this.#frontier >>> 5;
    // Trimming empty top words keeps the form canonical after removals.
    while (this.#top > first && words[this.#top] === 0) this.#top--;
    let text = `${stateKey}|${this.#frontier}`;
    for (let word = first; word <= this.#top; word++)
      text += `,${(words[word] as number).toString(36)}`;
    return text;
  }

  #advance(): void {
    const words = this.#words;
    let op = this.#frontier;
    while (op < this.#size) {
      const word = words[op >>> 5] as number;
      if (word === 0xffff_ffff) {
        op = (op | 31) + 1;
      } else if ((word >>> (op & 31)) & 1) {
        op++;
      } else {
        break;
      }
    }
    this.#frontier = Math.min(op, this.#size);
  }
}

/**
 * Runs the search with an explicit stack, so histories of any length cannot overflow the call
 * stack. Each stack frame records the call node that was linearized, the state before it, and
 * whether it was linearized with no effect (a relaxed operation gets both tries).
 */
function search<State, Op extends Operation>(
  prepared: Prepared<Op>,
  model: Model<State, Op>,
  limits: Limits,
): Outcome<State> {
  const n = prepared.ops.length;
  const head = 2 * n;
  const tail = 2 * n + 1; // odd like a return node, so reaching it backtracks
  const next = new Int32Array(2 * n + 2);
  const prev = new Int32Array(2 * n + 2);
  linkEvents(prepared.events, next, prev, head, tail);

  const linearized = new LinearizedSet(n);
  const cache = new Set<string>();
  const stackNodes: number[] = [];
  const stackStates: State[] = [];
  const stackSkipped: boolean[] = [];
  const totalRequired = prepared.required.reduce((sum, flag) => sum + flag, 0);
  let required = totalRequired;
  let state = model.init();
  let node = next[head] as number;
  let skip = false;
  let explored = 0;
  let maxPlaced = 0;
  let steps = 0;

  const snapshot = (): Outcome<State> => ({
    stop: 'snapshot',
    explored,
    maxPlaced,
    snapshot: takeSnapshot(stackNodes, state, next, head, tail),
  });
  if (limits.snapshotAt === 0) return snapshot();

  for (;;) {
    // Operations with an unknown outcome that are still unplaced simply never took effect.
    if (required === 0) return { stop: 'linearizable', explored, maxPlaced };
    if ((++steps & 1023) === 0 && performance.now() > limits.deadline) {
      return { stop: 'timeout', explored, maxPlaced };
    }

    if ((node & 1) === 0) {
      const op = node >> 1;
      const result: StepResult<State> = skip
        ? { ok: true, state }
        : model.step(state, prepared.stepOps[op] as Op);
      if (result.ok) {
        linearized.add(op);
        const key = linearized.key(model.key(result.state));
        if (!cache.has(key)) {
          cache.add(key);
          if (++explored > limits.maxExplored) return { stop: 'budget', explored, maxPlaced };
          stackNodes.push(node);
          stackStates.push(state);
          stackSkipped.push(skip);
          state = result.state;
          liftEvent(node, next, prev);
          required -= prepared.required[op] as number;
          const placed = totalRequired - required;
          if (placed > maxPlaced) maxPlaced = placed;
          if (placed === limits.snapshotAt) return snapshot();
          node = next[head] as number;
          skip = false;
          continue;
        }
        linearized.remove(op);
      }
      if (!skip && prepared.skippable[op] === 1) {
        skip = true;
      } else {
        node = next[node] as number;
        skip = false;
      }
      continue;
    }

    // A return whose operation is not linearized yet: undo the latest choice and try the next.
    if (stackNodes.length === 0) return { stop: 'violation', explored, maxPlaced };
    node = stackNodes.pop() as number;
    state = stackStates.pop() as State;
    const skipped = stackSkipped.pop() as boolean;
    const op = node >> 1;
    linearized.remove(op);
    unliftEvent(node, next, prev);
    required += prepared.required[op] as number;
    if (!skipped && prepared.skippable[op] === 1) {
      skip = true;
    } else {
      node = next[node] as number;
      skip = false;
    }
  }
}

function linkEvents(
  events: Int32Array,
  next: Int32Array,
  prev: Int32Array,
  head: number,
  tail: number,
): void {
  let last = head;
  for (const node of events) {
    next[last] = node;
    prev[node] = last;
    last = node;
  }
  next[last] = tail;
  prev[tail] = last;
}

/** Unlinks a call node and its return node (the next node id). */
function liftEvent(call: number, next: Int32Array, prev: Int32Array): void {
  const ret = call + 1;
  next[prev[call] as number] = next[call] as number;
  prev[next[call] as number] = prev[call] as number;
  next[prev[ret] as number] = next[ret] as number;
  prev[next[ret] as number] = prev[ret] as number;
}

/** Relinks what {@link liftEvent} unlinked; valid only in reverse order of the lifts. */
function unliftEvent(call: number, next: Int32Array, prev: Int32Array): void {
  const ret = call + 1;
  next[prev[ret] as number] = ret;
  prev[next[ret] as number] = ret;
  next[prev[call] as number] = call;
  prev[next[call] as number] = call;
}

function takeSnapshot<State>(
  stackNodes: readonly number[],
  state: State,
  next: Int32Array,
  head: number,
  tail: number,
): Snapshot<State> {
  const pending: number[] = [];
  let node = next[head] as number;
  while ((node & 1) === 0) {
    pending.push(node >> 1);
    node = next[node] as number;
  }
  return {
    prefix: stackNodes.map((call) => call >> 1),
    state,
    pending,
    blocking: node === tail ? -1 : node >> 1,
  };
}

// ---------------------------------------------------------------------------------------------
// Counterexamples

function buildCounterexample<State, Op extends Operation>(
  part: readonly Op[],
  model: Model<State, Op>,
  failure: Outcome<State>,
  settings: Settings,
  deadline: number,
): Counterexample<State, Op> {
  const prepared = prepare(part, undefined);
  // The search is deterministic, so a second run stops at the same deepest point.
  const rerun = search(prepared, model, {
    ...unlimited(Number.POSITIVE_INFINITY),
    snapshotAt: failure.maxPlaced,
  });
  const snapshot = rerun.snapshot as Snapshot<State>;
  const describe = describer(model);
  const at = (op: number) => prepared.ops[op] as Op;
  const described = (op: Op) => ({ operation: op, description: describe(op) });

  const budget = settings.minimizeBudget ?? 50_000 + 10 * failure.explored;
  const stuckAt = snapshot.blocking >= 0 ? at(snapshot.blocking).ret : undefined;
  const shrunk: Shrunk<Op> = settings.minimize
    ? new Shrinker(part, model, budget, deadline).shrink(stuckAt)
    : { kept: knownOperations(part), assumed: [], minimal: false };

  return {
    operations: shrunk.kept.map(described),
    assumed: shrunk.assumed,
    reason: explainViolation(shrunk, part, model),
    minimal: shrunk.minimal,
    prefix: snapshot.prefix.map((op) => described(at(op))),
    pending: snapshot.pending.map((op) => described(at(op))),
    state: snapshot.state,
  };
}

function describer<Op extends Operation>(model: Model<unknown, Op>): (op: Op) => string {
  if (model.describe) return (op) => (model.describe as (op: Op) => string)(op);
  return (op) =>
    `${op.name}(${JSON.stringify(op.args)})→${op.ret === undefined ? '?' : JSON.stringify(op.result)}`;
}

function knownOperations<Op extends Operation>(ops: readonly Op[]): Op[] {
  return ops.filter((op) => op.ret !== undefined).sort((a, b) => a.call - b.call);
}

interface Shrunk<Op> {
  /** Operations whose results contradict each other, given `assumed`. */
  readonly kept: Op[];
  /** Earlier operations held to their recorded results. */
  readonly assumed: Op[];
  readonly minimal: boolean;
}

/** Operations before the failure point that shrinking starts from. */
const FIRST_WINDOW = 8;

/**
 * Shrinks a violation to a few operations whose results contradict each other.
 *
 * An operation left out is relaxed, not removed: it may take effect within its interval, with
 * any result, or not at all. Any order of the original history is also an order of the relaxed
 * one, so a relaxed history that still fails proves the kept results contradictory whatever the
 * relaxed operations did.
 *
 * Relaxing many operations lets the state drift over a wide range, and a failing search must
 * visit all of it. So shrinking starts in a window of operations called just before the point
 * where the search got stuck, holding every earlier operation to its recorded result, and runs
 * delta debugging (Zeller's ddmin) there. Then it relaxes earlier operations, doubling the window
 * while the budget lasts and the history still fails; operations still held are `assumed`.
 */
class Shrinker<Op extends Operation> {
  readonly #part: readonly Op[];
  readonly #model: Model<unknown, Op>;
  readonly #budget: number;
  readonly #deadline: number;
  readonly #known: Op[];
  #spent = 0;
  #exhausted = false;

  constructor(part: readonly Op[], model: Model<unknown, Op>, budget: number, deadline: number) {
    this.#part = part;
    this.#model = model;
    this.#budget = budget;
    this.#deadline = deadline;
    this.#known = knownOperations(part);
  }

  shrink(stuckAt: number | undefined): Shrunk<Op> {
    const known = this.#known;
    // Operations called after the stuck point rarely matter: the window ends there.
    let end = stuckAt === undefined ? known.length : known.filter((op) => op.call < stuckAt).length;
    let start = Math.max(0, end - FIRST_WINDOW);
    while (this.#fails(known.slice(start, end), start) !== true) {
      if (this.#exhausted) return { kept: known, assumed: [], minimal: false };
      if (start === 0) {
        if (end === known.length) return { kept: known, assumed: [], minimal: false };
        end = known.length;
      }
      start = Math.max(0, start - (end - start));
    }

    const kept = deltaDebug(known.slice(start, end), (candidate) => this.#fails(candidate, start));
    const minimal = !this.#exhausted;
    while (start > 0 && !this.#exhausted) {
      const wider = Math.max(0, start - Math.max(end - start, FIRST_WINDOW));
      if (this.#fails(kept, wider) !== true) break;
      start = wider;
    }
    return { kept, assumed: known.slice(0, start), minimal };
  }

  /**
   * Checks the history with `candidate` and the first `assumed` known operations kept and the
   * rest relaxed. Returns undefined, and ends the shrinking, once the budget or time runs out.
   */
  #fails(candidate: readonly Op[], assumed: number): boolean | undefined {
    if (this.#exhausted) return undefined;
    const keep = new Set(candidate);
    for (let i = 0; i < assumed; i++) keep.add(this.#known[i] as Op);
    const outcome = search(prepare(relevantOperations(this.#part, keep), keep), this.#model, {
      deadline: this.#deadline,
      maxExplored: this.#budget - this.#spent,
      snapshotAt: -1,
    });
    this.#spent += outcome.explored;
    if (outcome.stop === 'violation') return true;
    if (outcome.stop === 'linearizable') return false;
    this.#exhausted = true;
    return undefined;
  }
}

/**
 * Drops the relaxed and unknown operations called after every kept operation returned: they can
 * take effect after all kept ones or not at all, so they cannot explain any kept result.
 */
function relevantOperations<Op extends Operation>(
  part: readonly Op[],
  keep: ReadonlySet<Op>,
): Op[] {
  let lastRet = Number.NEGATIVE_INFINITY;
  for (const op of keep) lastRet = Math.max(lastRet, op.ret ?? Number.POSITIVE_INFINITY);
  return part.filter((op) => keep.has(op) || op.call < lastRet);
}

/**
 * Returns a subset of `items` for which `fails` returns true, removing one chunk at a time.
 * Stops early, with the smallest subset found so far, when `fails` returns undefined.
 */
function deltaDebug<T>(items: T[], fails: (candidate: readonly T[]) => boolean | undefined): T[] {
  let current = items;
  let chunks = 2;
  while (current.length >= 2) {
    const size = Math.ceil(current.length / chunks);
    let reduced = false;
    for (let start = 0; start < current.length; start += size) {
      const candidate = [...current.slice(0, start), ...current.slice(start + size)];
      const verdict = fails(candidate);
      if (verdict === undefined) return current;
      if (verdict) {
        current = candidate;
        chunks = Math.max(chunks - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (chunks >= current.length) break;
      chunks = Math.min(chunks * 2, current.length);
    }
  }
  return current;
}

/**
 * Writes why no order explains the kept operations, from the deepest point of the search that
 * proved it: kept and assumed operations as recorded, the others relaxed.
 */
function explainViolation<State, Op extends Operation>(
  shrunk: Shrunk<Op>,
  part: readonly Op[],
  model: Model<State, Op>,
): string {
  const { kept, assumed } = shrunk;
  const others = part.length - kept.length - assumed.length;
  let text =
    kept.length === 1
      ? 'No order explains the result of this operation'
      : `No order of these ${kept.length} operations explains their results`;
  if (assumed.length > 0) {
    text += `, given the ${count(assumed.length, 'operation')} called before as recorded`;
    if (others > 0) text += ` and whatever the other ${count(others, 'operation')} did`;
  } else if (others > 0) {
    text += `, whatever the other ${count(others, 'operation')} of the partition did`;
  }
  text += '.';

  const keep = new Set([...assumed, ...kept]);
  const prepared = prepare(relevantOperations(part, keep), keep);
  const first = search(prepared, model, unlimited(Number.POSITIVE_INFINITY));
  if (first.stop !== 'violation') return text;
  const rerun = search(prepared, model, {
    ...unlimited(Number.POSITIVE_INFINITY),
    snapshotAt: first.maxPlaced,
  });
  const snapshot = rerun.snapshot as Snapshot<State>;
  return `${text} ${describeDeadEnd(snapshot, prepared.ops, keep, model)}`;
}

const PREFIX_SHOWN = 5;

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * Describes the deepest point of a failed search: the order that got furthest, the state it
 * left, and why none of the operations that had to come next fits. Only operations in `keep`
 * are named; relaxed ones are counted.
 */
function describeDeadEnd<State, Op extends Operation>(
  snapshot: Snapshot<State>,
  ops: readonly Op[],
  keep: ReadonlySet<Op>,
  model: Model<State, Op>,
): string {
  const describe = describer(model);
  const describeState = (state: State) => model.describeState?.(state) ?? String(model.key(state));
  const prefix = snapshot.prefix.map((op) => ops[op] as Op);
  const named = prefix.filter((op) => keep.has(op));
  let text: string;
  if (named.length === 0) {
    const start = prefix.length === 0 ? 'the initial state' : 'every state reached';
    text = `None of them can come first from ${start} (${describeState(snapshot.state)}).`;
  } else {
    const shown = named.slice(-PREFIX_SHOWN).map(describe);
    const hidden = prefix.length - shown.length;
    const more = hidden > 0 ? `, with ${count(hidden, 'other operation')} before or between` : '';
    text = `The longest order found takes ${shown.join(', ')}${more}, leaving ${describeState(snapshot.state)}.`;
  }
  const pending = snapshot.pending.map((op) => ops[op] as Op).filter((op) => keep.has(op));
  const why = (op: Op) => whyNotNext(snapshot.state, op, model);
  if (pending.length === 0) return text;
  if (pending.length === 1) {
    const op = pending[0] as Op;
    return `${text} Next must come ${describe(op)}, but ${why(op)}.`;
  }
  const reasons = pending.map((op) => `${describe(op)}: ${why(op)}`).join('; ');
  return `${text} Next must come one of ${pending.length} operations, and none fits: ${reasons}.`;
}

function whyNotNext<State, Op extends Operation>(
  state: State,
  op: Op,
  model: Model<State, Op>,
): string {
  if (model.step(state, op).ok) return 'every order that continues with it fails later';
  return model.explain?.(state, op) ?? 'its result cannot follow from this state';
}
