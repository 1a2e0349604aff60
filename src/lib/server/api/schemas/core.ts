/**
 * Schemas of the public JSON API (/api/v1): the response bodies, plus the request bodies specific to the API.
 * The OpenAPI document is generated from these same schemas (z.toJSONSchema), so what is documented is what
 * the server validates and returns.
 *
 * Every schema used as a request or response body must be registered under a stable name with `apiInput` or
 * `apiOutput`: the name becomes `#/components/schemas/<name>` in the document.
 */
import { z } from 'zod';

export interface ApiSchemaMeta {
	id: string;
	description?: string;
}

/** Request bodies, documented as they are sent (before transforms and defaults). */
export const apiInputSchemas = z.registry<ApiSchemaMeta>();
/** Response bodies, documented as they are returned. */
export const apiOutputSchemas = z.registry<ApiSchemaMeta>();

/** Registers a request body schema under `id` and returns it unchanged. */
export function apiInput<S extends z.ZodType>(schema: S, id: string, description?: string): S {
	apiInputSchemas.add(schema, { id, description });
	return schema;
}

/** Registers a response body schema under `id` and returns it unchanged. */
export function apiOutput<S extends z.ZodType>(schema: S, id: string, description?: string): S {
	apiOutputSchemas.add(schema, { id, description });
	return schema;
}

export const isoDate = z.iso.datetime().describe('Date et heure ISO 8601 (UTC).');
export const id = z.uuid().describe('Identifiant (UUID).');
export const calendarDate = z.iso
	.date({ error: 'La date doit être au format AAAA-MM-JJ.' })
	.describe('Date ISO 8601 (AAAA-MM-JJ).');
export const role = z
	.enum(['admin', 'editor', 'viewer'])
	.describe('Rôle dans la collectivité : admin, editor (rédacteur) ou viewer (lecteur).');

/** Wraps a list: `{ items: [...] }` (room for pagination fields later). */
export function listOf<S extends z.ZodType>(item: S) {
	return z.object({ items: z.array(item) });
}

// ---------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------
export const apiErrorSchema = apiOutput(
	z.object({
		error: z.object({
			code: z
				.string()
				.describe('Code stable, en anglais (unauthenticated, insufficient_scope, invalid, not_found, conflict…).'),
			message: z.string().describe('Message en français, destiné à une personne.'),
			details: z
				.object({
					fields: z
						.record(z.string(), z.string())
						.optional()
						.describe('Pour les erreurs de validation : message par champ (chemin pointé, par exemple « siren »).')
				})
				.catchall(z.unknown())
				.optional()
		})
	}),
	'Error',
	'Erreur renvoyée par tous les points d’accès.'
);
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

// ---------------------------------------------------------------------------------------------------------
// Documentation
// ---------------------------------------------------------------------------------------------------------
export const openApiDocumentSchema = apiOutput(
	z
		.object({
			openapi: z.string(),
			info: z.object({ title: z.string(), version: z.string() }).loose(),
			paths: z.record(z.string(), z.unknown())
		})
		.loose(),
	'OpenApiDocument',
	'Le présent document OpenAPI 3.1.'
);
