import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser, runAction } from '$lib/server/kit/forms';
import { getOrganisationBySlug } from '$lib/server/organisations/service';
import { importSpaserJsonFile, MAX_SPASER_JSON_BYTES as MAX_BYTES } from '$lib/server/spaser/import-json';
import type { ContentIssue } from '$lib/spaser/content-schema';
import { writesFor } from '$lib/server/organisations/access';

export const load: PageServerLoad = async (event) => {
	requireUser(event);
	const { org } = await event.parent();
	return { canCreate: writesFor(org) };
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
		const bad = (message: string, issues: { where: string; message: string }[] = [], status = 400) =>
			fail(status, { message, issues });
		let form: FormData;
		try {
			form = await event.request.formData();
		} catch (e) {
			if ((e as { status?: number })?.status === 413)
				return bad('Le fichier est trop volumineux\u00a0: 5 Mo au plus.', [], 413);
			return bad("Le fichier n'a pas pu être lu. Réessayez.");
		}
		const file = form.get('file');
		if (!(file instanceof File) || file.size === 0)
			return bad('Choisissez un fichier JSON exporté depuis SPASER Commun.');
		if (file.size > MAX_BYTES) return bad('Le fichier est trop volumineux\u00a0: 5 Mo au plus.', [], 413);
		const bytes = new Uint8Array(await file.arrayBuffer());
		const db = await getDb();
		const res = await runAction({}, async () => {
			const org = await getOrganisationBySlug(db, user, event.params.slug);
			return importSpaserJsonFile(db, user, org.id, { name: file.name, bytes });
		});
		if (!res.ok) return res.failure;
		if (!res.value.ok) {
			const found = res.value.issues;
			const issues = found.slice(0, 50).map((i: ContentIssue) => ({ where: where(i.path), message: i.message }));
			return bad(
				`Le fichier «\u00a0${file.name}\u00a0» ne peut pas être importé\u00a0: ${found.length} problème${found.length > 1 ? 's' : ''} à corriger. Rien n'a été créé.`,
				issues
			);
		}
		redirect(303, `/spaser/${res.value.document.id}?importe=${res.value.nodes}`);
	}
};
