import { isMainThread } from 'node:worker_threads';
import type { TableView } from './disciplines/table-view.js';
import type { CallSettings, CombinedLine, Discipline } from './disciplines/types.js';
import { HoldSlot, HoldState, type TableGeometry } from './layout.js';
import { sleepSync } from './sleep.js';
import { show } from './validate.js';

/** Reason a settle changed nothing: the hold was settled before, or it expired. */
export type SettleRejection =
  | 'already-committed'
  | 'already-released'
  | 'expired'
  /** The hold's slot was reused since, so which way it settled is no longer recorded. */
  | 'already-settled'
  | 'timed-out';

/** Outcome of committing or releasing a hold. */
export type SettleResult = { ok: true } | { ok: false; reason: SettleRejection };

const GENERATION_MASK = 0x1fff_ffff;
const REUSABLE: ReadonlySet<number> = new Set([
  HoldState.free,
  HoldState.committed,
  HoldState.released,
  HoldState.expired,
]);
const SETTLED_REASON: Record<number, SettleRejection> = {
  [HoldState.committed]: 'already-committed',
  [HoldState.released]: 'already-released',
  [HoldState.expired]: 'expired',
};

const word = (generation: number, state: number) => (generation << 3) | state | 0;
const generationOf = (value: number) => (value >>> 3) & GENERATION_MASK;
const stateOf = (value: number) => value & 7;

/**
 * The hold slots of a table. A hold's id names its slot and the slot's generation, and every
 * change of a slot is one compare-and-swap of its state word, which holds both. So a commit,
 * a release and an expiry of the same hold race for one swap: exactly one of them wins, and an
 * id whose slot was reused for a newer hold can never settle the newer one.
 */
export class HoldTable {
  readonly #view: TableView;
  readonly #discipline: Discipline;
  readonly #base: number;
  readonly #slotWords: number;
  readonly #capacity: number;
  readonly #maxLines: number;
  readonly #cursorSlot: number;

  constructor(
    view: TableView,
    geometry: TableGeometry,
    discipline: Discipline,
    cursorSlot: number,
  ) {
    this.#view = view;
    this.#discipline = discipline;
    this.#base = geometry.holdsOffset / 4;
    this.#slotWords = geometry.holdSlotBytes / 4;
    this.#capacity = geometry.holdCapacity;
    this.#maxLines = geometry.maxHoldLines;
    this.#cursorSlot = cursorSlot;
  }

  /** Most lines one hold can carry, after lines of the same SKU are combined. */
  get maxLines(): number {
    return this.#maxLines;
  }

  /**
   * Reserves a free slot for a new hold and marks it as being filled. Returns the slot and its
   * new generation, or `null` when every slot holds a live hold.
   */
  claim(): { slot: number; generation: number } | null {
    const { i32 } = this.#view;
    const start = Atomics.add(i32, this.#cursorSlot, 1) >>> 0;
    for (let step = 0; step < this.#capacity; step++) {
      const slot = (start + step) % this.#capacity;
      const at = this.#stateAt(slot);
      const current = Atomics.load(i32, at);
      if (!REUSABLE.has(stateOf(current))) continue;
      const generation = (generationOf(current) + 1) & GENERATION_MASK;
      if (
        Atomics.compareExchange(i32, at, current, word(generation, HoldState.filling)) === current
      ) {
        return { slot, generation };
      }
    }
    return null;
  }

  /** Records the lines and expiry of a claimed slot and makes the hold live. */
  publish(
    slot: number,
    generation: number,
    lines: readonly CombinedLine[],
    expiresAt: number,
  ): void {
    const { i32, i64 } = this.#view;
    const at = this.#stateAt(slot);
    Atomics.store(i32, at + HoldSlot.lineCount, lines.length);
    Atomics.store(i64, this.#expiryAt(slot), BigInt(expiresAt));
    lines.forEach((line, i) => {
      Atomics.store(i32, at + HoldSlot.lines + 2 * i, line.index);
      Atomics.store(i32, at + HoldSlot.lines + 2 * i + 1, line.quantity);
    });
    // The store of the state word comes last: whoever sees HELD also sees the lines above.
    Atomics.store(i32, at, word(generation, HoldState.held));
  }

  /** Gives a claimed slot back unused, when the hold could not take its stock. */
  abandon(slot: number, generation: number): void {
    Atomics.store(this.#view.i32, this.#stateAt(slot), word(generation, HoldState.free));
  }

  /** Commits (the units become sold) or releases (they return to stock) the hold `id`. */
  settle(id: string, action: 'commit' | 'release', settings: CallSettings): SettleResult {
    const { slot, generation } = this.#parseId(id);
    const { i32 } = this.#view;
    const at = this.#stateAt(slot);
    for (;;) {
      const current = Atomics.load(i32, at);
      const ahead = (generation - generationOf(current)) & GENERATION_MASK;
      // A later generation than the slot has reached was never handed out.
      if (ahead !== 0 && ahead < 2 ** 28) throw unknownHoldError(id);
      if (ahead !== 0) return { ok: false, reason: 'already-settled' };
      const state = stateOf(current);
      if (state === HoldState.settling) {
        waitBriefly();
        continue;
      }
      const settled = SETTLED_REASON[state];
      if (settled !== undefined) return { ok: false, reason: settled };
      // A free or filling slot of this generation holds no hold: the id was never returned.
      if (state !== HoldState.held) throw unknownHoldError(id);
      const expired = this.#isExpired(slot, Date.now());
      if (
        Atomics.compareExchange(i32, at, current, word(generation, HoldState.settling)) !== current
      ) {
        continue;
      }
      if (expired) {
        const released = this.#finish(slot, generation, 'release', HoldState.expired, settings);
        return released ? { ok: false, reason: 'expired' } : { ok: false, reason: 'timed-out' };
      }
      const finalState = action === 'commit' ? HoldState.committed : HoldState.released;
      const done = this.#finish(slot, generation, action, finalState, settings);
      return done ? { ok: true } : { ok: false, reason: 'timed-out' };
    }
  }

  /** Releases every live hold whose expiry is at or before `now`. Returns how many it released. */
  releaseExpired(now: number, settings: CallSettings): number {
    const { i32 } = this.#view;
    let released = 0;
    for (let slot = 0; slot < this.#capacity; slot++) {
      const at = this.#stateAt(slot);
      const current = Atomics.load(i32, at);
      if (stateOf(current) !== HoldState.held || !this.#isExpired(slot, now)) continue;
      const generation = generationOf(current);
      if (
        Atomics.compareExchange(i32, at, current, word(generation, HoldState.settling)) !== current
      ) {
        continue;
      }
      if (this.#finish(slot, generation, 'release', HoldState.expired, settings)) released++;
    }
    return released;
  }

  /** Number of holds that are live now. */
  countLive(): number {
    let live = 0;
    for (let slot = 0; slot < this.#capacity; slot++) {
      if (stateOf(Atomics.load(this.#view.i32, this.#stateAt(slot))) === HoldState.held) live++;
    }
    return live;
  }

  /** Moves the units of a slot this thread has set to settling, then records `finalState`.
   * On a lock timeout it changes nothing, puts the hold back to live and returns `false`. */
  #finish(
    slot: number,
    generation: number,
    action: 'commit' | 'release',
    finalState: number,
    settings: CallSettings,
  ): boolean {
    const lines = this.#readLines(slot);
    const at = this.#stateAt(slot);
    const moved =
      action === 'commit'
        ? this.#discipline.commitHeld(lines, settings)
        : this.#discipline.releaseHeld(lines, settings);
    if (!moved) {
      Atomics.store(this.#view.i32, at, word(generation, HoldState.held));
      return false;
    }
    Atomics.store(this.#view.i32, at, word(generation, finalState));
    return true;
  }

  #readLines(slot: number): CombinedLine[] {
    const { i32 } = this.#view;
    const at = this.#stateAt(slot);
    const count = Atomics.load(i32, at + HoldSlot.lineCount);
    return Array.from({ length: count }, (_, i) => ({
      index: Atomics.load(i32, at + HoldSlot.lines + 2 * i),
      quantity: Atomics.load(i32, at + HoldSlot.lines + 2 * i + 1),
      firstLine: i,
    }));
  }

  #isExpired(slot: number, now: number): boolean {
    const expiresAt = Number(Atomics.load(this.#view.i64, this.#expiryAt(slot)));
    return expiresAt !== 0 && expiresAt <= now;
  }

  #stateAt(slot: number): number {
    return this.#base + slot * this.#slotWords;
  }

  #expiryAt(slot: number): number {
    return this.#stateAt(slot) / 2 + HoldSlot.expiresAt;
  }

  #parseId(id: string): { slot: number; generation: number } {
    // Canonical numbers only, so that one hold has one id ("h01.1" is not "h1.1").
    const match = typeof id === 'string' ? /^h(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/.exec(id) : null;
    const slot = Number(match?.[1]);
    const generation = Number(match?.[2]);
    if (match === null || slot >= this.#capacity || generation > GENERATION_MASK) {
      throw unknownHoldError(id);
    }
    return { slot, generation };
  }
}

function unknownHoldError(id: unknown): RangeError {
  return new RangeError(
    `hold id must be an id returned by hold() on this table; received ${show(id)}`,
  );
}

/** Formats the id of the hold in `slot` at `generation`. */
export function holdId(slot: number, generation: number): string {
  return `h${slot}.${generation}`;
}

/** Yields while another thread finishes settling a hold (microseconds, or a lock wait). */
function waitBriefly(): void {
  if (isMainThread) return;
  sleepSync(0.05);
}
