/** Facts about the machine and the software of a run, recorded beside its results. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

import type { RunMeta } from './model.js';

/** The project root, from this file's place in `dist/bench/` (or `bench/` when run from source). */
export const PROJECT_ROOT = fileURLToPath(
  new URL(import.meta.url.includes('/dist/bench/') ? '../../' : '../', import.meta.url),
);

/** Packages whose versions each run records, stockroom itself first. */
const PACKAGES = [
  'piscina',
  'tinybench',
  'async-mutex',
  'csv-parse',
  'vega',
  'vega-lite',
  'typescript',
] as const;

/**
 * Describes this process's machine and software. `durationSeconds` and the final load average
 * are filled in at the end, with {@link finishRun}.
 */
export function describeRun(command: string, quick: boolean): RunMeta {
  return {
    date: new Date().toISOString(),
    command,
    quick,
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpuModel: cpuModel(),
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    packages: packageVersions(),
    durationSeconds: 0,
    loadAverage: { start: loadavg()[0] ?? 0, end: 0 },
  };
}

/** Records how long the run took and the machine's load at its end. */
export function finishRun(meta: RunMeta, seconds: number): void {
  meta.durationSeconds = seconds;
  meta.loadAverage.end = loadavg()[0] ?? 0;
}

function cpuModel(): string {
  const model = cpus()[0]?.model.trim();
  if (model !== undefined && model !== '') return model;
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((text) => text.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function packageVersions(): Record<string, string> {
  const versions: Record<string, string> = { stockroom: readVersion(PROJECT_ROOT) };
  for (const name of PACKAGES) {
    versions[name] = readVersion(`${PROJECT_ROOT}node_modules/${name}/`);
  }
  return versions;
}

function readVersion(directory: string): string {
  try {
    const manifest = JSON.parse(readFileSync(`${directory}package.json`, 'utf8')) as {
      version?: string;
    };
    return manifest.version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}
