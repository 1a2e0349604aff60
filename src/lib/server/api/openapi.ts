/**
 * Generates the OpenAPI 3.1 document from the endpoint registry and the zod schemas (z.toJSONSchema, JSON
 * Schema 2020-12, the dialect of OpenAPI 3.1). Named schemas become `#/components/schemas/<name>`.
 */
import { z } from 'zod';
import {
	apiInputSchemas,
	apiOutputSchemas,
	type ApiSchemaMeta,
	type openApiDocumentSchema
} from '$lib/server/api/schemas';
import { API_PREFIX } from './http';
import type { Endpoint } from './registry';

type Json = Record<string, unknown>;
export type OpenApiDocument = z.output<typeof openApiDocumentSchema> & Json;

const SCHEMA_REF = (id: string) => `#/components/schemas/${id}`;

/** Formats say it all: drop zod's long regexes next to them, and the per-schema $schema/$id. */
function clean(ctx: { jsonSchema: Json }) {
	const s = ctx.jsonSchema;
	if (typeof s.format === 'string' && ['uuid', 'date-time', 'email'].includes(s.format)) delete s.pattern;
}

function strip(schema: Json): Json {
	const { $schema: _s, $id: _i, ...rest } = schema;
	return rest;
}

function componentSchemas(registry: z.core.$ZodRegistry<ApiSchemaMeta>, io: 'input' | 'output'): Record<string, Json> {
	const { schemas } = z.toJSONSchema(registry, { io, uri: SCHEMA_REF, override: clean, unrepresentable: 'any' }) as {
		schemas: Record<string, Json>;
	};
	const out: Record<string, Json> = {};
	for (const [id, schema] of Object.entries(schemas)) out[id] = strip(schema);
	// Attach the registry descriptions to the named schemas.
	for (const [id, schema] of Object.entries(out)) {
		const meta = findMeta(registry, id);
		if (meta?.description && !schema.description) schema.description = meta.description;
	}
	return out;
}

function findMeta(registry: z.core.$ZodRegistry<ApiSchemaMeta>, id: string): ApiSchemaMeta | undefined {
	const schema = registry._idmap.get(id);
	return schema ? registry.get(schema) : undefined;
}

function inlineSchema(schema: z.ZodType): Json {
	return strip(z.toJSONSchema(schema, { io: 'input', override: clean, unrepresentable: 'any' }) as Json);
}

function refFor(registry: z.core.$ZodRegistry<ApiSchemaMeta>, schema: z.ZodType, where: string): Json {
	const meta = registry.get(schema);
	if (!meta?.id)
		throw new Error(
			`OpenAPI: the ${where} schema is not registered (use apiInput/apiOutput in src/lib/server/api/schemas)`
		);
	return { $ref: SCHEMA_REF(meta.id) };
}

const ERROR_RESPONSES: Record<number, { name: string; description: string }> = {
	400: {
		name: 'BadRequest',
		description: 'Requête non valable : `invalid` (détail par champ dans `details.fields`) ou `invalid_json`.'
	},
	401: { name: 'Unauthenticated', description: 'Jeton absent, inconnu, expiré ou révoqué (`unauthenticated`).' },
	403: {
		name: 'Forbidden',
		description:
			'Jeton sans la permission requise (`insufficient_scope`) ou action non autorisée pour vous (`forbidden`).'
	},
	404: { name: 'NotFound', description: 'Élément inexistant ou qui ne vous est pas visible (`not_found`).' },
	409: {
		name: 'Conflict',
		description: "Conflit avec l'état actuel (élément déjà existant, demande déjà traitée, dernier administrateur…)."
	},
	413: {
		name: 'PayloadTooLarge',
		description:
			'Corps de requête trop volumineux (1 Mo au plus), ou fichier trop volumineux une fois décompressé (`file_too_large` : document Office ou archive dont le contenu dépasse les limites).'
	},
	415: {
		name: 'UnsupportedMediaType',
		description:
			'Le corps de la requête doit être du JSON (`Content-Type: application/json`) ; pour un import, un fichier dont le contenu n’est pas du type attendu (`invalid_file_type` : page web, programme, PDF ou archive sous un nom .csv, .json, .xml ou .docx…) ou d’un type non lu (`unsupported_file`).'
	},
	422: {
		name: 'UnprocessableFile',
		description:
			'Fichier trop complexe ou abîmé pour être lu sans risque (`file_too_complex`, `file_malformed`) : taux de compression anormal, trop de fichiers dans l’archive, archives imbriquées, XML trop profond ou trop long, déclaration DTD, lecture qui demande trop de mémoire ou de temps. Rien n’est enregistré.'
	},
	429: {
		name: 'TooManyRequests',
		description:
			'Trop de demandes en cours pour vous (`too_many_files` : vos fichiers précédents sont encore en cours de lecture) ; réessayez après le délai de l’en-tête `Retry-After`.'
	},
	503: {
		name: 'ServiceUnavailable',
		description:
			'Serveur momentanément occupé (`server_busy` : trop de fichiers en cours de lecture) ; réessayez après le délai de l’en-tête `Retry-After`.'
	},
	500: { name: 'InternalError', description: 'Erreur inattendue (`internal`), journalisée côté serveur.' }
};

const SCOPE_TEXT: Record<string, string> = {
	public: 'Accès public : aucun jeton nécessaire (avec un jeton valable, la réponse tient compte de vos droits).',
	read: 'Authentification : jeton d’accès personnel avec la permission « read ».',
	write: 'Authentification : jeton d’accès personnel avec la permission « write ».'
};

function errorStatuses(e: Endpoint): number[] {
	const set = new Set<number>([401, 500]);
	if (e.params || e.query || e.body) set.add(400);
	if (e.scope !== 'public') set.add(403);
	if (e.params) set.add(404);
	if (e.body) {
		set.add(413);
		set.add(415);
	}
	for (const s of e.errors ?? []) set.add(s);
	return [...set].sort((a, b) => a - b);
}

function operation(e: Endpoint): Json {
	const parameters: Json[] = [];
	if (e.params) {
		for (const [name, schema] of Object.entries(e.params.shape as Record<string, z.ZodType>))
			parameters.push({ name, in: 'path', required: true, schema: inlineSchema(schema) });
	}
	if (e.query) {
		const q = inlineSchema(e.query);
		const required = new Set((q.required as string[] | undefined) ?? []);
		for (const [name, schema] of Object.entries((q.properties as Record<string, Json>) ?? {}))
			parameters.push({ name, in: 'query', required: required.has(name), schema });
	}
	const status = e.status ?? (e.response ? 200 : 204);
	const responses: Json = {};
	responses[String(status)] = e.response
		? {
				description: 'Succès.',
				content: { 'application/json': { schema: refFor(apiOutputSchemas, e.response, `${e.operationId} response`) } }
			}
		: { description: 'Succès, sans contenu.' };
	if (e.produces?.length) {
		const ok = responses[String(status)] as Json;
		const content = (ok.content ??= {}) as Json;
		const headers: Json = {};
		for (const p of e.produces) {
			content[p.mediaType] = {
				schema: { type: 'string', format: 'binary', contentMediaType: p.mediaType, description: p.description }
			};
			for (const [name, description] of Object.entries(p.headers ?? {}))
				headers[name] = { description, schema: { type: 'string' } };
		}
		ok.description = ['Succès.', ...e.produces.map((p) => p.description)].join(' ');
		if (Object.keys(headers).length) ok.headers = headers;
	}
	for (const s of errorStatuses(e)) {
		const known = ERROR_RESPONSES[s];
		if (!known) throw new Error(`OpenAPI: ${e.operationId} declares an undocumented error status ${s}`);
		responses[String(s)] = { $ref: `#/components/responses/${known.name}` };
	}
	const op: Json = {
		operationId: e.operationId,
		summary: e.summary,
		description: [e.description, SCOPE_TEXT[e.scope]].filter(Boolean).join('\n\n'),
		tags: e.tags,
		security: e.scope === 'public' ? [{}, { bearerAuth: [] }] : [{ bearerAuth: [e.scope] }],
		'x-required-scope': e.scope === 'public' ? null : e.scope,
		responses
	};
	if (parameters.length) op.parameters = parameters;
	if (e.body)
		op.requestBody = {
			required: true,
			content: { 'application/json': { schema: refFor(apiInputSchemas, e.body, `${e.operationId} body`) } }
		};
	return op;
}

const TAG_DESCRIPTIONS: Record<string, string> = {
	Compte: 'Votre compte et vos rattachements.',
	Collectivités: 'Collectivités (et autres acheteurs publics), leurs membres et invitations.',
	Réseaux: 'Réseaux régionaux, adhésions des collectivités et décisions des animateurs.',
	SPASER:
		'Schémas de promotion des achats socialement et écologiquement responsables : informations, éléments et cibles, versions, export et import.',
	Documentation: 'Description de l’API.'
};

export function buildOpenApiDocument(endpoints: Endpoint[], version = '1.0.0'): OpenApiDocument {
	const inputs = componentSchemas(apiInputSchemas, 'input');
	const outputs = componentSchemas(apiOutputSchemas, 'output');
	for (const id of Object.keys(inputs))
		if (id in outputs) throw new Error(`OpenAPI: schema name ${id} is used for both a body and a response`);

	const paths: Record<string, Json> = {};
	for (const e of endpoints) (paths[e.path] ??= {})[e.method.toLowerCase()] = operation(e);

	const usedTags = [...new Set(endpoints.flatMap((e) => e.tags))];
	const responses: Record<string, Json> = {};
	for (const { name, description } of Object.values(ERROR_RESPONSES))
		responses[name] = { description, content: { 'application/json': { schema: { $ref: SCHEMA_REF('Error') } } } };

	return {
		openapi: '3.1.0',
		jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
		info: {
			title: 'API SPASER Commun',
			version,
			summary: 'API JSON de la plateforme collaborative des acheteurs publics et de leurs réseaux.',
			description: [
				'Cette API donne accès, en JSON, aux mêmes données que le site, avec les mêmes droits : vous ne voyez et ne modifiez que ce que votre compte peut voir et modifier sur le site.',
				'**Authentification.** Créez un jeton d’accès personnel depuis la page « Mon compte » et envoyez-le dans l’en-tête `Authorization: Bearer spc_…`. Un jeton porte la permission `read` (lecture) et/ou `write` (modifications). Les cookies de session du site ne sont pas acceptés par l’API.',
				'**Erreurs.** Toute erreur renvoie `{ "error": { "code", "message", "details" } }` : `code` est stable (en anglais), `message` est en français ; pour une erreur de validation (`invalid`), `details.fields` donne un message par champ.',
				'**Formats.** Corps de requête en JSON (`Content-Type: application/json`), dates ISO 8601 en UTC, identifiants UUID. Les réponses ne sont jamais mises en cache (`Cache-Control: no-store`).'
			].join('\n\n'),
			contact: { name: 'SPASER Commun' }
		},
		servers: [{ url: API_PREFIX, description: 'Ce serveur' }],
		tags: usedTags.map((name) => ({
			name,
			...(TAG_DESCRIPTIONS[name] ? { description: TAG_DESCRIPTIONS[name] } : {})
		})),
		paths,
		components: {
			schemas: { ...inputs, ...outputs },
			responses,
			securitySchemes: {
				bearerAuth: {
					type: 'http',
					scheme: 'bearer',
					bearerFormat: 'spc_<identifiant>_<secret>',
					description:
						'Jeton d’accès personnel, créé depuis la page « Mon compte ». Permissions : `read` (lecture), `write` (modifications).'
				}
			}
		}
	};
}
