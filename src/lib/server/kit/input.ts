import { z } from 'zod';

// French default messages for every check that does not carry its own message.
z.config(z.locales.fr());

export const email = z
	.string({ error: 'Indiquez une adresse e-mail.' })
	.trim()
	.toLowerCase()
	.max(254, { error: "L'adresse e-mail est trop longue." })
	.pipe(z.email({ error: "Cette adresse e-mail n'est pas valable." }));

export const uuid = z.uuid({ error: 'Identifiant invalide.' });

/** Turns a zod error into { field: message } for forms and API details. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
	const out: Record<string, string> = {};
	for (const issue of error.issues) {
		const key = issue.path.join('.') || '_';
		out[key] ??= issue.message;
	}
	return out;
}

/** Reads a form into a plain object (empty strings become undefined). */
export function formToObject(data: FormData): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [k, v] of data.entries()) {
		if (typeof v !== 'string') continue;
		const value = v.trim() === '' ? undefined : v;
		if (k.endsWith('[]')) ((out[k.slice(0, -2)] ??= []) as unknown[]).push(v);
		else out[k] = value;
	}
	return out;
}
