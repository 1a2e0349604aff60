// Fuzzing the CSV import of indicator values with generated bad input (fast-check): never a crash (only clear
// French refusals), never a partial import — either every row is valid and all are saved, or nothing changes.
// (The DECP importer has its own fuzz test in tests/unit/decp.test.ts.)
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/errors';
import { importValues } from '../../src/lib/server/indicators/service';
import { engines, openTestDb } from '../helpers/engines';
import { createOrg, createUser, type TestUser } from '../helpers/factories';

const HEADER = 'Code indicateur;Année;Valeur;Numérateur;Dénominateur;Périmètre;Commentaire';

/** A cell: plausible values, edge cases and garbage (separators, quotes, line breaks, control characters). */
const cell = fc.oneof(
	fc.constantFrom('', ' ', '12', '12,5', '-3', '101', '1e309', 'NaN', '2025', '1999', '2101', 'abc', '"', '";"', '\n', '\r\n', '\u0000', '💥', '=1+1'),
	fc.string({ maxLength: 12 }),
	fc.double({ noNaN: false }).map(String)
);
const code = fc.constantFrom('CAN-ENV-01', 'CAN-SOC-01', 'can-env-01', 'INCONNU', '', 'CAN-ENV-01;', '"CAN-ENV-01"');
const year = fc.oneof(fc.integer({ min: 2018, max: 2030 }).map(String), cell);
const row = fc.tuple(code, year, cell, cell, cell, cell, cell).map((cells) => cells.join(fc.sample(fc.constantFrom(';', ';', ','), 1)[0]));
const csv = fc.oneof(
	fc.array(row, { maxLength: 8 }).map((rows) => [HEADER, ...rows].join('\n')),
	fc.array(row, { maxLength: 4 }).map((rows) => ['\uFEFF' + HEADER.replace(/;/g, ','), ...rows].join('\r\n')),
	fc.string({ maxLength: 200 }),
	fc.uint8Array({ maxLength: 300 }).map((b) => new TextDecoder().decode(b))
);

describe.each(engines)('fuzzed CSV imports of indicator values (%s)', (engine) => {
	let db: Database;
	let admin: TestUser;
	let orgId: string;
	beforeAll(async () => {
		db = await openTestDb(engine);
		admin = await createUser(db);
		orgId = (await createOrg(db, admin, 'Ville de Fuzz')).id;
	});
	afterAll(async () => {
		await db?.close();
	});

	const snapshot = async () =>
		(await db.query<{ k: string }>(`select indicator_id || ':' || year || ':' || value as k from public.indicator_values where org_id = $1 order by 1`, [orgId])).map(
			(r) => r.k
		);

	it('never crashes and never imports part of a file', { timeout: 120_000 }, async () => {
		await fc.assert(
			fc.asyncProperty(csv, async (text) => {
				const before = await snapshot();
				let report: Awaited<ReturnType<typeof importValues>>;
				try {
					report = await importValues(db, admin, orgId, { name: 'valeurs.csv', bytes: new TextEncoder().encode(text) });
				} catch (e) {
					// Refused as a whole, with a clear message, and nothing changed.
					expect(e).toBeInstanceOf(AppError);
					expect((e as AppError).status).toBeLessThan(500);
					expect((e as AppError).message).toMatch(/[a-zé]/);
					expect(await snapshot()).toEqual(before);
					return;
				}
				const after = await snapshot();
				if (!report.saved) {
					expect(report.invalid).toBeGreaterThan(0);
					expect(after).toEqual(before);
				} else {
					expect(report.invalid).toBe(0);
					expect(report.rows.every((r) => r.status === 'created' || r.status === 'updated')).toBe(true);
					expect(after.length).toBe(before.length + report.created);
				}
			}),
			{ numRuns: engine === 'pglite' ? 150 : 100, seed: 20261122 }
		);
	});
});
