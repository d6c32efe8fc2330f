import type { PurchaseResult as CorePurchaseResult } from './disciplines/types.js';
import { joinMilliseconds, type OutcomeCodec, splitMilliseconds } from './idempotency.js';

/** A rejected order or hold: the first short line, as `Inventory.order` reports it. */
export interface ShortLine {
  ok: false;
  reason: 'insufficient-stock';
  line: number;
  sku: string;
  requested: number;
  available: number;
}

type Timeout = { ok: false; reason: 'timed-out' };
type OrderOutcome = { ok: true } | ShortLine | Timeout;
type HoldOutcome =
  | { ok: true; id: string; expiresAt: number | null }
  | ShortLine
  | Timeout
  | { ok: false; reason: 'no-free-hold-slot' };

const OK = 1;
const SHORT = 0;
const NO_FREE_HOLD_SLOT = 2;

/** Stores a purchase outcome; a timed-out one is not stored, so a retry applies. */
export const purchaseCodec: OutcomeCodec<CorePurchaseResult> = {
  encode: (outcome) => {
    if (outcome.ok) return [OK, outcome.remaining];
    return outcome.reason === 'timed-out' ? null : [SHORT, outcome.available];
  },
  decode: ([status, value = 0]) =>
    status === OK
      ? { ok: true, remaining: value }
      : { ok: false, reason: 'insufficient-stock', available: value },
};

/** Stores an order outcome, naming the short SKU by its record index. */
export function orderCodec(
  skus: readonly string[],
  indexOf: (sku: string) => number,
): OutcomeCodec<OrderOutcome> {
  return {
    encode: (outcome) => {
      if (outcome.ok) return [OK];
      return outcome.reason === 'timed-out' ? null : encodeShort(outcome, indexOf);
    },
    decode: (words) => (words[0] === OK ? { ok: true } : decodeShort(words, skus)),
  };
}

/** Stores a hold outcome: the hold's id and expiry, or why nothing was held. */
export function holdCodec(
  skus: readonly string[],
  indexOf: (sku: string) => number,
): OutcomeCodec<HoldOutcome> {
  return {
    encode: (outcome) => {
      if (outcome.ok) {
        const [slot, generation] = outcome.id.slice(1).split('.').map(Number) as [number, number];
        const [high, low] = splitMilliseconds(outcome.expiresAt ?? 0);
        return [OK, slot, generation, outcome.expiresAt === null ? 0 : 1, high, low];
      }
      if (outcome.reason === 'timed-out') return null;
      if (outcome.reason === 'no-free-hold-slot') return [NO_FREE_HOLD_SLOT];
      return encodeShort(outcome, indexOf);
    },
    decode: (words) => {
      const [status, slot = 0, generation = 0, hasExpiry = 0, high = 0, low = 0] = words;
      if (status === OK) {
        const expiresAt = hasExpiry === 1 ? joinMilliseconds(high, low) : null;
        return { ok: true, id: `h${slot}.${generation}`, expiresAt };
      }
      if (status === NO_FREE_HOLD_SLOT) return { ok: false, reason: 'no-free-hold-slot' };
      return decodeShort(words, skus);
    },
  };
}

function encodeShort(outcome: ShortLine, indexOf: (sku: string) => number): number[] {
  return [SHORT, outcome.line, indexOf(outcome.sku), outcome.requested, outcome.available];
}

function decodeShort(words: readonly number[], skus: readonly string[]): ShortLine {
  const [, line = 0, index = 0, requested = 0, available = 0] = words;
  return {
    ok: false,
    reason: 'insufficient-stock',
    line,
    sku: skus[index] as string,
    requested,
    available,
  };
}
