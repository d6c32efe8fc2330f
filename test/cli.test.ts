import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));

async function stockroom(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('stockroom command line', () => {
  it('race --json reports each strategy with its invariants', async () => {
    const { code, stdout } = await stockroom(
      'race',
      '--json',
      '--threads',
      '2',
      '--stock',
      '50',
      '--buyers',
      '100',
      '--latency',
      '0',
    );
    expect(code).toBe(0);
    const reports = JSON.parse(stdout) as { strategy: string; invariantsHeld: boolean }[];
    expect(reports.map((report) => report.strategy)).toEqual(['atomic', 'mutex', 'unsafe']);
    expect(reports[0]?.invariantsHeld).toBe(true);
    expect(reports[1]?.invariantsHeld).toBe(true);
  });

  const mistakes: [string, string[], RegExp][] = [
    ['an unknown command', ['sell'], /unknown command "sell"/],
    ['an unknown flag', ['race', '--fast'], /Unknown option '--fast'/],
    ['an unknown strategy', ['race', '--strategy', 'magic'], /--strategy must be one of/],
    ['a non-numeric flag', ['race', '--threads', 'many'], /--threads must be a number/],
    ['a zero quantity', ['race', '--quantity', '0'], /quantity must be an integer/],
    ['a fractional stock', ['race', '--stock', '1.5'], /stock must be an integer/],
  ];

  it.each(mistakes)('exits 2 with one line for %s', async (_, args, message) => {
    const { code, stdout, stderr } = await stockroom(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('prints usage for --help', async () => {
    const { code, stdout } = await stockroom('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: stockroom <command>/);
  });
});
