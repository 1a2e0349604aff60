/**
 * Shared resources endpoints: search (with facets), read, create, update and bulk import of clause models and
 * REX. Everything goes through the resources services under the caller's rights (row-level security decides:
 * anonymous callers see public items only).
 */
import { z } from 'zod';
import { apiOutput } from '$lib/server/api/schemas';
import {
	importInput,
	resourceCreate,
	resourceIdParams,
	resourceUpdate,
	searchParamsSchema
} from '../../resources/input';
import { createResource, getResource, updateResource } from '../../resources/editing';
import { searchResources } from '../../resources/search';
import { type ResourceDetail } from '../../resources/model';
import { importResources, recordsFromFile } from '../../resources/io';
import { ApiResult, defineEndpoint } from '../registry';
import { API_PREFIX } from '../http';

const tags = ['Ressources (clauses et REX)'];
const idParams = resourceIdParams;

const resultSchema = z.object({ label: z.string(), value: z.number(), unit: z.string() });

export const resourceSchema = apiOutput(
	z.object({
		id: z.uuid(),
		kind: z.enum(['clause', 'rex']).describe('clause : modèle de clause ; rex : retour d’expérience.'),
		title: z.string(),
		summary: z.string(),
		body: z.string(),
		family: z.string(),
		mechanism: z.string().nullable(),
		segments: z.array(z.string()),
		cpvCodes: z.array(z.object({ code: z.string(), label: z.string() })),
		legalRefs: z.string(),
		legalCheckedOn: z.string().nullable(),
		licence: z.string(),
		parameters: z.record(z.string(), z.union([z.number(), z.string()])),
		visibility: z.enum(['private', 'network', 'public']),
		reliability: z.enum(['collectivite', 'reseau', 'national']),
		organisation: z.string().nullable().describe('Nom de la collectivité auteure (null si le REX est anonymisé).'),
		version: z.number().int(),
		usageCount: z.number().int(),
		sourceId: z.uuid().nullable(),
		shares: z.array(
			z.object({ networkId: z.uuid(), networkName: z.string(), status: z.string(), comment: z.string().nullable() })
		),
		year: z.number().int().nullable(),
		procedure: z.string().nullable(),
		amountBand: z.string().nullable(),
		context: z.string(),
		actions: z.string(),
		results: z.array(resultSchema),
		difficulties: z.string(),
		lessons: z.string(),
		linkedClauseIds: z.array(z.uuid()),
		attachments: z.array(
			z.object({ id: z.uuid(), filename: z.string(), mime: z.string(), size: z.number().int(), url: z.string() })
		),
		createdAt: z.string(),
		updatedAt: z.string()
	}),
	'Resource',
	'Un modèle de clause ou un retour d’expérience.'
);

export const resourceSearchSchema = apiOutput(
	z.object({
		total: z.number().int(),
		page: z.number().int(),
		pageSize: z.number().int(),
		items: z.array(
			z.object({
				id: z.uuid(),
				kind: z.enum(['clause', 'rex']),
				title: z.string(),
				summary: z.string(),
				family: z.string(),
				mechanism: z.string().nullable(),
				segments: z.array(z.string()),
				reliability: z.string(),
				year: z.number().int().nullable(),
				usageCount: z.number().int(),
				organisation: z.string().nullable(),
				snippet: z.string().describe('Extrait échappé en HTML, mots trouvés entre <mark> et </mark>.'),
				updatedAt: z.string()
			})
		),
		facets: z.object({
			kind: z.record(z.string(), z.number()),
			family: z.record(z.string(), z.number()),
			mechanism: z.record(z.string(), z.number()),
			segment: z.record(z.string(), z.number()),
			cpv: z.record(z.string(), z.number()).describe('Par division CPV (deux premiers chiffres).'),
			network: z.array(z.object({ id: z.string(), name: z.string(), count: z.number() })),
			reliability: z.record(z.string(), z.number()),
			year: z.record(z.string(), z.number())
		})
	}),
	'ResourceSearchResult',
	'Résultats d’une recherche plein texte en français, avec les facettes calculées sur tous les résultats visibles.'
);

export const importReportSchema = apiOutput(
	z.object({
		imported: z.number().int(),
		refused: z.number().int(),
		rows: z.array(
			z.object({
				row: z.number().int(),
				title: z.string(),
				status: z.enum(['imported', 'refused']),
				id: z.uuid().optional(),
				reasons: z.array(z.string())
			})
		)
	}),
	'ResourceImportReport',
	'Le rapport ligne par ligne d’un import.'
);

function dto(r: ResourceDetail) {
	return {
		id: r.id,
		kind: r.kind,
		title: r.title,
		summary: r.summary,
		body: r.body,
		family: r.family,
		mechanism: r.mechanism,
		segments: r.segments,
		cpvCodes: r.cpv,
		legalRefs: r.legal_refs,
		legalCheckedOn: r.legal_checked_on,
		licence: r.licence,
		parameters: r.parameters ?? {},
		visibility: r.visibility,
		reliability: r.reliability,
		organisation: r.org_name,
		version: r.version,
		usageCount: r.usage_count,
		sourceId: r.source_id,
		shares: r.shares.map((s) => ({
			networkId: s.network_id,
			networkName: s.network_name,
			status: s.status,
			comment: s.comment
		})),
		year: r.year,
		procedure: r.procedure,
		amountBand: r.amount_band,
		context: r.context,
		actions: r.actions,
		results: r.results ?? [],
		difficulties: r.difficulties,
		lessons: r.lessons,
		linkedClauseIds: r.linked_clause_ids,
		attachments: r.attachments.map((a) => ({
			id: a.id,
			filename: a.filename,
			mime: a.mime,
			size: a.byte_size,
			url: `/ressources/pieces/${a.id}`
		})),
		createdAt: new Date(r.created_at).toISOString(),
		updatedAt: new Date(r.updated_at).toISOString()
	};
}

export const resourceEndpoints = [
	defineEndpoint({
		method: 'GET',
		path: '/resources',
		operationId: 'searchResources',
		summary: 'Rechercher des clauses et REX',
		description:
			'Recherche plein texte en français (racines des mots, accents ignorés, syntaxe « guillemets », OR, -mot) sur les titres, textes et pièces jointes, avec filtres et facettes. Sans jeton, seules les ressources publiques sont visibles.',
		tags,
		scope: 'public',
		query: searchParamsSchema,
		response: resourceSearchSchema,
		handler: async ({ db, actor, query }) => {
			const res = await searchResources(db, actor, query);
			return {
				total: res.total,
				page: res.page,
				pageSize: res.pageSize,
				facets: res.facets,
				items: res.items.map((i) => ({
					id: i.id,
					kind: i.kind,
					title: i.title,
					summary: i.summary,
					family: i.family,
					mechanism: i.mechanism,
					segments: i.segments,
					reliability: i.reliability,
					year: i.year,
					usageCount: i.usage_count,
					organisation: i.org_name,
					snippet: i.snippet,
					updatedAt: new Date(i.updated_at).toISOString()
				}))
			};
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/resources/{id}',
		operationId: 'getResource',
		summary: 'Lire une clause ou un REX',
		tags,
		scope: 'public',
		params: idParams,
		response: resourceSchema,
		handler: async ({ db, actor, params }) => dto(await getResource(db, actor, params.id))
	}),
	defineEndpoint({
		method: 'POST',
		path: '/resources',
		operationId: 'createResource',
		summary: 'Créer une clause ou un REX',
		tags,
		scope: 'write',
		body: resourceCreate,
		response: resourceSchema,
		status: 201,
		errors: [409],
		handler: async ({ db, actor, body }) => {
			const id = await createResource(db, actor!, body.orgId, body.resource);
			return new ApiResult(dto(await getResource(db, actor, id)), 201, { location: `${API_PREFIX}/resources/${id}` });
		}
	}),
	defineEndpoint({
		method: 'PUT',
		path: '/resources/{id}',
		operationId: 'updateResource',
		summary: 'Modifier une clause ou un REX',
		description: 'Remplace le contenu et crée une version. Une ressource validée par un réseau repart en relecture.',
		tags,
		scope: 'write',
		params: idParams,
		body: resourceUpdate,
		response: resourceSchema,
		handler: async ({ db, actor, params, body }) => {
			await updateResource(db, actor!, params.id, body);
			return dto(await getResource(db, actor, params.id));
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/resources/import',
		operationId: 'importResources',
		summary: 'Importer des clauses en masse (JSON ou CSV)',
		tags,
		scope: 'write',
		body: importInput,
		response: importReportSchema,
		handler: async ({ db, actor, body }) => {
			const records = body.csv
				? recordsFromFile('import.csv', body.csv)
				: recordsFromFile('import.json', JSON.stringify(body.items));
			return importResources(db, actor!, body.orgId, records);
		}
	})
];
