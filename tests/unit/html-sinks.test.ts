// XSS, structurally: Svelte escapes every `{expression}`, so what users type can only become markup through a
// raw-HTML sink. This test lists every such sink in src/ and fails when one appears that is not in the table
// below with the server-side sanitizer that feeds it (each sanitizer has its own payload tests:
// tests/integration/security-rich.test.ts for richToHtml, tests/unit/resources.test.ts for snippetHtml).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

/** file → the exact expressions allowed in `{@html …}` there, and where they are sanitized. */
const ALLOWED_HTML: Record<string, { expr: string; sanitizedBy: string }[]> = {
	'src/lib/components/spaser/SpaserReadView.svelte': [
		{ expr: 'n.bodyHtml', sanitizedBy: 'richToHtml (src/lib/spaser/rich.ts), in src/lib/server/spaser/pages.ts' }
	],
	'src/lib/components/spaser/document/DocElement.svelte': [
		{
			expr: 'bodyHtml',
			sanitizedBy: "richToHtml (src/lib/spaser/rich.ts), in the browser, from the element's Y.XmlFragment"
		}
	],
	'src/routes/ressources/+page.svelte': [
		{ expr: 'it.snippet', sanitizedBy: 'snippetHtml / escapeHtml in src/lib/server/resources/search.ts' }
	]
};

function walk(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
		const p = join(dir, e.name);
		return e.isDirectory() ? walk(p) : /\.(svelte|ts|js)$/.test(e.name) ? [p] : [];
	});
}

describe('raw-HTML sinks', () => {
	const files = walk(SRC).map((f) => ({ path: relative(ROOT, f), text: readFileSync(f, 'utf8') }));

	it('every {@html} is listed with its sanitizer, and every listed one still exists', () => {
		const found: Record<string, string[]> = {};
		for (const f of files) {
			for (const m of f.text.matchAll(/\{@html\s+([^}]+)\}/g)) (found[f.path] ??= []).push(m[1].trim());
		}
		for (const [path, exprs] of Object.entries(found)) {
			const allowed = (ALLOWED_HTML[path] ?? []).map((a) => a.expr);
			for (const e of exprs)
				expect(allowed, `${path}: {@html ${e}} is not in the sink table of tests/unit/html-sinks.test.ts`).toContain(e);
		}
		for (const [path, list] of Object.entries(ALLOWED_HTML))
			for (const a of list)
				expect(found[path] ?? [], `${path}: the listed sink {@html ${a.expr}} is gone; update the table`).toContain(
					a.expr
				);
	});

	it('no DOM HTML injection or dynamic code anywhere in src/', () => {
		const bad =
			/\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML\s*\(|document\.write\s*\(|\beval\s*\(|new Function\s*\(/;
		const offenders = files.filter((f) => bad.test(f.text)).map((f) => f.path);
		expect(offenders).toEqual([]);
	});

	it('every URL column people can type into is held to https:// by the schema (no javascript: link to render)', () => {
		const dir = join(ROOT, 'supabase', 'migrations');
		const sql = readdirSync(dir)
			.filter((f) => f.endsWith('.sql'))
			.map((f) => readFileSync(join(dir, f), 'utf8'))
			.join('\n');
		const columns = [...sql.matchAll(/^\s*(\w*url)\s+text\b([^\n]*)$/gim)].map((m) => ({ name: m[1], rest: m[2] }));
		expect(columns.map((c) => c.name).sort()).toEqual(['visio_url', 'visio_url']);
		for (const c of columns)
			expect(c.rest, c.name).toMatch(new RegExp(`check \\(${c.name} is null or ${c.name} ~ '\\^https://'\\)`));
	});
});
