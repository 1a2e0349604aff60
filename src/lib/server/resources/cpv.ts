// CPV 2008 labels (src/lib/data/cpv-2008.csv, see CPV-README.md for the source and attribution).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let byCode: Map<string, string> | null = null;

/** The CSV, bundled by Vite (app, tests); read from disk when the module runs unbundled (tsx scripts, benches). */
function source(): string {
	try {
		const mods = import.meta.glob<string>('../../data/cpv-2008.csv', { query: '?raw', import: 'default', eager: true });
		const text = Object.values(mods)[0];
		if (text) return text;
	} catch {
		/* not under Vite */
	}
	return readFileSync(fileURLToPath(new URL('../../data/cpv-2008.csv', import.meta.url)), 'utf8');
}

function parse(): Map<string, string> {
	const csv = source();
	const map = new Map<string, string>();
	for (const line of csv.split('\n').slice(1)) {
		if (!line) continue;
		const code = line.slice(0, 10);
		const rest = line.slice(11);
		let label: string;
		if (rest.startsWith('"')) {
			let i = 1;
			let out = '';
			for (; i < rest.length; i++) {
				if (rest[i] === '"' && rest[i + 1] === '"') {
					out += '"';
					i++;
				} else if (rest[i] === '"') break;
				else out += rest[i];
			}
			label = out;
		} else {
			label = rest.slice(0, rest.indexOf(',') === -1 ? undefined : rest.indexOf(','));
		}
		map.set(code, label.replace(/\s+/g, ' ').trim());
	}
	return map;
}

export function cpvLabel(code: string): string | null {
	byCode ??= parse();
	return byCode.get(code) ?? null;
}

/** Labels of a division (first two digits), e.g. '45' → 'Travaux de construction'. */
export function cpvDivisionLabel(prefix: string): string | null {
	byCode ??= parse();
	for (const [code, label] of byCode) if (code.startsWith(prefix.padEnd(8, '0'))) return label;
	return null;
}

/** Codes matching a prefix or words of the label (for the form's suggestions). */
export function searchCpv(query: string, limit = 20): { code: string; label: string }[] {
	byCode ??= parse();
	const q = query
		.trim()
		.toLowerCase()
		.normalize('NFD')
		.replace(/\p{Diacritic}/gu, '');
	if (!q) return [];
	const out: { code: string; label: string; score: number }[] = [];
	for (const [code, label] of byCode) {
		const l = label
			.toLowerCase()
			.normalize('NFD')
			.replace(/\p{Diacritic}/gu, '');
		if (code.startsWith(q)) out.push({ code, label, score: 0 });
		else if (l.startsWith(q)) out.push({ code, label, score: 1 });
		else if (l.includes(q)) out.push({ code, label, score: 2 });
	}
	return out
		.sort((a, b) => a.score - b.score || a.label.length - b.label.length || a.code.localeCompare(b.code))
		.slice(0, limit)
		.map(({ code, label }) => ({ code, label }));
}
