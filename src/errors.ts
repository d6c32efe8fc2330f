/**
 * Operational failures: each is a fresh instance with a stable `code`, so callers can branch on
 * `error.code` or `instanceof` instead of parsing messages. Misuse (a wrong type, an
 * out-of-range value) throws the built-in `TypeError` or `RangeError` instead.
 */
export class StockroomError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A wait (for a lock, a barrier or a worker) ran past its deadline. */
export class TimeoutError extends StockroomError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_STOCKROOM_TIMEOUT', message, options);
  }
}

/** A buffer given to `Inventory.attach` is not a stockroom table, or not a complete one. */
export class InvalidTableError extends StockroomError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_STOCKROOM_INVALID_TABLE', message, options);
  }
}

/** A call reached an engine after `close()`. */
export class EngineClosedError extends StockroomError {
  constructor(
    message = 'the stock engine is closed; create a new StockEngine',
    options?: ErrorOptions,
  ) {
    super('ERR_STOCKROOM_CLOSED', message, options);
  }
}

/**
 * An operation was cut off in the middle: its worker thread died, or code inside its critical
 * section threw. `tookEffect` says whether its write happened (recovery then completed it) or
 * not (nothing changed); `null` when nothing shows which.
 */
export class OperationInterruptedError extends StockroomError {
  readonly tookEffect: boolean | null;

  constructor(message: string, tookEffect: boolean | null, options?: ErrorOptions) {
    super('ERR_STOCKROOM_INTERRUPTED', message, options);
    this.tookEffect = tookEffect;
  }
}

/** Builds the `AbortError` that aborted async calls reject with, carrying the signal's reason. */
export function abortError(signal: AbortSignal): Error {
  const error = new Error('the operation was aborted', { cause: signal.reason });
  error.name = 'AbortError';
  return error;
}
