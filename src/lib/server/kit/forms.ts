import { fail, redirect, type RequestEvent } from '@sveltejs/kit';
import type { z } from 'zod';
import { fieldErrors, formToObject } from '$lib/server/kit/input';
import { AppError, invalidText, toAppError } from './errors';
import { findBadString } from '../input-guard';
import { log } from './log';

/** Values echoed back to the form so nothing the user typed is lost (passwords never echoed). */
function echo(raw: Record<string, unknown>) {
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(raw)) if (!/password|token/i.test(k)) out[k] = v;
	return out;
}

/**
 * Parses a form with a zod schema. On failure returns SvelteKit `fail(400, { values, errors, message })`
 * with French messages; on success `{ data, raw }`.
 */
export async function parseForm<S extends z.ZodType>(request: Request, schema: S) {
	const form = await request.formData();
	const raw = formToObject(form);
	// (the hooks refuse such bodies already: this names the field when a form is parsed outside a request)
	const bad = findBadString(raw);
	if (bad)
		return {
			failure: fail(400, {
				values: echo(raw),
				errors: { [bad.split('.')[0]]: invalidText().message },
				message: invalidText().message
			}),
			form,
			raw
		} as const;
	const parsed = schema.safeParse(raw);
	if (!parsed.success) {
		return {
			failure: fail(400, {
				values: echo(raw),
				errors: fieldErrors(parsed.error),
				message: 'Le formulaire contient des erreurs : corrigez les champs signalés.'
			}),
			form,
			raw
		} as const;
	}
	return { data: parsed.data as z.infer<S>, form, raw, failure: null } as const;
}

/** Runs a service call for a form action; AppErrors become `fail(status, { message, errors, values })`. */
export async function runAction<T>(raw: Record<string, unknown>, fn: () => Promise<T>) {
	try {
		return { ok: true as const, value: await fn() };
	} catch (e) {
		if (isRedirect(e)) throw e;
		const err = toAppError(e);
		// 503: the file workers are busy (a known, temporary state, said as such), not a crash.
		if (err.status >= 500 && err.status !== 503)
			log.error('action failed', { error: String((e as Error)?.stack ?? e) });
		const field = typeof err.details?.field === 'string' ? err.details.field : null;
		return {
			ok: false as const,
			failure: fail(err.status >= 500 && err.status !== 503 ? 500 : err.status, {
				values: echo(raw),
				errors: field ? { [field]: err.message } : {},
				message: err.message,
				code: err.code
			})
		};
	}
}

function isRedirect(e: unknown) {
	return typeof e === 'object' && e !== null && 'status' in e && 'location' in e;
}

/** Redirects anonymous visitors to the login page, remembering where they wanted to go. */
export function requireUser(event: Pick<RequestEvent, 'locals' | 'url'>) {
	const user = event.locals.user;
	if (!user) redirect(303, `/connexion?redirect=${encodeURIComponent(event.url.pathname + event.url.search)}`);
	return user;
}

export { AppError };
