/**
 * CSV cells for the platform's exports (resources, event registrations and figures, Guichet dashboard).
 *
 * CSV injection: a spreadsheet opening a CSV runs a cell that starts with = + - @ (or a tab / carriage return
 * before one of them) as a formula — `=HYPERLINK("https://…","Cliquez")`, `=cmd|' /C calc'!A0`, `@SUM(…)`. What
 * people typed (a clause title, a Guichet topic, a participant's name) is exported to other people's
 * spreadsheets, so such text is written with a leading apostrophe: spreadsheets then show it as text (and hide
 * the apostrophe). Numbers are written as numbers. `unescapeCsvText` removes that apostrophe again when the
 * platform reads its own export back (resource import).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvText(s: string): string {
	return FORMULA_START.test(s) ? `'${s}` : s;
}

export function unescapeCsvText(s: string): string {
	return s.startsWith("'") && FORMULA_START.test(s.slice(1)) ? s.slice(1) : s;
}

/** One cell: quoted when it holds the separator, a quote or a line break; numbers with a decimal comma if asked. */
export function csvCell(v: unknown, opts: { separator: ',' | ';'; decimalComma?: boolean }): string {
	if (v == null) return '';
	if (typeof v === 'number') return opts.decimalComma ? String(v).replace('.', ',') : String(v);
	const s = csvText(String(v));
	const needsQuotes = s.includes(opts.separator) || /["\n\r]/.test(s) || (opts.separator === ',' && s.includes(';'));
	return needsQuotes ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A whole CSV document for French spreadsheets: UTF-8 BOM, CRLF line ends. */
export function csvDocument(rows: unknown[][], opts: { separator: ',' | ';'; decimalComma?: boolean }): string {
	return '\ufeff' + rows.map((r) => r.map((c) => csvCell(c, opts)).join(opts.separator)).join('\r\n') + '\r\n';
}
