import { MAX_NAME_BYTES, MAX_QUANTITY, STRATEGIES, type Strategy } from './layout.js';

/** Formats a received value for an error message: strings quoted, everything else as typed. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    // JSON leaves DEL, C1 controls and line separators raw; escape them so they show.
    return JSON.stringify(value).replace(
      /[\u007f-\u009f\u2028\u2029\ufeff]/g,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean' || value == null)
    return String(value);
  if (Array.isArray(value)) return 'an array';
  const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  return `${/^[AEIOU]/i.test(kind) ? 'an' : 'a'} ${kind}`;
}

/**
 * Checks that `value` is a whole number of units from `min` to 2^31-1 and returns it.
 * Throws `TypeError` for a non-number and `RangeError` for NaN, fractions and out-of-range
 * values, naming `parameter`.
 */
export function checkQuantity(parameter: string, value: unknown, min = 1): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${parameter} must be a number; received ${show(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > MAX_QUANTITY) {
    throw new RangeError(
      `${parameter} must be an integer from ${min} to ${MAX_QUANTITY}; received ${show(value)}`,
    );
  }
  return value;
}

/** Maximum latency window of a call: one minute. */
export const MAX_LATENCY_MS = 60_000;

/** Checks a latency window: milliseconds from 0 to {@link MAX_LATENCY_MS}. */
export function checkLatency(parameter: string, value: unknown): number {
  const latencyMs = checkMilliseconds(parameter, value, false);
  if (latencyMs > MAX_LATENCY_MS) {
    throw new RangeError(
      `${parameter} must be at most ${MAX_LATENCY_MS} ms; received ${show(value)}`,
    );
  }
  return latencyMs;
}

/** Checks a time in milliseconds: a finite number >= 0, or `Infinity` where `allowInfinite`. */
export function checkMilliseconds(
  parameter: string,
  value: unknown,
  allowInfinite: boolean,
): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${parameter} must be a number of milliseconds; received ${show(value)}`);
  }
  const infiniteOk = allowInfinite && value === Number.POSITIVE_INFINITY;
  if (Number.isNaN(value) || value < 0 || (!Number.isFinite(value) && !infiniteOk)) {
    const range = allowInfinite ? 'a number >= 0 or Infinity' : 'a finite number >= 0';
    throw new RangeError(`${parameter} must be ${range}; received ${show(value)}`);
  }
  return value;
}

/**
 * Checks a SKU name: a non-empty, well-formed string of at most 256 UTF-8 bytes with no
 * control characters. Returns its UTF-8 bytes.
 */
export function checkSkuName(parameter: string, value: unknown): Uint8Array {
  if (typeof value !== 'string') {
    throw new TypeError(`${parameter} must be a string; received ${show(value)}`);
  }
  if (value.length === 0) throw new RangeError(`${parameter} must not be empty`);
  if (!value.isWellFormed()) {
    throw new RangeError(`${parameter} must be valid Unicode text; received ${show(value)}`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(value)) {
    throw new RangeError(
      `${parameter} must not contain control characters; received ${show(value)}`,
    );
  }
  const bytes = new TextEncoder().encode(value);
  if (bytes.length > MAX_NAME_BYTES) {
    throw new RangeError(
      `${parameter} must be at most ${MAX_NAME_BYTES} UTF-8 bytes; received ${bytes.length} bytes`,
    );
  }
  return bytes;
}

/** Checks a strategy name. */
export function checkStrategy(parameter: string, value: unknown): Strategy {
  if (!STRATEGIES.includes(value as Strategy)) {
    throw new RangeError(
      `${parameter} must be one of ${STRATEGIES.join(', ')}; received ${show(value)}`,
    );
  }
  return value as Strategy;
}

/**
 * Checks that `value` is a plain options object (or undefined) and returns it. With `keys`, an
 * option name outside them is a `TypeError`, so that a misspelt option fails instead of being
 * ignored.
 */
export function checkOptions<T extends object>(
  parameter: string,
  value: unknown,
  keys?: readonly (keyof T & string)[],
): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${parameter} must be an object; received ${show(value)}`);
  }
  if (keys !== undefined) {
    for (const key of Object.keys(value)) {
      if (!(keys as readonly string[]).includes(key)) {
        throw new TypeError(
          `${parameter}.${key} is not an option; the options are ${keys.join(', ')}`,
        );
      }
    }
  }
  return value as Partial<T>;
}
