import type { RequestLog } from './request-log.js';
import { show } from './validate.js';

/** Reason a request with an id was not applied, besides the operation's own outcomes. */
export type RequestRejection =
  /** Another call with the same id is being applied right now and did not finish in time. */
  | { ok: false; reason: 'request-in-progress' }
  /** The table's request log has no free entry, so at-most-once could not be promised. */
  | { ok: false; reason: 'request-log-full' };

/** The operations a request id can guard; the first outcome word names which one ran. */
export const RequestKind = { purchase: 1, order: 2, hold: 3 } as const;
export type RequestKind = keyof typeof RequestKind;

/** Encoding of one kind of outcome in at most 7 Int32 words (the kind takes the first). */
export interface OutcomeCodec<R> {
  /** Words to record, or `null` for an outcome that must not be recorded (a retry applies). */
  encode(outcome: R): number[] | null;
  decode(words: readonly number[]): R;
}

/**
 * Applies `apply` at most once per request id, across every thread attached to the table: a
 * repeat of an id returns the first outcome without applying anything, and a repeat sent at
 * the same moment waits for the first to finish. If `apply` throws, the claim is dropped and
 * the error passes through, so a corrected retry can apply.
 */
export function applyOnce<R>(
  log: RequestLog,
  requestId: string,
  kind: RequestKind,
  codec: OutcomeCodec<R>,
  apply: () => R,
): R | RequestRejection {
  const begun = log.begin(requestId);
  if (begun.status === 'done') return decodeStored(requestId, kind, codec, [...begun.outcome]);
  if (begun.status === 'pending') return { ok: false, reason: 'request-in-progress' };
  if (begun.status === 'full') return { ok: false, reason: 'request-log-full' };

  let outcome: R;
  try {
    outcome = apply();
  } catch (error) {
    log.abandon(begun.entry);
    throw error;
  }
  const words = codec.encode(outcome);
  if (words === null) log.abandon(begun.entry);
  else log.finish(begun.entry, [RequestKind[kind], ...words]);
  return outcome;
}

function decodeStored<R>(
  requestId: string,
  kind: RequestKind,
  codec: OutcomeCodec<R>,
  words: number[],
): R {
  const [stored, ...rest] = words;
  if (stored !== RequestKind[kind]) {
    const used = Object.entries(RequestKind).find(([, code]) => code === stored)?.[0];
    throw new TypeError(
      `request id ${show(requestId)} was already used for a ${used ?? 'different operation'}, ` +
        `not for a ${kind}; use a new id`,
    );
  }
  return codec.decode(rest);
}

/** Splits a `Date.now()` value into two words that each fit an Int32, and back. */
export function splitMilliseconds(ms: number): [number, number] {
  return [Math.floor(ms / 2 ** 30), ms % 2 ** 30];
}

export function joinMilliseconds(high: number, low: number): number {
  return high * 2 ** 30 + low;
}
