import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser, runAction } from '$lib/server/forms';
import { getOrganisationBySlug } from '$lib/server/orgs/service';
import { createSpaserRecord, updateSpaserMetadata } from '$lib/server/spaser/documents';
import { changeLiveDoc } from '$lib/server/spaser/live';
import { createVersion } from '$lib/server/spaser/versions';
import { parseSpaserExport, type ContentIssue } from '$lib/spaser/content-schema';
import { importContent } from '$lib/spaser/ydoc';

const MAX_BYTES = 5 * 1024 * 1024;

export const load: PageServerLoad = async (event) => {
	requireUser(event);
	const { org } = await event.parent();
	return { canCreate: org.my_role === 'admin' || org.my_role === 'editor' };
};

const FIELD_NAMES: Record<string, string> = {
	document: 'informations du document',
	title: 'titre',
	periodStart: 'début de période',
	periodEnd: 'fin de période',
	status: 'statut',
	adoptedOn: "date d'adoption",
	deliberationRef: 'délibération',
	settings: 'réglages',
	levelNames: 'noms des niveaux',
	numbering: 'numérotation',
	id: 'identifiant',
	parentId: 'parent',
	order: "clé d'ordre",
	body: 'texte',
	kind: 'type',
	pilot: 'direction pilote',
	resources: 'directions ressources',
	tools: 'outils',
	links: 'liens',
	indicatorCode: "code de l'indicateur",
	label: 'libellé',
	unit: 'unité',
	value: 'valeur',
	year: 'année',
	baselineYear: 'année de référence',
	relative: 'cible relative',
	thresholdEurHt: 'seuil (€ HT)',
	scope: 'périmètre',
	attrs: 'attributs',
	href: 'adresse du lien',
	marks: 'mise en forme',
	type: 'type'
};

/** « content.nodes.3.targets.0.value » → « élément n° 4, cible n° 1, valeur » (a French hint of where the problem is). */
function where(path: string): string {
	if (!path) return '';
	const parts = path.split('.');
	const out: string[] = [];
	for (let i = 0; i < parts.length; i++) {
		const p = parts[i];
		const next = parts[i + 1];
		if (p === 'nodes' && next !== undefined && /^\d+$/.test(next)) {
			out.push(`élément n°\u00a0${Number(next) + 1}`);
			i++;
		} else if (p === 'targets' && next !== undefined && /^\d+$/.test(next)) {
			out.push(`cible n°\u00a0${Number(next) + 1}`);
			i++;
		} else if (p === 'milestones' && next !== undefined && /^\d+$/.test(next)) {
			out.push(`jalon n°\u00a0${Number(next) + 1}`);
			i++;
		} else if (p === 'nodes' || p === 'targets' || p === 'milestones') out.push(FIELD_NAMES[p] ?? p);
		else if (/^\d+$/.test(p)) out.push(`n°\u00a0${Number(p) + 1}`);
		else if (p !== 'content') out.push(FIELD_NAMES[p] ?? p);
	}
	return out.join(', ');
}

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const bad = (message: string, issues: { where: string; message: string }[] = [], status = 400) => fail(status, { message, issues });
		let form: FormData;
		try {
			form = await event.request.formData();
		} catch (e) {
			if ((e as { status?: number })?.status === 413) return bad('Le fichier est trop volumineux\u00a0: 5 Mo au plus.', [], 413);
			return bad("Le fichier n'a pas pu être lu. Réessayez.");
		}
		const file = form.get('file');
		if (!(file instanceof File) || file.size === 0) return bad('Choisissez un fichier JSON exporté depuis SPASER Commun.');
		if (file.size > MAX_BYTES) return bad('Le fichier est trop volumineux\u00a0: 5 Mo au plus.', [], 413);
		const textContent = await file.text();
		const parsed = parseSpaserExport(textContent);
		if (!parsed.ok) {
			const issues = parsed.issues.slice(0, 50).map((i: ContentIssue) => ({ where: where(i.path), message: i.message }));
			return bad(
				`Le fichier «\u00a0${file.name}\u00a0» ne peut pas être importé\u00a0: ${parsed.issues.length} problème${parsed.issues.length > 1 ? 's' : ''} à corriger. Rien n'a été créé.`,
				issues
			);
		}
		const { document: meta, content } = parsed.value;
		const db = await getDb();
		const year = new Date().getFullYear();
		const res = await runAction({}, async () => {
			const org = await getOrganisationBySlug(db, user, event.params.slug);
			const doc = await createSpaserRecord(db, user, {
				orgIds: [org.id],
				leadOrgId: org.id,
				title: meta.title,
				periodStart: meta.periodStart ?? year,
				periodEnd: meta.periodEnd ?? meta.periodStart ?? year + 3
			});
			const live = await changeLiveDoc(db, doc.id, (d) => importContent(d, content));
			// keep the adoption facts of the file (the status starts again at « brouillon » in this collectivité)
			if (meta.adoptedOn || meta.deliberationRef)
				await updateSpaserMetadata(db, user, doc.id, { adoptedOn: meta.adoptedOn, deliberationRef: meta.deliberationRef }).catch(() => null);
			// users may record named versions only (automatic and 'imported' kinds are the server's)
			await createVersion(db, user, doc.id, live, { kind: 'named', name: `Import du fichier «\u00a0${file.name.slice(0, 200)}\u00a0»` });
			live.destroy();
			return doc;
		});
		if (!res.ok) return res.failure;
		redirect(303, `/spaser/${res.value.id}?importe=${content.nodes.length}`);
	}
};
