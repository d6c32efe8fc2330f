import { abortError } from './errors.js';

/**
 * Waits with `Atomics.waitAsync` until `view[index]` is no longer `expected`, `timeoutMs` passes
 * or `signal` aborts. Resolves to `'ok'`, `'not-equal'` or `'timed-out'` as `Atomics.waitAsync`
 * does; rejects with the signal's `AbortError`.
 *
 * A pending `Atomics.waitAsync` does not keep Node.js's event loop alive (Node.js 20), so a
 * ref'd timer runs for the length of the wait: without it a process whose only work is this
 * wait would exit in the middle of it.
 */
export async function waitAsyncAlive(
  view: Int32Array,
  index: number,
  expected: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<'ok' | 'not-equal' | 'timed-out'> {
  const result = Atomics.waitAsync(view, index, expected, timeoutMs);
  if (!result.async) return result.value;

  // setTimeout takes at most 2^31-1 ms; a longer or infinite wait renews the keep-alive timer.
  const MAX_TIMER_MS = 2_147_483_647;
  let keepAlive: NodeJS.Timeout | undefined;
  const renew = (): void => {
    keepAlive = setTimeout(renew, MAX_TIMER_MS);
  };
  renew();

  try {
    if (signal === undefined) return await result.value;
    if (signal.aborted) throw abortError(signal);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([result.value, aborted]);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  } finally {
    clearTimeout(keepAlive);
  }
}
