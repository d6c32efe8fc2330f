/** Lays out `rows` under `headers` as a plain-text table; numbers and figures align right. */
export function formatTable(headers: readonly string[], rows: readonly string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const alignRight = headers.map((_, column) =>
    rows.every((row) => /^[-\d.,/ ]*$|^breaks$/.test(row[column] ?? '')),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return alignRight[column] ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return `${[line(headers), rule, ...rows.map(line)].join('\n')}\n`;
}
