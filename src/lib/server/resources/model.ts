// The rows of shared resources as the services read them, the SQL that selects them, and their page paths.
import type { Tx } from '../db';
import { AppError } from '$lib/server/kit/errors';
import { KIND_PATHS, type ResourceKind } from '$lib/resources/labels';
import type { ResourceInput, RexResult } from './input';
import { cpvLabel } from './cpv';

export const resourcePath = (kind: ResourceKind, id: string) => `/ressources/${KIND_PATHS[kind]}/${id}`;

export interface ResourceRow {
	id: string;
	kind: ResourceKind;
	/** Null when the author anonymised the resource and the reader is not a member of its collectivité. */
	org_id: string | null;
	title: string;
	summary: string;
	body: string;
	family: string;
	mechanism: string | null;
	segments: string[];
	cpv_codes: string[];
	legal_refs: string;
	parameters: Record<string, number | string>;
	legal_checked_on: string | null;
	licence: string;
	visibility: 'private' | 'network' | 'public';
	national_reference: boolean;
	reliability: 'collectivite' | 'reseau' | 'national';
	source_id: string | null;
	usage_count: number;
	version: number;
	year: number | null;
	procedure: string | null;
	amount_band: string | null;
	context: string;
	actions: string;
	results: RexResult[];
	difficulties: string;
	lessons: string;
	linked_clause_ids: string[];
	anonymised: boolean;
	contact_name: string | null;
	contact_email: string | null;
	created_at: string;
	updated_at: string;
}

export interface ResourceDetail extends ResourceRow {
	org_name: string | null;
	can_edit: boolean;
	can_review_networks: string[];
	is_favourite: boolean;
	my_usage: { worked: string; not_worked: string } | null;
	source: { id: string; kind: ResourceKind; title: string } | null;
	shares: {
		network_id: string;
		network_name: string;
		status: string;
		comment: string | null;
		decided_at: string | null;
	}[];
	events: {
		network_name: string;
		action: string;
		comment: string | null;
		actor_name: string | null;
		created_at: string;
	}[];
	versions: { version: number; created_at: string; author: string | null }[];
	attachments: { id: string; filename: string; mime: string; byte_size: number; created_at: string }[];
	feedback: { worked: string; not_worked: string; org_name: string | null; created_at: string }[];
	linked_clauses: { id: string; title: string }[];
	cpv: { code: string; label: string }[];
	share_networks: { id: string; name: string }[];
}

// The author's identity (collectivité, contact) comes from app.resource_authors, which hides it from everyone but
// the members of the collectivité when the resource is anonymised; the API roles cannot select those columns.
export const COLS = `r.id, r.kind, a.org_id, r.title, r.summary, r.body, r.family, r.mechanism, r.segments, r.cpv_codes, r.legal_refs,
  r.parameters, r.legal_checked_on::text as legal_checked_on, r.licence, r.visibility, r.national_reference, r.reliability,
  r.source_id, r.usage_count, r.version, r.year, r.procedure, r.amount_band,
  r.context, r.actions, r.results, r.difficulties, r.lessons, r.linked_clause_ids, r.anonymised, a.contact_name,
  a.contact_email, r.created_at, r.updated_at`;

/** FROM clause for COLS over the rows whose ids are `$ids` (an expression giving uuid[]). */
export const fromAuthors = (ids: string) =>
	`public.resources r left join app.resource_authors(${ids}) a on a.resource_id = r.id`;

export function toParams(input: ResourceInput) {
	return [
		input.title,
		input.summary,
		input.body,
		input.family,
		input.mechanism,
		input.segments,
		input.cpvCodes,
		input.legalRefs,
		JSON.stringify(input.parameters ?? {}),
		input.legalCheckedOn,
		input.licence,
		input.visibility,
		input.kind === 'rex' ? input.year : null,
		input.kind === 'rex' ? input.procedure || null : null,
		input.kind === 'rex' ? input.amountBand : null,
		input.context,
		input.actions,
		JSON.stringify(input.results ?? []),
		input.difficulties,
		input.lessons,
		input.kind === 'rex' ? input.linkedClauseIds : [],
		input.anonymised,
		input.contactName || null,
		input.contactEmail
	];
}

export function checkCpv(codes: string[]) {
	for (const c of codes)
		if (!cpvLabel(c))
			throw new AppError('invalid_cpv', `Le code CPV ${c} n'existe pas dans la nomenclature CPV 2008.`, 400, {
				field: 'cpvCodes'
			});
}

/** Networks a collectivité is an approved member of (where it may share). */
export async function orgNetworks(tx: Tx, orgId: string) {
	return tx.query<{ id: string; name: string }>(
		`select n.id, n.name from public.networks n where app.org_in_network($1, n.id) order by n.name`,
		[orgId]
	);
}
