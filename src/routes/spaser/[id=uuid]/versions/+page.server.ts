import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser, runAction } from '$lib/server/kit/forms';
import { AppError } from '$lib/server/kit/errors';
import { isUuid } from '$lib/server/kit/ids';
import { nameCurrentVersion, restoreAndBroadcast } from '$lib/server/spaser/live-versions';
import {
	compareVersions,
	listVersions,
	publishVersion,
	unpublishVersion,
	VERSION_KINDS
} from '$lib/server/spaser/versions';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { spaser } = await event.parent();
	const db = await getDb();
	const versions = await listVersions(db, user, spaser.id);
	const a = event.url.searchParams.get('a');
	const b = event.url.searchParams.get('b');
	let comparison: Awaited<ReturnType<typeof compareVersions>> | null = null;
	let compareError: string | null = null;
	if (a || b) {
		if (!a || !b || !isUuid(a) || !isUuid(b)) compareError = 'Choisissez deux versions à comparer.';
		else if (a === b) compareError = 'Choisissez deux versions différentes.';
		else {
			try {
				comparison = await compareVersions(db, user, a, b);
				if (comparison.a.document_id !== spaser.id)
					throw new AppError('not_found', "Ces versions n'appartiennent pas à ce SPASER.", 404);
			} catch (e) {
				comparison = null;
				if (e instanceof AppError) compareError = e.message;
				else throw e;
			}
		}
	}
	return { versions, kinds: VERSION_KINDS, comparison, compareError, a, b };
};

export const actions: Actions = {
	/** « Nommer une version »: the current live state saved under a name. */
	name: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const raw = { intent: 'name', name: String(form.get('name') ?? '') };
		const db = await getDb();
		const res = await runAction(raw, () => nameCurrentVersion(db, user, event.params.id, raw.name));
		if (!res.ok) return res.failure;
		return { intent: 'name', success: `La version «\u00a0${res.value.name}\u00a0» a été enregistrée.` };
	},

	/** Restores a version as a new change (open editors see it at once). */
	restore: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const versionId = String(form.get('versionId') ?? '');
		const db = await getDb();
		const res = await runAction({ intent: 'restore', versionId }, () =>
			restoreAndBroadcast(db, user, event.params.id, versionId)
		);
		if (!res.ok) return res.failure;
		return {
			intent: 'restore',
			success: `La version a été restaurée. L'état précédent est conservé sous le nom «\u00a0${res.value.before.name}\u00a0».`,
			target: versionId
		};
	},

	publish: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const versionId = String(form.get('versionId') ?? '');
		const res = await runAction({ intent: 'publish', versionId }, async () =>
			publishVersion(await getDb(), user, versionId, event.params.id)
		);
		if (!res.ok) return res.failure;
		return { intent: 'publish', success: 'La version est publiée sur la page publique du SPASER.', target: versionId };
	},

	unpublish: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const versionId = String(form.get('versionId') ?? '');
		if (!isUuid(versionId))
			return fail(404, {
				intent: 'unpublish',
				values: { intent: 'unpublish', versionId },
				message: "Cette version n'existe pas ou vous n'y avez pas accès."
			});
		const res = await runAction({ intent: 'unpublish', versionId }, async () =>
			unpublishVersion(await getDb(), user, versionId, event.params.id)
		);
		if (!res.ok) return res.failure;
		return { intent: 'unpublish', success: 'La version n’est plus publiée.', target: versionId };
	}
};
