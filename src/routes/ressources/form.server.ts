// Parsing and echoing of the clause/REX form, shared by the create and edit pages.
import { fail } from '@sveltejs/kit';
import { fieldErrors, formToObject } from '$lib/server/kit/input';
import { resourceFromForm, resultsToLines, type ResourceInput } from '$lib/server/resources/input';
import type { ResourceRow } from '$lib/server/resources/model';

export async function parseResourceForm(request: Request) {
	const raw = formToObject(await request.formData());
	const parsed = resourceFromForm(raw);
	if (parsed.success) return { data: parsed.data as ResourceInput, raw, failure: null } as const;
	const errors = 'errors' in parsed && parsed.errors ? parsed.errors : fieldErrors(parsed.error!);
	return {
		data: null,
		raw,
		failure: fail(400, {
			values: raw,
			errors,
			message: 'Le formulaire contient des erreurs : corrigez les champs signalés.'
		})
	} as const;
}

export function storedValues(r: ResourceRow): Record<string, unknown> {
	return {
		kind: r.kind,
		title: r.title,
		summary: r.summary,
		body: r.body,
		family: r.family,
		mechanism: r.mechanism ?? '',
		segments: r.segments,
		cpvCodes: r.cpv_codes.join(', '),
		legalRefs: r.legal_refs,
		legalCheckedOn: r.legal_checked_on ?? '',
		licence: r.licence,
		visibility: r.visibility,
		parametersText: Object.entries(r.parameters ?? {})
			.map(([k, v]) => `${k} = ${v}`)
			.join('\n'),
		year: r.year ?? '',
		procedure: r.procedure ?? '',
		amountBand: r.amount_band ?? '',
		context: r.context,
		actions: r.actions,
		resultsText: resultsToLines(r.results ?? []),
		difficulties: r.difficulties,
		lessons: r.lessons,
		linkedClauseIds: r.linked_clause_ids.join(', '),
		anonymised: r.anonymised,
		contactName: r.contact_name ?? '',
		contactEmail: r.contact_email ?? ''
	};
}
