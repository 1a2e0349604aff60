import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { AppError, orHttpError } from '$lib/server/kit/errors';
import { addAttachment, deleteAttachment, MAX_ATTACHMENT_BYTES, canAttach } from '$lib/server/resources/attachments';
import {
	copyResource,
	recordUsage,
	removeUsage,
	setFavourite,
	useInSpaser,
	writableSpasers
} from '$lib/server/resources/reuse';
import {
	deleteResource,
	getResource,
	getVersion,
	setNationalReference,
	setVisibility,
	writableOrgs
} from '$lib/server/resources/editing';
import { inclusionSearchUrl } from '$lib/server/resources/calculator';
import { resourcePath } from '$lib/server/resources/model';
import { reviewShare, shareResource, withdrawShare } from '$lib/server/resources/sharing';
import { feedbackInput, reviewInput, useInSpaserInput } from '$lib/server/resources/input';
import { KIND_PATHS } from '$lib/resources/labels';
import { diffWords } from '$lib/spaser/diff';

const DIFF_FIELDS: [string, string][] = [
	['title', 'Titre'],
	['summary', 'Résumé'],
	['body', 'Texte'],
	['legal_refs', 'Références juridiques'],
	['context', 'Contexte'],
	['actions', 'Ce qui a été fait'],
	['difficulties', 'Difficultés'],
	['lessons', 'Enseignements']
];

/** A resource hidden from an anonymous visitor may be theirs once logged in: send them to the login page. */
async function loginIfHidden<T>(p: Promise<T>, loggedIn: boolean, url: URL): Promise<T> {
	try {
		return await p;
	} catch (e) {
		if (!loggedIn && e instanceof AppError && e.status === 404)
			redirect(303, `/connexion?redirect=${encodeURIComponent(url.pathname)}`);
		throw e;
	}
}

export const load: PageServerLoad = async (event) => {
	const user = event.locals.user;
	const db = await getDb();
	const r = await orHttpError(loginIfHidden(getResource(db, user, event.params.id), !!user, event.url));
	if (KIND_PATHS[r.kind] !== event.params.kind) redirect(301, resourcePath(r.kind, r.id));
	const versionParam = Number(event.url.searchParams.get('version'));
	let diff: { label: string; ops: ReturnType<typeof diffWords> }[] | null = null;
	let diffVersion: number | null = null;
	if (Number.isInteger(versionParam) && versionParam > 1 && versionParam <= r.version) {
		const [after, before] = await Promise.all([
			getVersion(db, user, r.id, versionParam),
			getVersion(db, user, r.id, versionParam - 1)
		]);
		diffVersion = versionParam;
		diff = DIFF_FIELDS.map(([key, label]) => ({
			label,
			ops: diffWords(String(before.snapshot[key] ?? ''), String(after.snapshot[key] ?? ''))
		})).filter((d) => d.ops.some((o) => o.op !== 'equal'));
	}
	const [spasers, orgs] = user ? await Promise.all([writableSpasers(db, user), writableOrgs(db, user)]) : [[], []];
	const social = r.family === 'sociale' || r.mechanism === 'marche_reserve' || r.mechanism === 'clause_insertion';
	return {
		resource: r,
		spasers,
		orgs,
		diff,
		diffVersion,
		inclusionLinks: social
			? (r.segments.length ? r.segments : [null])
					.slice(0, 4)
					.map((s) => ({ segment: s, url: inclusionSearchUrl(s, null) }))
			: [],
		created: event.url.searchParams.has('cree'),
		maxMb: MAX_ATTACHMENT_BYTES / 1024 / 1024
	};
};

const intent = (name: string, extra: Record<string, unknown> = {}) => ({ intent: name, ...extra });

export const actions: Actions = {
	favourite: async (event) => {
		const user = requireUser(event);
		const db = await getDb();
		const form = await event.request.formData();
		const on = form.get('on') === '1';
		const res = await runAction({ intent: 'favourite' }, () => setFavourite(db, user, event.params.id, on));
		if (!res.ok) return res.failure;
		return intent('favourite', { success: on ? 'Ajoutée à vos favoris.' : 'Retirée de vos favoris.' });
	},
	use: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, feedbackInput);
		if (parsed.failure) return parsed.failure;
		const db = await getDb();
		const res = await runAction({ ...parsed.raw, intent: 'use' }, () =>
			recordUsage(db, user, event.params.id, parsed.data)
		);
		if (!res.ok) return res.failure;
		return intent('use', { success: 'Merci : votre utilisation est enregistrée.' });
	},
	unuse: async (event) => {
		const user = requireUser(event);
		const res = await runAction({ intent: 'use' }, async () => removeUsage(await getDb(), user, event.params.id));
		if (!res.ok) return res.failure;
		return intent('use', { success: 'Votre utilisation a été retirée.' });
	},
	copy: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const orgId = String(form.get('orgId') ?? '');
		const db = await getDb();
		const res = await runAction({ intent: 'copy', orgId }, () => copyResource(db, user, event.params.id, orgId));
		if (!res.ok) return res.failure;
		const r = await getResource(db, user, res.value);
		redirect(303, `${resourcePath(r.kind, r.id)}?copie=1`);
	},
	spaser: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const raw = Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)]));
		// One select carries "documentId:nodeId".
		const [documentId, nodeId] = (raw.target ?? '').split(':');
		const parsed = useInSpaserInput.safeParse({ documentId, nodeId, mode: raw.mode });
		if (!parsed.success)
			return fail(400, {
				intent: 'spaser',
				values: { ...raw, intent: 'spaser' },
				message: parsed.error.issues[0].message,
				errors: {}
			});
		const db = await getDb();
		const res = await runAction({ ...raw, intent: 'spaser' }, () =>
			useInSpaser(db, user, event.params.id, parsed.data)
		);
		if (!res.ok) return res.failure;
		return intent('spaser', {
			success:
				parsed.data.mode === 'inserted'
					? 'Le texte de la clause a été inséré dans votre SPASER.'
					: 'La clause est liée à cet élément de votre SPASER.',
			documentId: parsed.data.documentId
		});
	},
	share: async (event) => {
		const user = requireUser(event);
		const db = await getDb();
		const form = await event.request.formData();
		const networkId = String(form.get('networkId') ?? '') || null;
		const res = await runAction({ intent: 'share' }, () => shareResource(db, user, event.params.id, networkId));
		if (!res.ok) return res.failure;
		return intent('share', { success: 'Ressource soumise à la relecture du réseau.' });
	},
	withdraw: async (event) => {
		const user = requireUser(event);
		const db = await getDb();
		const form = await event.request.formData();
		const networkId = String(form.get('networkId') ?? '');
		const res = await runAction({ intent: 'share' }, () => withdrawShare(db, user, event.params.id, networkId));
		if (!res.ok) return res.failure;
		return intent('share', { success: 'Partage retiré.' });
	},
	visibility: async (event) => {
		const user = requireUser(event);
		const db = await getDb();
		const form = await event.request.formData();
		const v = form.get('visibility') === 'public' ? 'public' : 'private';
		const res = await runAction({ intent: 'share' }, () => setVisibility(db, user, event.params.id, v));
		if (!res.ok) return res.failure;
		return intent('share', {
			success: v === 'public' ? 'La ressource est maintenant publique.' : 'La ressource est maintenant privée.'
		});
	},
	review: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, reviewInput);
		if (parsed.failure) {
			const f = parsed.failure;
			return fail(400, { ...f.data, intent: 'review' });
		}
		const db = await getDb();
		const res = await runAction({ ...parsed.raw, intent: 'review' }, () =>
			reviewShare(db, user, event.params.id, parsed.data)
		);
		if (!res.ok) return res.failure;
		return intent('review', {
			success:
				parsed.data.decision === 'validated' ? 'Ressource validée pour le réseau.' : 'Demande de modifications envoyée.'
		});
	},
	national: async (event) => {
		const user = requireUser(event);
		const db = await getDb();
		const form = await event.request.formData();
		const on = form.get('on') === '1';
		const res = await runAction({ intent: 'share' }, () => setNationalReference(db, user, event.params.id, on));
		if (!res.ok) return res.failure;
		return intent('share', {
			success: on ? 'Marquée comme référence nationale.' : 'Marque de référence nationale retirée.'
		});
	},
	attach: async (event) => {
		const user = requireUser(event);
		const db = await getDb();
		// The right before the body: a user who may not attach is refused before the upload is even read.
		if (!(await canAttach(db, user, event.params.id)))
			return fail(403, {
				intent: 'attach',
				message: 'Seuls les administrateurs et rédacteurs de la collectivité ajoutent des pièces jointes.'
			});
		const form = await event.request.formData();
		const file = form.get('file');
		if (!(file instanceof File) || !file.size)
			return fail(400, {
				intent: 'attach',
				message: 'Choisissez un fichier (PDF, DOCX, ODT ou XLSX, 10 Mo au plus).',
				errors: { file: 'Choisissez un fichier.' }
			});
		if (file.size > MAX_ATTACHMENT_BYTES)
			return fail(413, {
				intent: 'attach',
				message: 'Le fichier dépasse 10 Mo : réduisez-le ou découpez-le.',
				errors: { file: 'Fichier trop lourd.' }
			});
		const bytes = new Uint8Array(await file.arrayBuffer());
		const res = await runAction({ intent: 'attach' }, () => addAttachment(db, user, event.params.id, file.name, bytes));
		if (!res.ok) return res.failure;
		return intent('attach', { success: `Pièce jointe « ${res.value.filename} » ajoutée.` });
	},
	detach: async (event) => {
		const user = requireUser(event);
		const db = await getDb();
		const form = await event.request.formData();
		const res = await runAction({ intent: 'attach' }, () =>
			deleteAttachment(db, user, String(form.get('attachmentId') ?? ''))
		);
		if (!res.ok) return res.failure;
		return intent('attach', { success: 'Pièce jointe supprimée.' });
	},
	delete: async (event) => {
		const user = requireUser(event);
		const db = await getDb();
		const res = await runAction({ intent: 'delete' }, () => deleteResource(db, user, event.params.id));
		if (!res.ok) return res.failure;
		redirect(303, '/ressources?supprimee=1');
	}
};
