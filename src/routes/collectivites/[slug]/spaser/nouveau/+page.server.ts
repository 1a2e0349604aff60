import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { getOrganisationBySlug } from '$lib/server/orgs/service';
import { createSpaserRecord, type SpaserDocument } from '$lib/server/spaser/documents';
import { describeTarget } from '$lib/server/spaser/docx';
import { changeLiveDoc } from '$lib/server/spaser/live';
import { ORG_KINDS } from '$lib/geo';
import { outlineContent } from '$lib/spaser/content-schema';
import { buildTemplate, isTemplateKey, PRIORITIES, proposeFromAnswers, TEMPLATES, type Priority, type TemplateKey } from '$lib/spaser/templates';
import { importContent, type DocContent } from '$lib/spaser/ydoc';

const thisYear = () => new Date().getFullYear();
const year = (label: string) =>
	z.coerce
		.number({ error: `Indiquez l'année de ${label}.` })
		.int({ error: `L'année de ${label} doit être un nombre entier.` })
		.min(2000, { error: "L'année doit être comprise entre 2000 et 2100." })
		.max(2100, { error: "L'année doit être comprise entre 2000 et 2100." });
const title = z
	.string({ error: 'Indiquez le titre du SPASER.' })
	.trim()
	.min(2, { error: 'Le titre doit contenir au moins 2 caractères.' })
	.max(300, { error: 'Le titre est limité à 300 caractères.' });
const euros = z.preprocess(
	(v) => (typeof v === 'string' ? v.replace(/[\s\u00a0\u202f€]|HT/gi, '').replace(',', '.') || undefined : v),
	z.coerce
		.number({ error: "Le volume d'achats doit être un montant en euros, par exemple 12 500 000." })
		.min(0, { error: "Le volume d'achats ne peut pas être négatif." })
		.max(100_000_000_000, { error: "Ce volume d'achats paraît trop élevé : vérifiez le nombre de zéros." })
		.optional()
);
const periodCheck = (v: { periodStart: number; periodEnd: number }, ctx: z.RefinementCtx) => {
	if (v.periodEnd < v.periodStart) ctx.addIssue({ code: 'custom', path: ['periodEnd'], message: 'La fin de période doit suivre son début.' });
	else if (v.periodEnd - v.periodStart > 10) ctx.addIssue({ code: 'custom', path: ['periodEnd'], message: 'Un SPASER couvre au plus dix ans.' });
};

const wizardInput = z
	.object({
		orgKind: z.string({ error: 'Choisissez le type de collectivité.' }).refine((k) => k in ORG_KINDS, { error: 'Type de collectivité inconnu.' }),
		purchaseVolumeEur: euros,
		priorities: z.array(z.enum(Object.keys(PRIORITIES) as [Priority], { error: 'Priorité inconnue.' })).default([]),
		experience: z.enum(['first', 'renewal'], { error: "Indiquez s'il s'agit de votre premier SPASER ou d'un renouvellement." }),
		periodStart: year('début'),
		periodEnd: year('fin'),
		title
	})
	.superRefine(periodCheck);

const templateInput = z
	.object({
		templateKey: z.string({ error: 'Choisissez un modèle.' }).refine(isTemplateKey, { error: 'Modèle inconnu.' }),
		periodStart: year('début'),
		periodEnd: year('fin'),
		title
	})
	.superRefine(periodCheck);

export const load: PageServerLoad = async (event) => {
	requireUser(event);
	const { org } = await event.parent();
	const start = thisYear() + 1;
	return {
		canCreate: org.my_role === 'admin' || org.my_role === 'editor',
		mode: event.url.searchParams.get('mode') === 'modele' ? ('modele' as const) : ('assistant' as const),
		templates: TEMPLATES.map((t) => ({ ...t, preview: previewOf(buildTemplate(t.key, { periodStart: start, periodEnd: start + 3 })) })),
		priorities: Object.entries(PRIORITIES).map(([key, label]) => ({ key, label })),
		orgKinds: Object.entries(ORG_KINDS).map(([key, label]) => ({ key, label })),
		defaults: {
			orgKind: org.kind,
			purchaseVolumeEur: org.purchase_volume_eur,
			periodStart: start,
			periodEnd: start + 3,
			title: `SPASER ${start}–${start + 3} — ${org.name}`
		}
	};
};

/** What the proposal screen shows: outline labels, counts per level and a few example targets. */
function previewOf(content: DocContent) {
	const { order, outline } = outlineContent(content);
	const counts = content.settings.levelNames.map((name, i) => ({ name, count: order.filter((n) => outline.get(n.id)?.depth === i + 1).length }));
	const outlineRows = order.map((n) => ({ id: n.id, depth: outline.get(n.id)!.depth, label: outline.get(n.id)!.label, title: n.title, targets: n.targets.length }));
	const targets = order
		.flatMap((n) => n.targets.map((t) => ({ node: outline.get(n.id)!.label, ...describeTarget(t) })))
		.slice(0, 8);
	return { counts: counts.filter((c) => c.count > 0), outline: outlineRows, targets, targetCount: order.reduce((s, n) => s + n.targets.length, 0) };
}

async function createFilled(event: Parameters<Actions[string]>[0], input: { title: string; periodStart: number; periodEnd: number; templateKey: TemplateKey }, content: DocContent) {
	const user = requireUser(event);
	const db = await getDb();
	const org = await getOrganisationBySlug(db, user, event.params.slug);
	const doc: SpaserDocument = await createSpaserRecord(db, user, { orgIds: [org.id], leadOrgId: org.id, ...input });
	await changeLiveDoc(db, doc.id, (d) => importContent(d, content));
	return doc;
}

export const actions: Actions = {
	/** Wizard, step 1 → 2: the answers give a proposal shown for confirmation (nothing is created yet). */
	propose: async (event) => {
		requireUser(event);
		const parsed = await parseForm(event.request, wizardInput);
		if (parsed.failure) return parsed.failure;
		const a = parsed.data;
		const proposal = proposeFromAnswers({ ...a, purchaseVolumeEur: a.purchaseVolumeEur ?? null });
		return {
			intent: 'propose',
			values: parsed.raw,
			proposal: {
				templateKey: proposal.templateKey,
				templateName: proposal.templateName,
				mandatory: proposal.mandatory,
				reasons: proposal.reasons,
				levelNames: proposal.content.settings.levelNames,
				...previewOf(proposal.content)
			}
		};
	},

	/** Wizard, step 2: creates the SPASER from the (recomputed) proposal and opens the editor. */
	create: async (event) => {
		const parsed = await parseForm(event.request, wizardInput);
		if (parsed.failure) return parsed.failure;
		const a = parsed.data;
		const proposal = proposeFromAnswers({ ...a, purchaseVolumeEur: a.purchaseVolumeEur ?? null });
		const res = await runAction({ ...parsed.raw, intent: 'create' }, () =>
			createFilled(event, { title: a.title, periodStart: a.periodStart, periodEnd: a.periodEnd, templateKey: proposal.templateKey }, proposal.content)
		);
		if (!res.ok) return res.failure;
		redirect(303, `/spaser/${res.value.id}`);
	},

	/** « Choisir un modèle »: one of the templates as it is, with target years placed in the period. */
	template: async (event) => {
		const parsed = await parseForm(event.request, templateInput);
		if (parsed.failure) return fail(400, { ...parsed.failure.data, intent: 'template', values: { ...parsed.failure.data.values, intent: 'template' } });
		const t = parsed.data;
		const key = t.templateKey as TemplateKey;
		const content = buildTemplate(key, { periodStart: t.periodStart, periodEnd: t.periodEnd });
		const res = await runAction({ ...parsed.raw, intent: 'template' }, () =>
			createFilled(event, { title: t.title, periodStart: t.periodStart, periodEnd: t.periodEnd, templateKey: key }, content)
		);
		if (!res.ok) return res.failure;
		redirect(303, `/spaser/${res.value.id}`);
	}
};
