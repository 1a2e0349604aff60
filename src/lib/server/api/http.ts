/** HTTP helpers of the JSON API: responses, errors and value conversions shared by every endpoint. */
import { z } from 'zod';
import { fieldErrors } from '$lib/server/kit/input';
import { AppError } from '$lib/server/kit/errors';

export const API_PREFIX = '/api/v1';
/** Larger bodies are refused with 413 (the API takes small JSON documents; files have their own routes). */
export const MAX_BODY_BYTES = 1_000_000;

const BASE_HEADERS: Record<string, string> = {
	'cache-control': 'no-store',
	'content-type': 'application/json; charset=utf-8',
	'x-content-type-options': 'nosniff'
};

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
	return new Response(status === 204 ? null : JSON.stringify(body), {
		status,
		headers: status === 204 ? { 'cache-control': 'no-store', ...headers } : { ...BASE_HEADERS, ...headers }
	});
}

/** The JSON error body every endpoint returns: `{ error: { code, message, details? } }`. */
export function errorResponse(err: AppError, headers: Record<string, string> = {}): Response {
	const body: { error: { code: string; message: string; details?: Record<string, unknown> } } = {
		error: { code: err.code, message: err.message }
	};
	const details: Record<string, unknown> = { ...(err.details ?? {}) };
	// Service errors name the faulty form field ({ field: 'siren' }): expose it the same way validation does.
	if (typeof details.field === 'string' && !details.fields) details.fields = { [details.field]: err.message };
	if (Object.keys(details).length) body.error.details = details;
	// 429/503 of the file workers: when to try again.
	if (typeof details.retryAfter === 'number') headers = { 'retry-after': String(details.retryAfter), ...headers };
	return jsonResponse(body, err.status, headers);
}

export const apiErrors = {
	unauthenticated: (
		message = "Authentifiez-vous avec un jeton d'accès personnel : en-tête « Authorization: Bearer spc_… ». Les cookies de session ne sont pas acceptés par l'API."
	) => new AppError('unauthenticated', message, 401),
	invalidToken: () =>
		new AppError(
			'unauthenticated',
			"Ce jeton d'accès n'est pas valable : il est inconnu, expiré ou révoqué. Créez-en un nouveau depuis votre compte.",
			401
		),
	insufficientScope: (scope: string) =>
		new AppError(
			'insufficient_scope',
			`Ce jeton n'a pas la permission «\u00a0${scope}\u00a0» nécessaire à cette opération. Créez un jeton avec cette permission depuis votre compte.`,
			403,
			{ requiredScope: scope }
		),
	invalid: (
		fields: Record<string, string>,
		message = 'La requête contient des valeurs non valables : corrigez les champs signalés.'
	) => new AppError('invalid', message, 400, { fields }),
	invalidJson: () => new AppError('invalid_json', "Le corps de la requête n'est pas un JSON valable.", 400),
	unsupportedMediaType: () =>
		new AppError(
			'unsupported_media_type',
			'Le corps de la requête doit être au format JSON (en-tête « Content-Type: application/json »).',
			415
		),
	payloadTooLarge: () =>
		new AppError('payload_too_large', 'Le corps de la requête est trop volumineux (1 Mo au plus).', 413),
	routeNotFound: () =>
		new AppError(
			'not_found',
			"Ce point d'accès n'existe pas. La liste des points d'accès est dans /api/v1/openapi.json.",
			404
		),
	methodNotAllowed: (allowed: string[]) =>
		new AppError(
			'method_not_allowed',
			`Méthode non prise en charge pour ce point d'accès (méthodes acceptées\u00a0: ${allowed.join(', ')}).`,
			405
		),
	internal: () =>
		new AppError(
			'internal',
			'Une erreur inattendue est survenue. Réessayez dans un instant ; si le problème persiste, contactez le support de la plateforme.',
			500
		)
};

/** Validates with French messages (the schemas' own messages first, zod's French locale for the rest). */
const fr = z.locales.fr();
export function validate<S extends z.ZodType>(
	schema: S,
	value: unknown
): { ok: true; data: z.output<S> } | { ok: false; fields: Record<string, string> } {
	const parsed = schema.safeParse(value, { error: fr.localeError });
	if (parsed.success) return { ok: true, data: parsed.data };
	return { ok: false, fields: fieldErrors(parsed.error) };
}

/** ISO 8601 from what the database drivers return (Date, or a string for some types). */
export function iso(value: Date | string): string;
export function iso(value: Date | string | null | undefined): string | null;
export function iso(value: Date | string | null | undefined): string | null {
	if (value === null || value === undefined) return null;
	return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** numeric columns come back as strings from the drivers. */
export function num(value: number | string | null | undefined): number | null {
	if (value === null || value === undefined) return null;
	const n = typeof value === 'number' ? value : Number(value);
	return Number.isFinite(n) ? n : null;
}

export function isJsonContentType(header: string | null): boolean {
	if (!header) return false;
	const type = header.split(';')[0].trim().toLowerCase();
	return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}
