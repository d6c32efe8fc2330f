/** Number formats shared by the terminal tables and the page. */

const PREFIXES = [
  { factor: 1e9, suffix: ' G' },
  { factor: 1e6, suffix: ' M' },
  { factor: 1e3, suffix: ' k' },
] as const;

/** Formats a rate with three significant digits and an SI prefix: `12.3 M`, `845 k`, `61.0`. */
export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  for (const { factor, suffix } of PREFIXES) {
    if (Math.abs(value) >= factor) return `${(value / factor).toPrecision(3)}${suffix}`;
  }
  return value.toPrecision(3);
}

/** Formats a duration given in nanoseconds with a unit that keeps it readable. */
export function formatNanoseconds(ns: number): string {
  if (!Number.isFinite(ns)) return String(ns);
  if (ns >= 1e6) return `${(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toPrecision(3)} us`;
  return `${ns.toPrecision(3)} ns`;
}

/** Formats a ratio with two decimals, or three significant digits above 100. */
export function formatRatio(ratio: number): string {
  return ratio >= 100 ? ratio.toPrecision(3) : ratio.toFixed(2);
}

/** Formats a relative margin of error in percent: `±1.2 %`. */
export function formatMargin(percent: number): string {
  return Number.isFinite(percent) ? `±${percent.toFixed(1)} %` : 'n/a';
}
