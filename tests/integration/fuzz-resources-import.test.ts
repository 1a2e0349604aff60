// Fuzzing the bulk import of clause models and REX (CSV and JSON) with generated bad input (fast-check).
// The import is row by row: valid rows are taken, invalid ones refused with their reasons. "No partial import"
// therefore means: never a crash (a whole-file refusal is a clear French AppError and changes nothing); the
// report accounts for every row; exactly the rows reported as imported exist, with what the file said; every
// known-valid row mixed among garbage is imported; nothing reported as refused was written.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, type Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import { importResources, recordsFromFile } from '../../src/lib/server/resources/io';
import { engines, openTestDb } from '../helpers/engines';
import { createOrg, createUser, type TestUser } from '../helpers/factories';

const HEADER = ['type', 'titre', 'resume', 'texte', 'famille', 'mecanisme', 'segments', 'cpv', 'annee'];

/** A cell: plausible values, edge cases and garbage (separators, quotes, line breaks, control characters, markup). */
const cell = fc.oneof(
	fc.constantFrom(
		'',
		' ',
		'clause',
		'rex',
		'sociale',
		'environnementale',
		'condition_execution',
		'services.nettoyage',
		'90910000-9',
		'99999999-9',
		'2024',
		'1999',
		'abc',
		'"',
		'";"',
		',',
		'\n',
		'\r\n',
		'\u0000',
		'💥',
		'=1+1',
		'<script>alert(1)</script>',
		'x'.repeat(400)
	),
	fc.string({ maxLength: 16 })
);

let serial = 0;
/** A row that the import must take, whatever surrounds it; its title is unique so it can be found. */
const validRow = fc.constant(null).map(() => {
	const title = `Clause valide n° ${++serial}`;
	return {
		title,
		cells: [
			'clause',
			title,
			'Résumé de la clause.',
			'Le titulaire s’engage à respecter la clause.',
			'sociale',
			'condition_execution',
			'services.nettoyage',
			'90910000-9',
			''
		]
	};
});
const garbageRow = fc
	.array(cell, { minLength: 0, maxLength: HEADER.length + 2 })
	.map((cells) => ({ title: null as string | null, cells }));
const rows = fc.array(fc.oneof(validRow, garbageRow, garbageRow), { maxLength: 6 });

const quote = (s: string) => (/[",;\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const csvOf = (rs: { cells: string[] }[], sep: string) =>
	[HEADER.join(sep), ...rs.map((r) => r.cells.map(quote).join(sep))].join('\n');

/** Either a well-formed file with valid and garbage rows (expected titles known), or raw garbage. */
const file = fc.oneof(
	fc.tuple(rows, fc.constantFrom(',', ';')).map(([rs, sep]) => ({
		name: 'modeles.csv',
		text: csvOf(rs, sep),
		valid: rs.flatMap((r) => (r.title ? [r.title] : []))
	})),
	rows.map((rs) => ({
		name: 'modeles.json',
		text: JSON.stringify(rs.map((r) => Object.fromEntries(HEADER.map((h, i) => [h, r.cells[i] ?? ''])))),
		valid: rs.flatMap((r) => (r.title ? [r.title] : []))
	})),
	fc
		.array(
			fc.dictionary(
				fc.constantFrom(...HEADER, 'title', 'kind', 'segments', 'cpvCodes', '__proto__', 'constructor'),
				fc.jsonValue({ maxDepth: 2 }),
				{ maxKeys: 6 }
			),
			{ maxLength: 4 }
		)
		.map((objs) => ({ name: 'modeles.json', text: JSON.stringify(objs), valid: [] as string[] })),
	fc.string({ maxLength: 200 }).map((text) => ({ name: 'modeles.csv', text, valid: [] as string[] })),
	fc.string({ maxLength: 200 }).map((text) => ({ name: 'modeles.json', text, valid: [] as string[] })),
	fc
		.uint8Array({ maxLength: 300 })
		.map((b) => ({ name: 'modeles.csv', text: new TextDecoder().decode(b), valid: [] as string[] }))
);

describe.each(engines)('fuzzed bulk imports of clause models and REX (%s)', (engine) => {
	let db: Database;
	let admin: TestUser;
	let orgId: string;
	beforeAll(async () => {
		db = await openTestDb(engine);
		admin = await createUser(db);
		orgId = (await createOrg(db, admin, 'Ville de Fuzz-les-Clauses')).id;
	});
	afterAll(async () => {
		await db?.close();
	});

	const snapshot = async () =>
		asService(db, 'test: fuzz snapshot', (tx) =>
			tx.query<{ id: string; title: string; kind: string; visibility: string; versions: number }>(
				`select r.id, r.title, r.kind, r.visibility, (select count(*)::int from public.resource_versions v where v.resource_id = r.id) as versions
				   from public.resources r where r.org_id = $1 order by r.id`,
				[orgId]
			)
		);

	it(
		'never crashes, accounts for every row, and takes exactly the rows it reports as imported',
		{ timeout: 240_000 },
		async () => {
			await fc.assert(
				fc.asyncProperty(file, async ({ name, text, valid }) => {
					const before = await snapshot();
					let report: Awaited<ReturnType<typeof importResources>>;
					let records: Record<string, unknown>[];
					try {
						records = recordsFromFile(name, text);
						report = await importResources(db, admin, orgId, records);
					} catch (e) {
						// Refused as a whole, with a clear French message, and nothing changed.
						expect(e).toBeInstanceOf(AppError);
						expect((e as AppError).status).toBeLessThan(500);
						expect((e as AppError).message).toMatch(/[a-zé]/);
						expect(await snapshot()).toEqual(before);
						expect(valid).toEqual([]);
						return;
					}
					const after = await snapshot();
					expect(report.rows).toHaveLength(records.length);
					expect(report.imported + report.refused).toBe(records.length);
					for (const r of report.rows)
						if (r.status === 'refused') expect(r.reasons.length, JSON.stringify(r)).toBeGreaterThan(0);
					const importedIds = report.rows.filter((r) => r.status === 'imported').map((r) => r.id!);
					const beforeIds = new Set(before.map((r) => r.id));
					const added = after.filter((r) => !beforeIds.has(r.id));
					// Exactly the reported rows were written, private, each with its first version; nothing else moved.
					expect(added.map((r) => r.id).sort()).toEqual([...importedIds].sort());
					expect(after.filter((r) => beforeIds.has(r.id))).toEqual(before);
					for (const r of added) {
						expect(r.visibility).toBe('private');
						expect(r.versions).toBeGreaterThanOrEqual(1);
						const reported = report.rows.find((x) => x.id === r.id)!;
						expect(r.title).toBe(String(records[reported.row - 1].title).trim());
					}
					// Every known-valid row among the garbage was taken.
					for (const t of valid)
						expect(
							added.map((r) => r.title),
							t
						).toContain(t);
				}),
				{ numRuns: engine === 'pglite' ? 80 : 60, seed: 20261123 }
			);
		}
	);
});
