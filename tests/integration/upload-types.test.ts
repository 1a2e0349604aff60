// Issue 8: an upload whose bytes are not what its name claims (a web page named .csv, a Windows program named
// .docx, a PDF named .json, a ZIP named .xlsx…) is refused by the SERVICE with 'invalid_file_type' (415) and a
// French message, and nothing is stored. One block per upload point, through the services and, where the JSON
// API exposes the import, through /api/v1. Each point also accepts an honest file, so the refusals are not blanket.
import { readFileSync } from 'node:fs';
import { strToU8, zipSync } from 'fflate';
import ExcelJS from 'exceljs';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/lib/server/auth/api-tokens';
import { asService, type Database } from '../../src/lib/server/db';
import { importDecp } from '../../src/lib/server/decp/service';
import { AppError } from '../../src/lib/server/kit/errors';
import { importValues } from '../../src/lib/server/indicators/import';
import { importResourceFile } from '../../src/lib/server/resources/io';
import { createImportDraft } from '../../src/lib/server/spaser/import';
import { importSpaserJsonFile } from '../../src/lib/server/spaser/import-json';
import { buildExport } from '../../src/lib/spaser/content-schema';
import { addNode, exportContent } from '../../src/lib/spaser/ydoc';
import { apiCall } from '../helpers/api';
import { engines, openTestDb } from '../helpers/engines';
import { createOrg, createUser, type TestUser } from '../helpers/factories';

const HTML = strToU8(
	'<!DOCTYPE html>\n<html><head><title>Facture</title></head><body><script>fetch("/api")</script></body></html>'
);
const SVG = strToU8('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
const MZ = new Uint8Array([
	0x4d,
	0x5a,
	0x90,
	0x00,
	0x03,
	0x00,
	0x00,
	0x00,
	0x04,
	0x00,
	0x00,
	0x00,
	0xff,
	0xff,
	0x00,
	0x00,
	...strToU8('This program cannot be run in DOS mode.')
]);
const PDF = strToU8('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF');
const ZIP = zipSync({
	'lisez-moi.txt': strToU8('Une archive ordinaire'),
	'photo.jpg': new Uint8Array([0xff, 0xd8, 0xff, 0xe0])
});

async function refused(p: Promise<unknown>): Promise<AppError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(AppError);
		expect(e).toMatchObject({ code: 'invalid_file_type', status: 415 });
		expect((e as AppError).message).toMatch(/[éèà’]|fichier/);
		return e as AppError;
	}
	throw new Error('the lying file was accepted');
}

describe.each(engines)('uploads with a lying type are refused, storing nothing (%s)', (engine) => {
	let db: Database;
	let admin: TestUser;
	let orgId: string;
	let token: string;

	const count = async (sql: string) =>
		(
			await asService(db, 'test: count rows', (tx) =>
				tx.query<{ n: number }>(`select count(*)::int as n from ${sql}`, [orgId])
			)
		)[0].n;

	beforeAll(async () => {
		db = await openTestDb(engine);
		admin = await createUser(db);
		orgId = (
			await createOrg(db, admin, {
				name: 'Communauté des fichiers',
				kind: 'communaute_agglomeration',
				siren: '999900079'
			})
		).id;
		token = (await createApiToken(db, admin, { name: 'test uploads', scopes: ['read', 'write'] })).token;
	}, 120_000);
	afterAll(async () => db?.close());

	it('SPASER export import (JSON): HTML, SVG, a program or a PDF named .json are refused; a real export is imported', async () => {
		const before = await count(
			'public.spaser_documents d join public.spaser_document_orgs o on o.document_id = d.id where o.org_id = $1'
		);
		for (const [name, bytes] of [
			['spaser.json', HTML],
			['spaser.json', SVG],
			['spaser.json', MZ],
			['spaser.json', PDF],
			['spaser.json', ZIP],
			['spaser', HTML],
			['spaser.json', strToU8('titre;periode\nSPASER;2026')]
		] as const)
			await refused(importSpaserJsonFile(db, admin, orgId, { name, bytes }));
		expect(
			await count(
				'public.spaser_documents d join public.spaser_document_orgs o on o.document_id = d.id where o.org_id = $1'
			)
		).toBe(before);
		const ydoc = new Y.Doc();
		addNode(ydoc, { title: 'Axe social' });
		const file = buildExport(
			{
				title: 'SPASER importé',
				periodStart: 2026,
				periodEnd: 2029,
				status: 'brouillon',
				adoptedOn: null,
				deliberationRef: null
			},
			exportContent(ydoc)
		);
		const ok = await importSpaserJsonFile(db, admin, orgId, {
			name: 'export.json',
			bytes: strToU8('\uFEFF' + JSON.stringify(file))
		});
		expect(ok).toMatchObject({ ok: true, nodes: 1 });
		expect(
			await count(
				'public.spaser_documents d join public.spaser_document_orgs o on o.document_id = d.id where o.org_id = $1'
			)
		).toBe(before + 1);
	});

	it('resources bulk import (CSV/JSON): HTML named .csv, a program named .csv, a PDF named .json are refused, by the service and the API', async () => {
		const before = await count('public.resources where org_id = $1');
		for (const [name, bytes] of [
			['clauses.csv', HTML],
			['clauses.csv', SVG],
			['clauses.csv', MZ],
			['clauses.json', PDF],
			['clauses.json', HTML],
			['clauses.csv', ZIP],
			['clauses', MZ],
			['clauses.xlsx', strToU8('titre;type\nx;clause')]
		] as const)
			await refused(importResourceFile(db, admin, orgId, { name, bytes }));
		const api = await apiCall(db, 'POST', '/resources/import', {
			token,
			body: { orgId, csv: '<html><body><script>alert(1)</script>titre;type</body></html>' }
		});
		expect(api.status).toBe(415);
		expect(api.body.error.code).toBe('invalid_file_type');
		expect(await count('public.resources where org_id = $1')).toBe(before);
		const csv =
			'type;titre;famille;mecanisme;texte\nclause;Clause de réemploi;environnementale;condition_execution;Au moins 20 % du mobilier est issu du réemploi.';
		const ok = await importResourceFile(db, admin, orgId, { name: 'clauses.csv', bytes: strToU8(csv) });
		expect(ok.imported).toBe(1);
		expect(await count('public.resources where org_id = $1')).toBe(before + 1);
	});

	it('indicator values import (CSV/XLSX): HTML named .xlsx, a random ZIP named .xlsx, a program named .csv, a PDF named .csv are refused', async () => {
		const before = await count('public.indicator_values where org_id = $1');
		for (const [name, bytes] of [
			['valeurs.xlsx', HTML],
			['valeurs.xlsx', ZIP],
			['valeurs.csv', MZ],
			['valeurs.csv', PDF],
			['valeurs.csv', HTML],
			['valeurs.csv', SVG],
			['valeurs.xlsx', MZ],
			['valeurs.xlsx', strToU8('Code indicateur;Année;Valeur\nCAN-ENV-01;2025;40')]
		] as const)
			await refused(importValues(db, admin, orgId, { name, bytes }));
		// a real workbook under a CSV name lies too
		const wb = new ExcelJS.Workbook();
		wb.addWorksheet('Valeurs').addRows([
			['Code indicateur', 'Année', 'Valeur'],
			['CAN-ENV-01', 2025, 40]
		]);
		const xlsx = new Uint8Array(await wb.xlsx.writeBuffer());
		await refused(importValues(db, admin, orgId, { name: 'valeurs.csv', bytes: xlsx }));
		expect(await count('public.indicator_values where org_id = $1')).toBe(before);
		const ok = await importValues(db, admin, orgId, { name: 'valeurs.xlsx', bytes: xlsx });
		expect(ok).toMatchObject({ saved: true, created: 1 });
		expect(await count('public.indicator_values where org_id = $1')).toBe(before + 1);
	});

	it('DECP import (JSON/XML): HTML named .json or .xml, a program, a PDF, a ZIP are refused, by the service and the API', async () => {
		const counts = async () => [
			await count('public.decp_contracts where org_id = $1'),
			await count('public.decp_import_runs where org_id = $1')
		];
		const before = await counts();
		for (const [name, bytes] of [
			['decp.json', HTML],
			['decp.xml', HTML],
			['decp.xml', SVG],
			['decp.json', MZ],
			['decp.json', PDF],
			['decp.xml', ZIP],
			['decp.json', strToU8('<?xml version="1.0"?><marches></marches>')],
			['decp.xml', strToU8('{"marches": {"marche": []}}')],
			['decp', strToU8('id;objet\n1;Nettoyage')]
		] as const)
			await refused(importDecp(db, admin, orgId, { name, bytes }));
		for (const content of [
			'<!doctype html><html><body>Marchés</body></html>',
			'MZ\u0090\u0000\u0003 program',
			'%PDF-1.4 fake'
		]) {
			const api = await apiCall(db, 'POST', `/organisations/${orgId}/decp-imports`, {
				token,
				body: { fileName: 'decp.json', content }
			});
			expect(api.status).toBe(415);
			expect(api.body.error.code).toBe('invalid_file_type');
		}
		expect(await counts()).toEqual(before);
		const ok = await importDecp(db, admin, orgId, {
			name: 'decp.xml',
			bytes: new Uint8Array(readFileSync('tests/fixtures/decp/decp-2024-demo-val-d-aurence.xml'))
		});
		expect(ok.inserted).toBeGreaterThan(0);
		expect(await counts()).toEqual([before[0] + ok.inserted, before[1] + 1]);
	});

	it('SPASER document import (DOCX/MD/TXT): an HTML page or a program named .docx, a ZIP named .docx are refused, by the service and the API', async () => {
		const before = await count('public.spaser_imports where org_id = $1');
		for (const [fileName, bytes] of [
			['spaser.docx', HTML],
			['spaser.docx', MZ],
			['spaser.docx', ZIP],
			['spaser.txt', HTML],
			['spaser.md', SVG],
			['spaser.docx', strToU8('AXE 1 : Social\n\nDu texte brut renommé en .docx')],
			['spaser.txt', PDF],
			[
				'spaser.docx',
				zipSync({ '[Content_Types].xml': strToU8('<Types/>'), 'xl/workbook.xml': strToU8('<workbook/>') })
			]
		] as const)
			await refused(createImportDraft(db, admin, orgId, { bytes, fileName }));
		// an honest PDF is not a lie: it is refused as a kind the import does not read, with the advice to paste its text
		await expect(createImportDraft(db, admin, orgId, { bytes: PDF, fileName: 'spaser.pdf' })).rejects.toMatchObject({
			code: 'unsupported_file',
			status: 415
		});
		const oldWord = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]);
		await expect(createImportDraft(db, admin, orgId, { bytes: oldWord, fileName: 'spaser.doc' })).rejects.toMatchObject(
			{ code: 'unsupported_file', status: 415 }
		);
		expect(
			(await refused(createImportDraft(db, admin, orgId, { bytes: MZ, fileName: 'spaser.docx' }))).message
		).toMatch(/^Ce fichier est un programme Windows \(\.exe\)\u00a0: ce n’est ni un document Word/);
		for (const [fileName, bytes] of [
			['spaser.docx', HTML],
			['spaser.docx', MZ]
		] as const) {
			const api = await apiCall(db, 'POST', `/organisations/${orgId}/spasers/import-document`, {
				token,
				body: { fileName, contentBase64: Buffer.from(bytes).toString('base64') }
			});
			expect(api.status).toBe(415);
			expect(api.body.error.code).toBe('invalid_file_type');
		}
		expect(await count('public.spaser_imports where org_id = $1')).toBe(before);
		const ok = await createImportDraft(db, admin, orgId, {
			bytes: strToU8('# Axe 1 : Social\n\nDes clauses.'),
			fileName: 'spaser.md'
		});
		expect(ok.id).toBeTruthy();
		expect(await count('public.spaser_imports where org_id = $1')).toBe(before + 1);
	});
});
