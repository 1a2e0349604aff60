// Data rights of a collectivité (RGPD, issue 8 item 4): its administrators export everything (ZIP: JSON + files)
// and close it; nothing of another collectivité leaks, nothing of another collectivité is touched.
import { strFromU8, unzipSync } from 'fflate';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, type Database } from '../../src/lib/server/db';
import {
	closeOrganisation,
	exportOrganisationData,
	exportOrganisationZip
} from '../../src/lib/server/organisations/data';
import { setLogo } from '../../src/lib/server/organisations/service';
import { addAttachment } from '../../src/lib/server/resources/attachments';
import { createResource, setVisibility } from '../../src/lib/server/resources/editing';
import { recordUsage } from '../../src/lib/server/resources/reuse';
import { resourceInput } from '../../src/lib/server/resources/input';
import { listCatalogue, saveValue } from '../../src/lib/server/indicators/service';
import { createSpaserRecord } from '../../src/lib/server/spaser/documents';
import { createVersion } from '../../src/lib/server/spaser/versions';
import { createApiToken } from '../../src/lib/server/auth/api-tokens';
import { authenticateRequest, dispatchApi } from '../../src/lib/server/api';
import { apiCall } from '../helpers/api';
import { engines, openTestDb } from '../helpers/engines';
import { addMember, createOrg, createUser, outbox, type TestUser } from '../helpers/factories';

const clause = (title: string) =>
	resourceInput.parse({
		kind: 'clause',
		title,
		summary: 'Rappel des obligations du titulaire en matière d’égalité professionnelle.',
		body: 'Le titulaire veille à l’égalité de traitement entre les femmes et les hommes.',
		family: 'sociale',
		mechanism: 'condition_execution',
		segments: ['services.nettoyage'],
		cpvCodes: ['90910000-9']
	});

async function pdfWith(text: string): Promise<Uint8Array> {
	const doc = await PDFDocument.create();
	const page = doc.addPage();
	page.drawText(text, { x: 40, y: 700, size: 12, font: await doc.embedFont(StandardFonts.Helvetica) });
	return doc.save();
}

// A 1×1 PNG.
const PNG = Uint8Array.from(
	Buffer.from(
		'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
		'base64'
	)
);

async function countsFor(db: Database, orgId: string) {
	const rows = await asService(db, 'test: org rows', (tx) =>
		tx.query<{ t: string; n: number }>(
			`select 'org' as t, count(*)::int as n from public.organisations where id = $1
			 union all select 'members', count(*)::int from public.organisation_members where org_id = $1
			 union all select 'spaser_links', count(*)::int from public.spaser_document_orgs where org_id = $1
			 union all select 'resources', count(*)::int from public.resources where org_id = $1
			 union all select 'values', count(*)::int from public.indicator_values where org_id = $1
			 union all select 'logos', count(*)::int from public.organisation_logos where org_id = $1
			 union all select 'guichet', count(*)::int from public.guichet_requests where org_id = $1`,
			[orgId]
		)
	);
	return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

describe.each(engines)('collectivité data export and closure (%s)', (engine) => {
	let db: Database;
	let admin: TestUser, editor: TestUser, viewer: TestUser, otherAdmin: TestUser, animator: TestUser;
	let orgId: string, otherOrgId: string, networkId: string;
	let spaserId: string, jointId: string, otherSpaserId: string, resourceId: string, otherResourceId: string;
	let pdf: Uint8Array;

	beforeAll(async () => {
		db = await openTestDb(engine);
		admin = await createUser(db, { displayName: 'Alice Administratrice' });
		editor = await createUser(db, { displayName: 'Édouard Rédacteur' });
		viewer = await createUser(db, { displayName: 'Valérie Lectrice' });
		otherAdmin = await createUser(db, { displayName: 'Oscar Autre' });
		orgId = (await createOrg(db, admin, 'Ville de Clôture-sur-Mer')).id;
		otherOrgId = (await createOrg(db, otherAdmin, 'Commune Voisine')).id;
		await addMember(db, orgId, editor, 'editor');
		await addMember(db, orgId, viewer, 'viewer');
		await setLogo(db, admin, orgId, PNG);

		spaserId = (
			await createSpaserRecord(db, editor, {
				orgIds: [orgId],
				leadOrgId: orgId,
				title: 'SPASER de Clôture 2026-2029',
				periodStart: 2026,
				periodEnd: 2029
			})
		).id;
		const doc = new Y.Doc();
		doc.getText('t').insert(0, 'Axe 1');
		await createVersion(db, editor, spaserId, doc, { kind: 'named', name: 'Version du comité' });
		// A joint SPASER, led by the collectivité, co-written with the other one: it must survive the closure.
		await addMember(db, otherOrgId, admin, 'admin');
		jointId = (
			await createSpaserRecord(db, admin, {
				orgIds: [orgId, otherOrgId],
				leadOrgId: orgId,
				title: 'SPASER mutualisé',
				periodStart: 2026,
				periodEnd: 2028
			})
		).id;
		await asService(db, 'test: admin leaves the other collectivité', (tx) =>
			tx.query('delete from public.organisation_members where org_id = $1 and user_id = $2', [otherOrgId, admin.id])
		);
		otherSpaserId = (
			await createSpaserRecord(db, otherAdmin, {
				orgIds: [otherOrgId],
				leadOrgId: otherOrgId,
				title: 'SPASER de la voisine',
				periodStart: 2026,
				periodEnd: 2029
			})
		).id;

		resourceId = await createResource(db, editor, orgId, clause('Clause d’insertion de Clôture'));
		pdf = await pdfWith('Annexe de la clause de Clôture');
		await addAttachment(db, editor, resourceId, 'annexe clause.pdf', pdf);
		await setVisibility(db, admin, resourceId, 'public');
		otherResourceId = await createResource(db, otherAdmin, otherOrgId, clause('Clause secrète de la voisine'));
		// The other collectivité's feedback on the shared clause is theirs.
		await recordUsage(db, otherAdmin, resourceId, { worked: 'Retour de la voisine', notWorked: '' });

		// Guichet vert: a question of each collectivité to a network, with a message and an attached file; for the
		// collectivité closed below, a past session (done, rated, commented) and one to come.
		animator = await createUser(db, { displayName: 'Anna Animatrice' });
		await asService(db, 'test: guichet requests', async (tx) => {
			const [net] = await tx.query<{ id: string }>(
				`insert into public.networks (slug, name) values ('reseau-cloture', 'Réseau de la Clôture') returning id`
			);
			networkId = net.id;
			await tx.query('insert into public.network_animators (network_id, user_id) values ($1, $2)', [
				net.id,
				animator.id
			]);
			for (const [org, who, text] of [
				[orgId, editor.id, 'Question de Clôture'],
				[otherOrgId, otherAdmin.id, 'Question de la voisine']
			]) {
				const [req] = await tx.query<{ id: string }>(
					`insert into public.guichet_requests (network_id, org_id, requester_id, kind, topic, stage, question)
					 values ($1, $2, $3, 'question', 'Clauses sociales', 'definition_besoin', $4) returning id`,
					[net.id, org, who, text]
				);
				const [msg] = await tx.query<{ id: string }>(
					`insert into public.guichet_messages (request_id, author_id, body) values ($1, $2, $3) returning id`,
					[req.id, who, `Message : ${text}`]
				);
				await tx.query(
					`insert into public.guichet_attachments (request_id, message_id, uploader_id, filename, mime, size, content) values ($1, $2, $3, $4, 'application/pdf', $5, $6)`,
					[req.id, msg.id, who, `${text}.pdf`, pdf.byteLength, pdf]
				);
				if (org !== orgId) continue;
				const [session] = await tx.query<{ id: string }>(
					`insert into public.guichet_requests (network_id, org_id, requester_id, kind, topic, stage, question)
					 values ($1, $2, $3, 'session', 'Marchés de nettoyage', 'redaction_dce', 'Séances de Clôture') returning id`,
					[net.id, org, who]
				);
				for (const [from, status] of [
					[-30, 'done'],
					[7, 'confirmed']
				] as const) {
					const [b] = await tx.query<{ id: string }>(
						`insert into public.guichet_bookings (request_id, network_id, animator_id, booker_id, org_id, during, blocked, modality, status)
						 values ($1, $2, $3, $4, $5, tstzrange(now() + make_interval(days => $6), now() + make_interval(days => $6, hours => 1)),
						         tstzrange(now() + make_interval(days => $6), now() + make_interval(days => $6, hours => 1)), 'visio', $7) returning id`,
						[session.id, net.id, animator.id, who, org, from, status]
					);
					if (status === 'done')
						await tx.query(
							`insert into public.guichet_surveys (booking_id, respondent_id, rating, comment) values ($1, $2, 5, 'Très utile pour Clôture')`,
							[b.id, who]
						);
				}
			}
		});

		const [soc] = (await listCatalogue(db, admin)).filter((d) => d.code === 'CAN-SOC-01');
		await saveValue(db, admin, orgId, { indicatorId: soc.id, year: 2024, value: 24.5, comment: 'Valeur de Clôture' });
		await saveValue(db, otherAdmin, otherOrgId, {
			indicatorId: soc.id,
			year: 2024,
			value: 11,
			comment: 'Valeur de la voisine'
		});
	});
	afterAll(async () => {
		await db?.close();
	});

	it('the export holds the SPASER, the resource with its file, the indicator value and the members — nothing else, no secret', async () => {
		const { data, files } = await exportOrganisationData(db, admin, orgId);
		expect(data.organisation).toMatchObject({ id: orgId, name: 'Ville de Clôture-sur-Mer' });
		expect(data.tables.spaser_documents.map((d) => d.id).sort()).toEqual([spaserId, jointId].sort());
		expect(data.tables.spaser_versions).toContainEqual(
			expect.objectContaining({ document_id: spaserId, name: 'Version du comité', state_octets: expect.any(Number) })
		);
		expect(data.tables.resources).toEqual([
			expect.objectContaining({ id: resourceId, title: 'Clause d’insertion de Clôture' })
		]);
		expect(data.tables.resource_versions?.length).toBeGreaterThan(0);
		const [att] = data.tables.resource_attachments;
		expect(att).toMatchObject({ resource_id: resourceId, filename: 'annexe clause.pdf', data_octets: pdf.byteLength });
		expect(files.find((f) => f.path === att.data_fichier)?.bytes).toEqual(pdf);
		expect(data.tables.organisation_logos).toEqual([
			expect.objectContaining({
				mime: 'image/png',
				data_fichier: expect.stringMatching(/^fichiers\/organisation_logos\//)
			})
		]);
		expect(data.tables.indicator_values).toEqual([
			expect.objectContaining({ org_id: orgId, year: 2024, comment: 'Valeur de Clôture' })
		]);
		expect(data.references.indicator_definitions).toEqual([expect.objectContaining({ code: 'CAN-SOC-01' })]);
		expect(data.tables.organisation_members.map((m) => m.user_id).sort()).toEqual(
			[admin.id, editor.id, viewer.id].sort()
		);
		expect(data.references.users.map((u) => u.display_name).sort()).toEqual(
			['Alice Administratrice', 'Valérie Lectrice', 'Édouard Rédacteur'].sort()
		);
		expect(data.tables.audit_log?.length).toBeGreaterThan(0);
		expect(data.tables.guichet_requests.map((r) => r.question).sort()).toEqual([
			'Question de Clôture',
			'Séances de Clôture'
		]);
		expect(data.tables.guichet_bookings.map((b) => b.status).sort()).toEqual(['confirmed', 'done']);
		expect(data.tables.guichet_surveys).toEqual([
			expect.objectContaining({ rating: 5, comment: 'Très utile pour Clôture' })
		]);
		expect(data.tables.guichet_messages).toEqual([expect.objectContaining({ body: 'Message : Question de Clôture' })]);
		const [gAtt] = data.tables.guichet_attachments;
		expect(gAtt).toMatchObject({ filename: 'Question de Clôture.pdf', content_octets: pdf.byteLength });
		expect(files.find((f) => f.path === gAtt.content_fichier)?.bytes).toEqual(pdf);

		const text = JSON.stringify(data);
		for (const foreign of [
			otherOrgId,
			otherSpaserId,
			otherResourceId,
			'Clause secrète de la voisine',
			'Valeur de la voisine',
			'Retour de la voisine',
			'Question de la voisine',
			otherAdmin.email
		])
			expect(text, foreign).not.toContain(foreign);
		// The joint SPASER is there, but not the other co-owner's link row.
		expect(data.tables.spaser_document_orgs.every((l) => l.org_id === orgId)).toBe(true);
		expect(text).not.toMatch(/password_hash|secret_hash|token_hash|checkin_code|\$argon2/);
	});

	it('the ZIP holds collectivite.json, the files and a French README', async () => {
		const { zip, slug } = await exportOrganisationZip(db, admin, orgId);
		expect(slug).toMatch(/cloture/);
		const entries = unzipSync(zip);
		const data = JSON.parse(strFromU8(entries['collectivite.json']));
		expect(data.format).toBe('spaser-commun/collectivite/1');
		const att = data.tables.resource_attachments[0];
		expect(entries[att.data_fichier]).toEqual(pdf);
		expect(entries[data.tables.organisation_logos[0].data_fichier]).toEqual(PNG);
		expect(strFromU8(entries['README.txt'])).toMatch(
			/Export des données de la collectivité « Ville de Clôture-sur-Mer »/
		);
	});

	it('only the collectivité’s administrators may export or close it', async () => {
		for (const who of [editor, viewer, otherAdmin]) {
			await expect(exportOrganisationData(db, who, orgId)).rejects.toMatchObject({ status: expect.any(Number) });
			await expect(closeOrganisation(db, who, orgId, 'Ville de Clôture-sur-Mer')).rejects.toBeTruthy();
		}
		await expect(exportOrganisationData(db, editor, orgId)).rejects.toMatchObject({ code: 'forbidden', status: 403 });
		await expect(exportOrganisationData(db, otherAdmin, orgId)).rejects.toMatchObject({
			code: 'not_found',
			status: 404
		});
		expect((await countsFor(db, orgId)).org).toBe(1);
	});

	it('closure needs the exact name, then removes everything of the collectivité and nothing of the other one', async () => {
		const before = await countsFor(db, otherOrgId);
		expect(before).toMatchObject({ org: 1, resources: 1, values: 1, guichet: 1 });
		await expect(closeOrganisation(db, admin, orgId, 'Ville de Cloture')).rejects.toMatchObject({
			code: 'invalid',
			details: { field: 'confirmation' }
		});
		expect(await countsFor(db, orgId)).toMatchObject({ org: 1, members: 3, resources: 1, values: 1, logos: 1 });

		const res = await closeOrganisation(db, admin, orgId, '  ville de clôture-sur-mer ');
		expect(res).toMatchObject({
			name: 'Ville de Clôture-sur-Mer',
			notified: 3,
			deletedDocuments: 1,
			cancelledSessions: 1
		});
		expect(await countsFor(db, orgId)).toEqual({
			org: 0,
			members: 0,
			spaser_links: 0,
			resources: 0,
			values: 0,
			logos: 0,
			guichet: 0
		});
		const left = await asService(db, 'test: after closure', (tx) =>
			tx.query<{ t: string; n: number }>(
				`select 'spaser' as t, count(*)::int as n from public.spaser_documents where id = $1
				 union all select 'versions', count(*)::int from public.spaser_versions where document_id = $1
				 union all select 'attachments', count(*)::int from public.resource_attachments where resource_id = $2
				 union all select 'usages', count(*)::int from public.resource_usages where resource_id = $2
				 union all select 'guichet', count(*)::int from public.guichet_requests where question = 'Question de Clôture'`,
				[spaserId, resourceId]
			)
		);
		expect(Object.fromEntries(left.map((r) => [r.t, r.n]))).toEqual({
			spaser: 0,
			versions: 0,
			attachments: 0,
			usages: 0,
			guichet: 0
		});
		// The other collectivité keeps everything, and now leads the joint SPASER.
		expect(await countsFor(db, otherOrgId)).toEqual(before);
		const [joint] = await asService(db, 'test: joint', (tx) =>
			tx.query<{ org_id: string; is_lead: boolean }>(
				'select org_id, is_lead from public.spaser_document_orgs where document_id = $1',
				[jointId]
			)
		);
		expect(joint).toEqual({ org_id: otherOrgId, is_lead: true });
		const [otherDoc] = await asService(db, 'test: other', (tx) =>
			tx.query<{ n: number }>('select count(*)::int as n from public.spaser_documents where id = $1', [otherSpaserId])
		);
		expect(otherDoc.n).toBe(1);
		// People keep their accounts and are told; the audit log keeps the closure.
		for (const who of [admin, editor, viewer]) {
			const mails = await outbox(db, who.email);
			expect(mails.some((m) => /a été fermée/.test(m.subject))).toBe(true);
		}
		const audit = await asService(db, 'test: audit', (tx) =>
			tx.query<{ actor_id: string; details: { nom: string } }>(
				`select actor_id, details from public.audit_log where action = 'collectivite.fermeture' and org_id = $1`,
				[orgId]
			)
		);
		expect(audit).toEqual([
			expect.objectContaining({
				actor_id: admin.id,
				details: expect.objectContaining({ nom: 'Ville de Clôture-sur-Mer' })
			})
		]);
		await expect(exportOrganisationData(db, admin, orgId)).rejects.toMatchObject({ status: 404 });

		// The network keeps an anonymous trace of the Guichet vert (its figures for past months do not change): the
		// requests and sessions stay without the collectivité, their content gone; the session to come is cancelled
		// and its animator told, with the calendar cancellation.
		const trace = await asService(db, 'test: guichet trace', async (tx) => ({
			requests: await tx.query<{
				org_id: string | null;
				kind: string;
				topic: string;
				status: string;
				question: string;
			}>(
				'select org_id, kind, topic, status, question from public.guichet_requests where network_id = $1 and org_id is distinct from $2 order by kind',
				[networkId, otherOrgId]
			),
			bookings: await tx.query<{
				org_id: string | null;
				status: string;
				sequence: number;
				rating: number | null;
				comment: string | null;
			}>(
				`select b.org_id, b.status, b.sequence, s.rating, s.comment from public.guichet_bookings b
				   left join public.guichet_surveys s on s.booking_id = b.id where b.network_id = $1 order by lower(b.during)`,
				[networkId]
			),
			content: await tx.query<{ n: number }>(
				`select (select count(*) from public.guichet_messages m join public.guichet_requests r on r.id = m.request_id where r.org_id is null)
				      + (select count(*) from public.guichet_attachments a join public.guichet_requests r on r.id = a.request_id where r.org_id is null) as n`
			)
		}));
		expect(trace.requests).toEqual([
			expect.objectContaining({
				org_id: null,
				kind: 'question',
				topic: 'Clauses sociales',
				status: 'closed',
				question: expect.stringMatching(/collectivité fermée/)
			}),
			expect.objectContaining({
				org_id: null,
				kind: 'session',
				topic: 'Marchés de nettoyage',
				status: 'closed',
				question: expect.stringMatching(/collectivité fermée/)
			})
		]);
		expect(trace.bookings).toEqual([
			{ org_id: null, status: 'done', sequence: 0, rating: 5, comment: '' },
			{ org_id: null, status: 'cancelled', sequence: 1, rating: null, comment: null }
		]);
		expect(Number(trace.content[0].n)).toBe(0);
		const told = await asService(db, 'test: animator mail', (tx) =>
			tx.query<{ subject: string; text_body: string; attachments: unknown }>(
				`select subject, text_body, attachments from public.email_outbox where to_address = $1 and subject like '%annulé%'`,
				[animator.email]
			)
		);
		expect(told).toHaveLength(1);
		expect(told[0].text_body).toMatch(/« Ville de Clôture-sur-Mer » a été fermée/);
		expect(JSON.stringify(told[0].attachments)).toMatch(/method=CANCEL/);
	});
});

describe.each(engines)('collectivité data export and closure through the API (%s)', (engine) => {
	let db: Database;
	let admin: TestUser, viewer: TestUser;
	let orgId: string;
	const tokens: Record<'adminRead' | 'adminWrite' | 'viewerWrite', string> = {
		adminRead: '',
		adminWrite: '',
		viewerWrite: ''
	};

	beforeAll(async () => {
		db = await openTestDb(engine);
		admin = await createUser(db, { displayName: 'Anne API' });
		viewer = await createUser(db, { displayName: 'Victor API' });
		orgId = (await createOrg(db, admin, 'Commune de Ferme-par-API')).id;
		await addMember(db, orgId, viewer, 'viewer');
		await setLogo(db, admin, orgId, PNG);
		tokens.adminRead = (await createApiToken(db, admin, { name: 'lecture', scopes: ['read'] })).token;
		tokens.adminWrite = (await createApiToken(db, admin, { name: 'écriture', scopes: ['read', 'write'] })).token;
		tokens.viewerWrite = (await createApiToken(db, viewer, { name: 'écriture', scopes: ['read', 'write'] })).token;
	});
	afterAll(async () => {
		await db?.close();
	});

	it('GET /organisations/{id}/export: the ZIP for an administrator, 403 for a viewer, 401 without a token', async () => {
		expect((await apiCall(db, 'GET', `/organisations/${orgId}/export`)).status).toBe(401);
		const refused = await apiCall(db, 'GET', `/organisations/${orgId}/export`, { token: tokens.viewerWrite });
		expect(refused).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });

		const headers = new Headers({ authorization: `Bearer ${tokens.adminRead}` });
		const request = new Request(`http://localhost/api/v1/organisations/${orgId}/export`, { headers });
		const res = await dispatchApi(request, { db, auth: await authenticateRequest(db, request), strictResponses: true });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('application/zip');
		expect(res.headers.get('content-disposition')).toMatch(
			/^attachment; filename="donnees-commune-de-ferme-par-api-\d{4}-\d{2}-\d{2}\.zip"$/
		);
		expect(res.headers.get('cache-control')).toBe('no-store');
		const entries = unzipSync(new Uint8Array(await res.arrayBuffer()));
		const data = JSON.parse(strFromU8(entries['collectivite.json']));
		expect(data.organisation).toMatchObject({ id: orgId, name: 'Commune de Ferme-par-API' });
		expect(entries[data.tables.organisation_logos[0].data_fichier]).toEqual(PNG);
	});

	it('POST /organisations/{id}/closure: write scope, administrator, exact name; else nothing is deleted', async () => {
		const path = `/organisations/${orgId}/closure`;
		const name = { confirmation: 'Commune de Ferme-par-API' };
		expect(await apiCall(db, 'POST', path, { token: tokens.adminRead, body: name })).toMatchObject({
			status: 403,
			body: { error: { code: 'insufficient_scope' } }
		});
		expect(await apiCall(db, 'POST', path, { token: tokens.viewerWrite, body: name })).toMatchObject({
			status: 403,
			body: { error: { code: 'forbidden' } }
		});
		const wrong = await apiCall(db, 'POST', path, {
			token: tokens.adminWrite,
			body: { confirmation: 'Commune de Ferme' }
		});
		expect(wrong.status).toBe(400);
		expect(wrong.body.error.message).toMatch(/Recopiez exactement le nom de la collectivité/);
		expect((await apiCall(db, 'POST', path, { token: tokens.adminWrite, body: {} })).status).toBe(400);
		expect(await countsFor(db, orgId)).toMatchObject({ org: 1, members: 2, logos: 1 });

		const done = await apiCall(db, 'POST', path, {
			token: tokens.adminWrite,
			body: { confirmation: ' commune de ferme-par-api ' }
		});
		expect(done).toMatchObject({
			status: 200,
			body: { name: 'Commune de Ferme-par-API', notified: 2, deletedDocuments: 0, cancelledSessions: 0 }
		});
		expect(await countsFor(db, orgId)).toMatchObject({ org: 0, members: 0, logos: 0 });
		expect((await apiCall(db, 'GET', `/organisations/${orgId}`, { token: tokens.adminWrite })).status).toBe(404);
		// The people keep their accounts (and their tokens).
		expect((await apiCall(db, 'GET', '/me', { token: tokens.viewerWrite })).body).toMatchObject({
			id: viewer.id,
			memberships: []
		});
	});
});
