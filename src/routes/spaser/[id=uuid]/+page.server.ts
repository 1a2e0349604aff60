import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser, runAction } from '$lib/server/kit/forms';
import { isUuid } from '$lib/server/kit/ids';
import {
	addComment,
	deleteComment,
	editComment,
	listComments,
	reopenThread,
	resolveThread,
	threadsForDisplay
} from '$lib/server/spaser/comments';
import { cleanContent, readLiveDoc } from '$lib/server/spaser/live';
import { listMentionablePeople } from '$lib/server/spaser/pages';
import { listImportedFiles } from '$lib/server/spaser/import';
import { outlineContent } from '$lib/spaser/content-schema';
import { checkCompliance } from '$lib/spaser/checklist';
import { colorFor } from '$lib/spaser/ytext';
import { insertResourceInput } from '$lib/server/spaser/input';
import { useInSpaser } from '$lib/server/resources/reuse';
import { spaserFor } from './access.server';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { spaser } = await event.parent(); // RLS check first: a reader only
	const db = await getDb();
	const live = await readLiveDoc(db, spaser.id);
	const content = cleanContent(live);
	live.destroy();
	const { outline } = outlineContent(content);
	const nodeLabels: Record<string, string> = {};
	for (const n of content.nodes) {
		const o = outline.get(n.id);
		nodeLabels[n.id] = `${o?.label ?? 'Élément'} — ${n.title || 'sans titre'}`;
	}
	const [threads, people, importedFiles] = await Promise.all([
		listComments(db, user, spaser.id),
		listMentionablePeople(db, user, spaser.id),
		listImportedFiles(db, user, spaser.id)
	]);
	const asked = event.url.searchParams.get('noeud');
	return {
		me: { id: user.id, name: user.displayName, color: colorFor(user.id) },
		content,
		compliance: checkCompliance(content, {
			status: spaser.status,
			adoptedOn: spaser.adopted_on,
			publishedAt: spaser.published_at,
			periodStart: spaser.period_start,
			periodEnd: spaser.period_end
		}),
		nodeLabels,
		initialNodeId: asked && isUuid(asked) ? asked : (content.nodes[0]?.id ?? null),
		threads: threadsForDisplay(threads),
		people,
		/** The original documents the SPASER was imported from (DOCX, Markdown, text). */
		importedFiles: importedFiles.map((f) => ({
			id: f.id,
			file_name: f.file_name,
			size: f.size,
			imported_at: f.imported_at
		})),
		/** After a JSON import (redirect with ?importe=<number of nodes>). */
		imported: /^\d+$/.test(event.url.searchParams.get('importe') ?? '')
			? Number(event.url.searchParams.get('importe'))
			: null
	};
};

/** Appends the person chosen in the picker when JavaScript did not insert the mention already. */
function withPickedMention(body: string, mention: FormDataEntryValue | null, people: { id: string; name: string }[]) {
	const id = typeof mention === 'string' ? mention.trim().toLowerCase() : '';
	if (!id || body.toLowerCase().includes(`](${id})`)) return body;
	const p = people.find((x) => x.id === id);
	if (!p) return body;
	return `${body.trimEnd()} @[${p.name.replace(/[[\]\n]/g, ' ')}](${p.id})`;
}

/** The commented passage of a new thread (three hidden fields), undefined when none is sent; validated by addComment. */
function anchorFromForm(form: FormData) {
	const [start, end, quote] = ['anchorStart', 'anchorEnd', 'quote'].map((k) => form.get(k));
	if (!start && !end && !quote) return undefined;
	return { start, end, quote };
}

export const actions: Actions = {
	insertResource: async (event) => {
		const { user, db, spaser } = await spaserFor(event); // 404 for whoever may not read this SPASER
		const form = await event.request.formData();
		const raw = {
			intent: 'insertResource',
			resourceId: String(form.get('resourceId') ?? ''),
			nodeId: String(form.get('nodeId') ?? ''),
			mode: String(form.get('mode') ?? ''),
			params: String(form.get('params') ?? '')
		};
		let params: unknown;
		try {
			params = raw.params ? JSON.parse(raw.params) : undefined;
		} catch {
			return fail(400, {
				values: raw,
				errors: { params: 'Paramètres illisibles.' },
				message: 'Paramètres illisibles.'
			});
		}
		const parsed = insertResourceInput.safeParse({ ...raw, params });
		if (!parsed.success) {
			const message = parsed.error.issues[0]?.message ?? 'Formulaire invalide.';
			return fail(400, { values: raw, errors: {}, message });
		}
		const { resourceId, ...input } = parsed.data;
		const res = await runAction(raw, () => useInSpaser(db, user, resourceId, { documentId: spaser.id, ...input }));
		if (!res.ok) return res.failure;
		return {
			intent: 'insertResource',
			success:
				input.mode === 'inserted'
					? 'Le texte de la clause a été inséré.'
					: 'Le retour d’expérience a été lié à cet élément.'
		};
	},

	comment: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const raw = {
			intent: 'comment',
			nodeId: String(form.get('nodeId') ?? ''),
			threadId: String(form.get('threadId') ?? ''),
			body: String(form.get('body') ?? '')
		};
		const db = await getDb();
		const res = await runAction(raw, async () => {
			const people = form.get('mention') ? await listMentionablePeople(db, user, event.params.id) : [];
			const body = withPickedMention(raw.body, form.get('mention'), people);
			return addComment(db, user, event.params.id, raw.nodeId, body, raw.threadId || null, anchorFromForm(form));
		});
		if (!res.ok) return res.failure;
		return {
			intent: 'comment',
			success: raw.threadId ? 'Votre réponse a été publiée.' : 'Votre commentaire a été publié.',
			target: res.value.id
		};
	},

	editComment: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const raw = {
			intent: 'editComment',
			commentId: String(form.get('commentId') ?? ''),
			body: String(form.get('body') ?? '')
		};
		const db = await getDb();
		const res = await runAction(raw, () => editComment(db, user, raw.commentId, raw.body));
		if (!res.ok) return res.failure;
		return { intent: 'editComment', success: 'Le commentaire a été modifié.', target: raw.commentId };
	},

	deleteComment: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const raw = { intent: 'deleteComment', commentId: String(form.get('commentId') ?? '') };
		const db = await getDb();
		const res = await runAction(raw, () => deleteComment(db, user, raw.commentId));
		if (!res.ok) return res.failure;
		return { intent: 'deleteComment', success: 'Le commentaire a été supprimé.' };
	},

	resolve: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const raw = { intent: 'resolve', commentId: String(form.get('commentId') ?? '') };
		if (!isUuid(raw.commentId))
			return fail(404, { ...raw, values: raw, message: "Cette discussion n'existe pas ou vous n'y avez pas accès." });
		const res = await runAction(raw, async () => resolveThread(await getDb(), user, raw.commentId));
		if (!res.ok) return res.failure;
		return { intent: 'resolve', success: 'La discussion est marquée comme résolue.', target: raw.commentId };
	},

	reopen: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const raw = { intent: 'reopen', commentId: String(form.get('commentId') ?? '') };
		const res = await runAction(raw, async () => reopenThread(await getDb(), user, raw.commentId));
		if (!res.ok) return res.failure;
		return { intent: 'reopen', success: 'La discussion est rouverte.', target: raw.commentId };
	}
};
