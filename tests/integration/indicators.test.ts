// Catalogue, a collectivité's yearly values and their CSV/XLSX import with a row-by-row report.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database } from '../../src/lib/server/db';
import { INDICATORS } from '../../src/lib/spaser/indicators';
import {
	createCustomIndicator,
	deleteValue,
	listCatalogue,
	listValues,
	saveValue
} from '../../src/lib/server/indicators/service';
import { importTemplate, importValues } from '../../src/lib/server/indicators/import';
import { engines, openTestDb } from '../helpers/engines';
import { addMember, createOrg, createUser, type TestUser } from '../helpers/factories';

const csv = (s: string) => ({ name: 'valeurs.csv', bytes: new TextEncoder().encode(s) });

describe.each(engines)('indicators (%s)', (engine) => {
	let db: Database;
	let admin: TestUser;
	let viewer: TestUser;
	let orgId: string;

	beforeAll(async () => {
		db = await openTestDb(engine);
		admin = await createUser(db);
		viewer = await createUser(db);
		orgId = (await createOrg(db, admin, 'Commune des valeurs')).id;
		await addMember(db, orgId, viewer, 'viewer');
	});
	afterAll(async () => db?.close());

	it('the catalogue holds every code the SPASER editor uses, with national reference lines', async () => {
		const cat = await listCatalogue(db, viewer);
		const codes = new Set(cat.map((d) => d.code));
		for (const i of INDICATORS) expect(codes.has(i.code), i.code).toBe(true);
		const soc = cat.find((d) => d.code === 'CAN-SOC-01')!;
		expect(soc).toMatchObject({ unit: 'percent', direction: 'higher', decpComputable: true, orgId: null });
		expect(soc.references).toContainEqual(
			expect.objectContaining({
				year: 2025,
				value: 30,
				kind: 'cible',
				source: expect.stringMatching(/achats durables/)
			})
		);
		expect(soc.references).toContainEqual(expect.objectContaining({ year: 2023, value: 18.7, kind: 'constat' }));
	});

	it('records, replaces and deletes values; viewers read only; bad input changes nothing', async () => {
		const [soc] = (await listCatalogue(db, admin)).filter((d) => d.code === 'CAN-SOC-01');
		const a = await saveValue(db, admin, orgId, {
			indicatorId: soc.id,
			year: 2024,
			value: '24,5',
			numerator: '49',
			denominator: '200',
			perimeter: '≥ 40 000 € HT',
			comment: 'DECP'
		});
		expect(a.created).toBe(true);
		expect(a.value).toMatchObject({ value: 24.5, numerator: 49, denominator: 200, source: 'saisie' });
		const b = await saveValue(db, admin, orgId, { indicatorId: soc.id, year: 2024, value: 26 });
		expect(b.created).toBe(false);
		await expect(saveValue(db, admin, orgId, { indicatorId: soc.id, year: 2024, value: 140 })).rejects.toThrow(
			/entre 0 et 100/
		);
		await expect(saveValue(db, admin, orgId, { indicatorId: soc.id, year: 2024, value: 'beaucoup' })).rejects.toThrow(
			/indiquez un nombre/
		);
		await expect(saveValue(db, admin, orgId, { indicatorId: soc.id, year: 1850, value: 3 })).rejects.toThrow(
			/2000 et 2100/
		);
		await expect(saveValue(db, viewer, orgId, { indicatorId: soc.id, year: 2023, value: 3 })).rejects.toMatchObject({
			status: 403
		});
		const values = await listValues(db, viewer, orgId);
		expect(values.map((v) => [v.code, v.year, v.value])).toEqual([['CAN-SOC-01', 2024, 26]]);
		await expect(deleteValue(db, viewer, orgId, values[0].id)).rejects.toMatchObject({ status: 403 });
		await deleteValue(db, admin, orgId, values[0].id);
		expect(await listValues(db, admin, orgId)).toEqual([]);
	});

	it('custom indicators: own code space, visible to the collectivité only', async () => {
		const c = await createCustomIndicator(db, admin, orgId, {
			code: 'loc-velo',
			label: 'Kilomètres de pistes cyclables',
			unit: 'count',
			domain: 'environnement'
		});
		expect(c).toMatchObject({ code: 'LOC-VELO', orgId });
		await expect(
			createCustomIndicator(db, admin, orgId, { code: 'LOC-VELO', label: 'Doublon', unit: 'count', domain: 'autre' })
		).rejects.toMatchObject({ status: 409 });
		await expect(
			createCustomIndicator(db, admin, orgId, { code: 'CAN-X', label: 'Réservé', unit: 'count', domain: 'autre' })
		).rejects.toThrow(/réservé/);
		const stranger = await createUser(db);
		expect((await listCatalogue(db, stranger, orgId)).some((d) => d.code === 'LOC-VELO')).toBe(false);
		await saveValue(db, admin, orgId, { indicatorId: c.id, year: 2025, value: 12 });
		const otherOrg = (await createOrg(db, stranger, 'Voisine')).id;
		await expect(saveValue(db, stranger, otherOrg, { indicatorId: c.id, year: 2025, value: 1 })).rejects.toThrow(
			/n'existe pas dans le catalogue/
		);
	});

	it('CSV import: all rows valid → saved with a row-by-row report; one bad row → nothing saved', async () => {
		const bad = await importValues(
			db,
			admin,
			orgId,
			csv(
				'Code indicateur;Année;Valeur;Commentaire\nCAN-ENV-01;2024;35,5;ok\nCAN-XXX-99;2024;3;\nCAN-SOC-01;2024;120;\nCAN-ENV-01;2024;36;\n'
			)
		);
		expect(bad.saved).toBe(false);
		expect(bad.rows.map((r) => [r.line, r.status])).toEqual([
			[2, 'valid'],
			[3, 'invalid'],
			[4, 'invalid'],
			[5, 'invalid']
		]);
		expect(bad.rows[1].message).toMatch(/Code inconnu/);
		expect(bad.rows[2].message).toMatch(/entre 0 et 100/);
		expect(bad.rows[3].message).toMatch(/Doublon/);
		expect((await listValues(db, admin, orgId)).filter((v) => v.code === 'CAN-ENV-01')).toEqual([]);
		const good = await importValues(
			db,
			admin,
			orgId,
			csv('code,annee,valeur,perimetre\nCAN-ENV-01,2024,"35,5",tous marchés\ncan-soc-02,2024,12000,\n')
		);
		expect(good).toMatchObject({ saved: true, created: 2, updated: 0, invalid: 0 });
		const again = await importValues(db, admin, orgId, csv('code;annee;valeur\nCAN-ENV-01;2024;40\n'));
		expect(again).toMatchObject({ saved: true, created: 0, updated: 1 });
		const v = (await listValues(db, admin, orgId)).find((x) => x.code === 'CAN-ENV-01')!;
		expect(v).toMatchObject({ value: 40, source: 'import_csv' });
		await expect(importValues(db, admin, orgId, csv('foo;bar\n1;2\n'))).rejects.toThrow(/Colonne manquante/);
		await expect(importValues(db, viewer, orgId, csv('code;annee;valeur\nCAN-ENV-01;2024;40\n'))).rejects.toMatchObject(
			{ status: 403 }
		);
	});

	it('XLSX template round trip: download, fill, import', async () => {
		const tpl = await importTemplate(db, admin, orgId, 'xlsx');
		const wb = new ExcelJS.Workbook();
		await wb.xlsx.load(Buffer.from(tpl) as unknown as ArrayBuffer);
		expect(wb.getWorksheet('Catalogue')!.rowCount).toBeGreaterThan(20);
		const ws = wb.getWorksheet('Valeurs')!;
		expect(ws.getRow(1).getCell(1).value).toBe('Code indicateur');
		ws.getRow(2).values = ['CAN-ECO-07', 2023, 27.5, null, null, 'Budget principal', 'Source : comptabilité'];
		const bytes = new Uint8Array((await wb.xlsx.writeBuffer()) as ArrayBuffer);
		const report = await importValues(db, admin, orgId, { name: 'valeurs.xlsx', bytes });
		expect(report).toMatchObject({ saved: true, created: 1 });
		const v = (await listValues(db, admin, orgId)).find((x) => x.code === 'CAN-ECO-07')!;
		expect(v).toMatchObject({ year: 2023, value: 27.5, perimeter: 'Budget principal', source: 'import_xlsx' });
		const csvBytes = await importTemplate(db, admin, orgId, 'csv');
		expect([...csvBytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // BOM, so that Excel reads UTF-8
		expect(new TextDecoder().decode(csvBytes)).toMatch(/^Code indicateur;Année;Valeur/);
	});
});
