/** Nearest-rank percentile of unsorted samples. @param {number[]} values @param {number} p 0–100 */
export function percentile(values, p) {
	if (!values.length) return NaN;
	const sorted = Float64Array.from(values).sort();
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** @param {number} n @param {number} [digits] */
export const round = (n, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * A plain-text table.
 * @param {string[]} headers @param {(string|number)[][]} rows
 */
export function table(headers, rows) {
	const cells = [headers, ...rows.map((r) => r.map(String))];
	const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
	const line = (/** @type {string[]} */ r) =>
		r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
	return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(r.map(String)))].join(
		'\n'
	);
}
