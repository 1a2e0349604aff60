// Grep proofs of the shape of the code (docs: /work/notes/shape16.md, issue 16): routes and API endpoints are thin
// doors, one home for each shared helper. Each rule lists what breaks it, so a failure names the file to fix.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string, ext = /\.(ts|js|svelte)$/): string[] {
	return readdirSync(dir).flatMap((f) => {
		const p = join(dir, f);
		return statSync(p).isDirectory() ? files(p, ext) : ext.test(f) ? [p] : [];
	});
}

/** `file:line: text` of every line of `paths` matching `re`. */
function grep(paths: string[], re: RegExp): string[] {
	return paths.flatMap((file) =>
		readFileSync(file, 'utf8')
			.split('\n')
			.flatMap((line, i) => (re.test(line) ? [`${file}:${i + 1}: ${line.trim().slice(0, 120)}`] : []))
	);
}

const routeFiles = files('src/routes', /^\+.*\.(ts|js)$|\.server\.(ts|js)$/);
const endpointFiles = files('src/lib/server/api/endpoints');

describe('architecture', () => {
	it('routes and API endpoints run no SQL and open no transaction: services do', () => {
		expect(
			grep(
				[...routeFiles, ...endpointFiles],
				/\btx\.query\b|\bdb\.query\(|\bsql`|\bwithUser\(|\basService\(|\belevated\(/
			)
		).toEqual([]);
	});

	it('no zod schema is defined in a route file: inputs live in src/lib/server/<capability>/input.ts', () => {
		expect(
			grep(
				files('src/routes', /\.(ts|js)$/),
				/from 'zod'|\bz\.(object|string|number|enum|array|union|uuid|coerce|literal|record|boolean|email|iso|discriminatedUnion)\(/
			)
		).toEqual([]);
	});

	it('no UUID pattern outside src/params and src/lib/server/kit (use isUuid, the [id=uuid] matcher or zod uuid)', () => {
		const paths = files('src').filter((f) => !f.startsWith('src/params/') && !f.startsWith('src/lib/server/kit/'));
		expect(grep(paths, /\[0-9a-f(-)?\]\{(8|36)\}|\[0-9a-fA-F\]\{8\}|\[\\da-f\]\{8\}/i)).toEqual([]);
	});

	it('no timer loop on the server outside the one background-job runner (src/lib/server/kit/jobs.ts)', () => {
		const paths = [...files('src/lib/server'), ...files('src/routes', /\.(ts|js)$/), 'src/hooks.server.ts'].filter(
			(f) => f !== 'src/lib/server/kit/jobs.ts'
		);
		expect(grep(paths, /\bsetInterval\(/)).toEqual([]);
	});

	it('no file in src/lib/server over 500 lines (the data file of templates excepted)', () => {
		// (the SPASER templates, a data file, live in src/lib/spaser/templates.ts, outside src/lib/server)
		const long = files('src/lib/server')
			.map((f) => [f, readFileSync(f, 'utf8').split('\n').length] as const)
			.filter(([, n]) => n > 500)
			.map(([f, n]) => `${f}: ${n} lines`);
		expect(long).toEqual([]);
	});

	it('Content-Disposition is built in one place (src/lib/server/kit/download.ts)', () => {
		const paths = files('src').filter((f) => f !== 'src/lib/server/kit/download.ts');
		// a header value written by hand (the OpenAPI descriptions of the header, with their <placeholders>, are not)
		expect(grep(paths, /content-disposition['"]\s*:\s*[`'"](attachment|inline)[^<]*$/i)).toEqual([]);
	});
});
