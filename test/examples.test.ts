import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { expect, it } from 'vitest';

const run = promisify(execFile);

it('README embedding example sells every mug exactly once', async () => {
  const main = fileURLToPath(new URL('../examples/embed/main.mjs', import.meta.url));
  const { stdout } = await run(process.execPath, [main]);
  expect(stdout).toContain("'MUG-RED: stock 0, sold 100'");
  expect(stdout).toContain("'MUG-BLUE: stock 0, sold 20'");
  expect(stdout).toContain('invariants broken: 0');
});
