// Fuzzing the DECP importer (importDecp, the service behind the web page and POST /organisations/{id}/decp-imports)
// with bad and half-good files built by mutating the project's valid fixtures: wrong types, missing fields, huge
// strings, bad dates and SIRET, duplicated records, truncated files, mixed valid and invalid records, in the
// JSON 2024, JSON 2019 and XML 2024 formats.
// The service's contract (src/lib/server/decp/service.ts): a file that cannot be read is refused as a whole
// (AppError with a French message) and nothing changes; a readable file keeps its valid records of the
// collectivité's SIRET and reports every other record with a reason, in one transaction with its import run.
// Property: never anything but such an AppError; on refusal the database is unchanged; on success exactly one
// run is added, exactly `inserted` contracts are added (all tagged with that run, all of the collectivité's
// buyer and present in the file), nothing is lost, and the counts add up (accepted + rejected = total).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, type Database } from '../../src/lib/server/db';
import { importDecp, type ImportRun } from '../../src/lib/server/decp/service';
import { AppError } from '../../src/lib/server/kit/errors';
import { engines, openTestDb } from '../helpers/engines';
import { createOrg, createUser, type TestUser } from '../helpers/factories';

type Obj = Record<string, unknown>;
const fixture = (name: string) => readFileSync(`tests/fixtures/decp/${name}`, 'utf-8');
const JSON_2024 = JSON.parse(fixture('decp-2024-demo-val-d-aurence.json')) as { marches: { marche: Obj[] } };
const JSON_2019 = JSON.parse(fixture('decp-2019-demo-val-d-aurence.json')) as { marches: Obj[] };
const XML_LINES = fixture('decp-2024-demo-val-d-aurence.xml').split('\n');
const XML_RECORDS = XML_LINES.filter((l) => l.trim().startsWith('<marche>'));
const SIREN = '999900079';

const FIELDS = [
	'id',
	'acheteur',
	'nature',
	'objet',
	'codeCPV',
	'procedure',
	'dateNotification',
	'montant',
	'dureeMois',
	'offresRecues',
	'marcheInnovant',
	'considerationsSociales',
	'considerationsEnvironnementales',
	'titulaires',
	'modifications'
] as const;
const XML_TAGS = [
	'id',
	'nature',
	'objet',
	'codeCPV',
	'procedure',
	'dateNotification',
	'montant',
	'dureeMois',
	'offresRecues',
	'marcheInnovant',
	'considerationSociale',
	'considerationEnvironnementale',
	'categorieEntreprise'
] as const;

const huge = fc
	.integer({ min: 5_000, max: 200_000 })
	.chain((n) => fc.constantFrom('é', 'x', '"', '<', '&amp;', '\u0000').map((c) => c.repeat(n)));
/** Wrong or odd values for any field. */
const weird: fc.Arbitrary<unknown> = fc.oneof(
	fc.constantFrom(
		null,
		true,
		false,
		0,
		-1,
		-184000,
		1e308,
		0.5,
		'',
		' ',
		'NaN',
		'Infinity',
		'1e999',
		'2024-13-45',
		'31/12/2024',
		[],
		{},
		[null],
		{ x: 1 },
		['Clause sociale', 42]
	),
	fc.string({ maxLength: 30 }),
	fc.integer(),
	fc.double(),
	huge
);
const badSiret = fc.constantFrom(
	'123',
	'9999000790001X',
	'99990007900012',
	'12345678900011',
	'',
	' 99990007900011',
	99990007900011,
	'999900079000111',
	null
);
const badDate = fc.constantFrom(
	'2024-02-30',
	'2024-13-01',
	'24-02-12',
	'hier',
	'2024-02-12T25:00:00',
	'',
	'1899-01-01',
	'2999-12-31',
	20240212,
	'2024-02-12+25:00',
	null
);

type Mutation =
	| { kind: 'set'; field: string; value: unknown }
	| { kind: 'delete'; field: string }
	| { kind: 'siret'; value: unknown }
	| { kind: 'date'; value: unknown }
	| { kind: 'duplicate' }
	| { kind: 'modification'; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
	fc.record({ kind: fc.constant('set' as const), field: fc.constantFrom(...FIELDS), value: weird }),
	fc.record({ kind: fc.constant('delete' as const), field: fc.constantFrom(...FIELDS) }),
	fc.record({ kind: fc.constant('siret' as const), value: badSiret }),
	fc.record({ kind: fc.constant('date' as const), value: badDate }),
	fc.record({ kind: fc.constant('duplicate' as const) }),
	fc.record({ kind: fc.constant('modification' as const), value: weird })
);

const fileCase = fc.record({
	format: fc.constantFrom('json_2024', 'json_2024', 'json_2019', 'xml_2024'),
	/** How many of the fixture's records to keep (all when null). */
	keep: fc.option(fc.nat({ max: 25 }), { freq: 3 }),
	edits: fc.array(fc.tuple(fc.nat(), mutation), { maxLength: 8 }),
	/** Cut the file at this fraction of its length. */
	truncate: fc.oneof(
		{ arbitrary: fc.constant(null), weight: 5 },
		{ arbitrary: fc.double({ min: 0, max: 1, noNaN: true }), weight: 1 }
	),
	/** A broken envelope around the records. */
	envelope: fc.oneof(
		{ arbitrary: fc.constant('ok'), weight: 8 },
		{ arbitrary: fc.constantFrom('records-not-list', 'no-root', 'root-array-2024', 'garbage-after'), weight: 2 }
	),
	/** New contract ids (so that records are inserted, not found unchanged from an earlier run). */
	fresh: fc.boolean()
});
type FileCase = typeof fileCase extends fc.Arbitrary<infer T> ? T : never;

function mutateRecord(rec: Obj, m: Mutation, list: Obj[]) {
	switch (m.kind) {
		case 'set':
			rec[m.field] = m.value;
			break;
		case 'delete':
			delete rec[m.field];
			break;
		case 'siret':
			rec.acheteur = { id: m.value };
			break;
		case 'date':
			rec.dateNotification = m.value;
			break;
		case 'duplicate':
			list.push(structuredClone(rec));
			break;
		case 'modification':
			rec.modifications = [
				{ modification: { id: 1, montant: m.value, dateNotificationModification: m.value } },
				m.value
			];
			break;
	}
}

function xmlValue(v: unknown): string {
	// Values go in raw (some break the XML on purpose: '<', '&'), objects as nested garbage.
	return typeof v === 'object' && v !== null ? `<x>${JSON.stringify(v)}</x>` : String(v);
}

function mutateXmlLine(line: string, m: Mutation, out: string[]): string {
	const tag =
		m.kind === 'set' || m.kind === 'delete'
			? ((XML_TAGS as readonly string[]).find((t) => t === m.field) ?? 'montant')
			: null;
	switch (m.kind) {
		case 'set':
			return line.replace(new RegExp(`<${tag}>[^<]*</${tag}>`), `<${tag}>${xmlValue(m.value)}</${tag}>`);
		case 'delete':
			return line.replace(new RegExp(`<${tag}>[^<]*</${tag}>`), '');
		case 'siret':
			return line.replace(
				/<acheteur><id>[^<]*<\/id><\/acheteur>/,
				`<acheteur><id>${xmlValue(m.value)}</id></acheteur>`
			);
		case 'date':
			return line.replace(
				/<dateNotification>[^<]*<\/dateNotification>/,
				`<dateNotification>${xmlValue(m.value)}</dateNotification>`
			);
		case 'duplicate':
			out.push(line);
			return line;
		case 'modification':
			return line.replace(
				'</marche>',
				`<modifications><modification><id>1</id><montant>${xmlValue(m.value)}</montant></modification></modifications></marche>`
			);
	}
}

let generation = 0;

function buildFile(c: FileCase): { name: string; text: string } {
	let text: string;
	const suffix = c.fresh ? `-f${++generation}` : '';
	if (c.format === 'xml_2024') {
		const records = XML_RECORDS.slice(0, c.keep ?? XML_RECORDS.length);
		const extra: string[] = [];
		const lines = records.map((l) => l.replace(/^(\s*<marche><id>)([^<]*)<\/id>/, `$1$2${suffix}</id>`));
		for (const [i, m] of c.edits)
			if (lines.length) lines[i % lines.length] = mutateXmlLine(lines[i % lines.length], m, extra);
		const body = [...lines, ...extra].join('\n');
		text =
			c.envelope === 'no-root'
				? `<?xml version="1.0"?>\n<contrats>\n${body}\n</contrats>`
				: c.envelope === 'records-not-list'
					? `<?xml version="1.0"?>\n<marches>oups</marches>`
					: `<?xml version="1.0" encoding="UTF-8"?>\n<marches>\n${body}\n</marches>${c.envelope === 'garbage-after' ? '\n<marches/>' : ''}`;
	} else {
		const source = c.format === 'json_2024' ? JSON_2024.marches.marche : JSON_2019.marches;
		const list = structuredClone(source)
			.slice(0, c.keep ?? source.length)
			.map((r) => ({ ...r, id: `${String(r.id)}${suffix}` }));
		for (const [i, m] of c.edits) if (list.length) mutateRecord(list[i % list.length], m, list);
		const root =
			c.envelope === 'no-root'
				? { contrats: list }
				: c.envelope === 'records-not-list'
					? { marches: c.format === 'json_2024' ? { marche: 'oups' } : 'oups' }
					: c.envelope === 'root-array-2024'
						? list
						: { marches: c.format === 'json_2024' ? { marche: list } : list };
		text = JSON.stringify(root) + (c.envelope === 'garbage-after' ? ' }' : '');
	}
	if (c.truncate !== null) text = text.slice(0, Math.floor(text.length * c.truncate));
	return { name: c.format === 'xml_2024' ? 'decp.xml' : 'decp.json', text };
}

describe.each(engines)('fuzzed DECP imports (%s)', (engine) => {
	let db: Database;
	let admin: TestUser;
	let orgId: string;
	beforeAll(async () => {
		db = await openTestDb(engine);
		admin = await createUser(db);
		orgId = (
			await createOrg(db, admin, { name: 'Agglomération du fuzz', kind: 'communaute_agglomeration', siren: SIREN })
		).id;
	});
	afterAll(async () => {
		await db?.close();
	});

	const state = () =>
		asService(db, 'test: DECP state', async (tx) => ({
			contracts: (
				await tx.query<{ k: string }>(
					`select buyer_siret || '|' || contract_id || '|' || modification_id as k from public.decp_contracts where org_id = $1 order by 1`,
					[orgId]
				)
			).map((r) => r.k),
			runs: (
				await tx.query<{ n: number }>('select count(*)::int as n from public.decp_import_runs where org_id = $1', [
					orgId
				])
			)[0].n
		}));
	const ofRun = (runId: string) =>
		asService(db, 'test: DECP run rows', (tx) =>
			tx.query<{ buyer_siret: string; contract_id: string }>(
				'select buyer_siret, contract_id from public.decp_contracts where import_run_id = $1',
				[runId]
			)
		);

	it(
		'never crashes; refuses a whole file with nothing changed, or takes exactly the records it reports',
		{ timeout: 120_000 },
		async () => {
			let imported = 0;
			let refusedFiles = 0;
			let rejectedRecords = 0;
			await fc.assert(
				fc.asyncProperty(fileCase, async (c) => {
					const { name, text } = buildFile(c);
					const before = await state();
					let run: ImportRun;
					try {
						run = await importDecp(db, admin, orgId, { name, bytes: new TextEncoder().encode(text) });
					} catch (e) {
						expect(e).toBeInstanceOf(AppError);
						expect((e as AppError).status).toBeLessThan(500);
						expect((e as AppError).message).toMatch(/[a-zéèà]{3}/);
						expect(await state()).toEqual(before);
						refusedFiles++;
						return;
					}
					const after = await state();
					expect(after.runs).toBe(before.runs + 1);
					expect(after.contracts.length).toBe(before.contracts.length + run.inserted);
					const kept = new Set(after.contracts);
					expect(before.contracts.every((k) => kept.has(k))).toBe(true);
					const rows = await ofRun(run.id);
					expect(rows).toHaveLength(run.inserted);
					for (const r of rows) {
						expect(r.buyer_siret.startsWith(SIREN)).toBe(true);
						expect(text).toContain(r.contract_id);
					}
					expect(run.accepted + run.rejected).toBe(run.total);
					expect(run.rejections).toHaveLength(Math.min(run.rejected, 1000));
					for (const r of run.rejections) expect(r.reason).toMatch(/[a-zé]{3}/);
					// each accepted record gives one row or more (its modifications); none without an accepted record
					expect(run.inserted + run.unchanged).toBeGreaterThanOrEqual(run.accepted);
					if (run.accepted === 0) expect(run.inserted + run.unchanged).toBe(0);
					imported += run.inserted;
					rejectedRecords += run.rejected;
				}),
				{ numRuns: 250, seed: 20261122 }
			);
			// the generator reaches both outcomes and the record-level validation
			expect(refusedFiles).toBeGreaterThan(0);
			expect(imported).toBeGreaterThan(0);
			expect(rejectedRecords).toBeGreaterThan(0);
		}
	);
});
