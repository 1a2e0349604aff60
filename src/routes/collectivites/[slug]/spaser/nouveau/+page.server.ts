import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { getOrganisationBySlug } from '$lib/server/organisations/service';
import { createSpaserWithContent } from '$lib/server/spaser/create';
import { templateInput, wizardInput } from '$lib/server/spaser/input';
import { describeTarget } from '$lib/server/spaser/docx';
import { ORG_KINDS } from '$lib/organisations/labels';
import { outlineContent } from '$lib/spaser/content-schema';
import { buildTemplate, PRIORITIES, proposeFromAnswers, TEMPLATES, type TemplateKey } from '$lib/spaser/templates';
import type { DocContent } from '$lib/spaser/ydoc';
import { writesFor } from '$lib/server/organisations/access';

const thisYear = () => new Date().getFullYear();

export const load: PageServerLoad = async (event) => {
	requireUser(event);
	const { org } = await event.parent();
	const start = thisYear() + 1;
	return {
		canCreate: writesFor(org),
		mode: event.url.searchParams.get('mode') === 'modele' ? ('modele' as const) : ('assistant' as const),
		templates: TEMPLATES.map((t) => ({
			...t,
			preview: previewOf(buildTemplate(t.key, { periodStart: start, periodEnd: start + 3 }))
		})),
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
	const counts = content.settings.levelNames.map((name, i) => ({
		name,
		count: order.filter((n) => outline.get(n.id)?.depth === i + 1).length
	}));
	const outlineRows = order.map((n) => ({
		id: n.id,
		depth: outline.get(n.id)!.depth,
		label: outline.get(n.id)!.label,
		title: n.title,
		targets: n.targets.length
	}));
	const targets = order
		.flatMap((n) => n.targets.map((t) => ({ node: outline.get(n.id)!.label, ...describeTarget(t) })))
		.slice(0, 8);
	return {
		counts: counts.filter((c) => c.count > 0),
		outline: outlineRows,
		targets,
		targetCount: order.reduce((s, n) => s + n.targets.length, 0)
	};
}

async function createFilled(
	event: Parameters<Actions[string]>[0],
	input: { title: string; periodStart: number; periodEnd: number; templateKey: TemplateKey },
	content: DocContent
) {
	const user = requireUser(event);
	const db = await getDb();
	const org = await getOrganisationBySlug(db, user, event.params.slug);
	return createSpaserWithContent(db, user, { orgIds: [org.id], leadOrgId: org.id, ...input }, content);
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
			createFilled(
				event,
				{ title: a.title, periodStart: a.periodStart, periodEnd: a.periodEnd, templateKey: proposal.templateKey },
				proposal.content
			)
		);
		if (!res.ok) return res.failure;
		redirect(303, `/spaser/${res.value.id}`);
	},

	/** « Choisir un modèle »: one of the templates as it is, with target years placed in the period. */
	template: async (event) => {
		const parsed = await parseForm(event.request, templateInput);
		if (parsed.failure)
			return fail(400, {
				...parsed.failure.data,
				intent: 'template',
				values: { ...parsed.failure.data.values, intent: 'template' }
			});
		const t = parsed.data;
		const key = t.templateKey as TemplateKey;
		const content = buildTemplate(key, { periodStart: t.periodStart, periodEnd: t.periodEnd });
		const res = await runAction({ ...parsed.raw, intent: 'template' }, () =>
			createFilled(
				event,
				{ title: t.title, periodStart: t.periodStart, periodEnd: t.periodEnd, templateKey: key },
				content
			)
		);
		if (!res.ok) return res.failure;
		redirect(303, `/spaser/${res.value.id}`);
	}
};
