/**
 * The model of a shared counter: the smallest complete example of a {@link Model}, with a codec
 * for {@link HistoryLog}. Copy it as the starting point for a model of your own shared-memory
 * object; the inventory model shows how to add `partition` for independent keys.
 */

import type { HistoryCodec, Operation } from './history.js';
import type { Model } from './linearizability.js';

/** Adds one to the counter; `result` is the new value. */
export type IncrementOperation = Operation<'increment', readonly [], number>;
/** Reads the counter; `result` is its value. */
export type GetOperation = Operation<'get', readonly [], number>;
/** Any operation of the counter. */
export type CounterOperation = IncrementOperation | GetOperation;

/** Op codes that {@link counterCodec} reads from a {@link HistoryLog}. */
export const COUNTER_OP_CODES = { increment: 1, get: 2 } as const;

/**
 * Creates the model of a counter that starts at `initial`. `step` returns `ok: false` when an
 * increment's new value or a get's value is not the one the counter returns from that state.
 */
export function counterModel(initial = 0): Model<number, CounterOperation> {
  if (!Number.isSafeInteger(initial)) {
    throw new RangeError(`initial must be a safe integer; received ${String(initial)}`);
  }
  return {
    init: () => initial,
    step(value, op) {
      const next = op.name === 'increment' ? value + 1 : value;
      // An operation with an unknown outcome still takes effect, with whatever result.
      if (op.ret === undefined) return { ok: true, state: next };
      return { ok: op.result === next, state: next };
    },
    key: (value) => value,
    describe: (op) => `${op.name}()→${op.ret === undefined ? '?' : String(op.result)}`,
    describeState: (value) => `counter=${value}`,
    explain(value, op) {
      const expected = op.name === 'increment' ? value + 1 : value;
      return `from counter=${value} it returns ${expected}`;
    },
  };
}

/**
 * Decodes counter entries: op code 1 is `increment`, 2 is `get`, and the first result word is
 * the returned value. Recording threads write `begin(COUNTER_OP_CODES.increment)` and
 * `end(slot, [value])`.
 */
export const counterCodec: HistoryCodec<CounterOperation> = {
  decode(entry) {
    const name = entry.opCode === COUNTER_OP_CODES.increment ? 'increment' : 'get';
    if (entry.opCode !== COUNTER_OP_CODES[name]) {
      throw new TypeError(
        `invalid op code ${entry.opCode} in a history log entry; counter op codes are 1 and 2`,
      );
    }
    const { thread, call, ret } = entry;
    return { thread, call, ret, name, args: [], result: entry.result?.[0] };
  },
};
