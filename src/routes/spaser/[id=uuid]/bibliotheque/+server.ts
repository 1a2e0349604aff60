import { json } from '@sveltejs/kit';
import { z } from 'zod';
import type { RequestHandler } from './$types';
import { resourceTexts, searchResources } from '$lib/server/resources/service';
import { clauseParams } from '$lib/spaser/clause-params';
import { spaserFor } from '../access.server';

const query = z.object({
	q: z.string().trim().max(200).default(''),
	type: z.enum(['clause', 'rex']).default('clause')
});

/**
 * GET /spaser/<id>/bibliotheque?q=…&type=clause|rex — the library search of the document view's insert dialog:
 * the first 8 clauses or REX the person may read (RLS), each with its {paramètres} and their default values.
 * Only for people who may read this SPASER (others get the same 404 as for the page).
 */
export const GET: RequestHandler = async (event) => {
	const { user, db } = await spaserFor(event);
	const parsed = query.safeParse({ q: event.url.searchParams.get('q') ?? undefined, type: event.url.searchParams.get('type') ?? undefined });
	if (!parsed.success) return json({ message: 'Recherche invalide (200 caractères au plus, type « clause » ou « rex »).' }, { status: 400 });
	const found = await searchResources(db, user, { q: parsed.data.q, kind: parsed.data.type, sort: 'relevance', page: 1 }, { pageSize: 8 });
	const texts = new Map((await resourceTexts(db, user, found.items.map((i) => i.id))).map((t) => [t.id, t]));
	return json({
		total: found.total,
		items: found.items.map((i) => {
			const t = texts.get(i.id);
			return {
				id: i.id,
				kind: i.kind,
				title: i.title,
				summary: i.summary,
				params: i.kind === 'clause' && t ? clauseParams(t.body, t.parameters ?? {}) : []
			};
		})
	});
};
