import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';

export type Cell = string | number | null;

/** Rows for an export: a header and the cells, produced lazily so large runs stream. */
export interface TableData {
  sheet: string;
  columns: string[];
  rows: Iterable<Cell[]> | AsyncIterable<Cell[]>;
}

/**
 * Text that a spreadsheet would read as a formula (=, +, -, @, and tab or CR that some
 * programs strip first) gets a leading apostrophe, so an exported title can never run as one.
 */
export function escapeFormula(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

/** One CSV line (RFC 4180 quoting); strings are formula-escaped, numbers written as they are. */
export function csvLine(cells: Cell[]): string {
  return (
    cells
      .map((c) => {
        if (c === null) return '';
        if (typeof c === 'number') return String(c);
        const s = escapeFormula(c);
        return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
      })
      .join(',') + '\r\n'
  );
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
}

/** Streams a table as UTF-8 CSV with a BOM (so spreadsheet programs read Chinese titles right). */
export async function writeCsv(out: Writable, t: TableData): Promise<void> {
  await write(out, '\uFEFF' + csvLine(t.columns));
  let buf = '';
  for await (const row of t.rows) {
    buf += csvLine(row);
    if (buf.length > 64 * 1024) {
      await write(out, buf);
      buf = '';
    }
  }
  if (buf) await write(out, buf);
  out.end();
}

/** A sheet holds at most 1,048,576 rows; longer tables continue on further sheets. */
const SHEET_ROWS = 1_048_575;

/** Streams a table as XLSX (exceljs' streaming writer: rows are not all kept in memory). */
export async function writeXlsx(out: Writable, t: TableData): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  let part = 1;
  const newSheet = () => {
    const ws = wb.addWorksheet(part === 1 ? t.sheet : `${t.sheet} (${part})`);
    ws.columns = t.columns.map((c) => ({ header: c, key: c, width: Math.max(10, c.length + 2) }));
    ws.getRow(1).font = { bold: true };
    return ws;
  };
  let ws = newSheet();
  let n = 0;
  for await (const row of t.rows) {
    if (n === SHEET_ROWS) {
      ws.commit();
      part++;
      ws = newSheet();
      n = 0;
    }
    ws.addRow(row.map((c) => (typeof c === 'string' ? escapeFormula(c) : c))).commit();
    n++;
  }
  ws.commit();
  await wb.commit();
}
