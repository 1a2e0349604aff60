import { error } from '@sveltejs/kit';

/** An error whose message is French and safe to show to the user; `code` is stable for the API. */
export class AppError extends Error {
	constructor(
		public code: string,
		message: string,
		public status = 400,
		public details?: Record<string, unknown>
	) {
		super(message);
		this.name = 'AppError';
	}
}

export const notFound = (what = 'Cette page') =>
	new AppError('not_found', `${what} n'existe pas ou vous n'y avez pas accès.`, 404);
export const forbidden = (msg = "Vous n'avez pas les droits nécessaires pour cette action.") =>
	new AppError('forbidden', msg, 403);

/** The account's address is not verified yet: it may only verify it (see /verifier-email/envoye). */
export const unverified = () =>
	new AppError(
		'email_not_verified',
		'Confirmez d’abord votre adresse e-mail : ouvrez le lien reçu à l’inscription (vous pouvez en demander un nouveau).',
		403
	);
export const invalidText = () =>
	new AppError(
		'invalid_text',
		'Le texte envoyé contient des caractères non valables (caractère nul, caractère de contrôle ou encodage incorrect).',
		400
	);

/** Maps Postgres errors raised by constraints, RLS and our triggers to French messages. */
export function fromDbError(e: unknown): AppError | null {
	const err = e as { code?: string; message?: string; constraint_name?: string; constraint?: string };
	const msg = err?.message ?? '';
	if (err?.code === '42501' && msg.includes('email_not_verified')) return unverified();
	if (err?.code === '42501' || /row-level security/.test(msg)) return forbidden();
	// Text the database cannot store (a NUL byte, invalid UTF-8) that slipped past the input guard: a 400, never a 500.
	if (err?.code === '22021' || err?.code === '22P05' || (err?.code === '22P02' && /\\u0000/.test(msg)))
		return invalidText();
	if (err?.code === 'P0001') {
		const known: Record<string, string> = {
			last_admin:
				'Une collectivité doit garder au moins un administrateur : nommez un autre administrateur avant de partir.',
			invitation_invalid: "Cette invitation n'est pas valable (lien erroné ou invitation annulée).",
			invitation_used: 'Cette invitation a déjà été utilisée.',
			invitation_expired: "Cette invitation a expiré : demandez à l'administrateur de vous en envoyer une nouvelle.",
			invitation_other_email:
				"Cette invitation a été envoyée à une autre adresse e-mail : connectez-vous avec l'adresse invitée.",
			email_not_verified: "Vérifiez d'abord votre adresse e-mail (lien reçu à l'inscription).",
			reason_required: 'Indiquez le motif du refus.',
			validated_org_frozen:
				"Cette collectivité est validée\u00a0: son type, sa région, son département et sa population ne peuvent plus être modifiés ici (ils la placent dans les groupes de comparaison). Pour corriger, écrivez à l'administration de la plateforme.",
			not_a_member: "Cette personne n'est pas membre de la collectivité.",
			transition_not_allowed: "Cette demande ne peut plus changer d'état.",
			session_not_started:
				"La séance n'a pas encore commencé : le compte-rendu, « Séance tenue » ou l'absence s'indiquent une fois la séance commencée."
		};
		for (const [k, v] of Object.entries(known)) if (msg.includes(k)) return new AppError(k, v, 409);
	}
	if (err?.code === '23505')
		return new AppError('conflict', 'Cet élément existe déjà.', 409, {
			constraint: err.constraint_name ?? err.constraint
		});
	if (err?.code === '23514' || err?.code === '22P02' || err?.code === '23502')
		return new AppError('invalid', 'Certaines valeurs ne sont pas valables.', 400);
	return null;
}

export function toAppError(e: unknown): AppError {
	if (e instanceof AppError) return e;
	return (
		fromDbError(e) ?? new AppError('internal', 'Une erreur inattendue est survenue. Réessayez dans un instant.', 500)
	);
}

/**
 * Services: runs a query (or a chain of them) and turns what the database refused (RLS, constraints, our
 * triggers) into an AppError with its French message. Every service wraps its SQL in it; a capability whose
 * SQL functions raise their own codes passes its mapping as `known` (see events/access.ts).
 */
export async function guard<T>(p: Promise<T>, known?: (e: unknown) => AppError | null): Promise<T> {
	try {
		return await p;
	} catch (e) {
		// `known`: a capability's own refusals (the exceptions of its security-definer functions), tried first.
		throw (e instanceof AppError ? null : known?.(e)) ?? toAppError(e);
	}
}

/**
 * Page loads and `+server` endpoints: turns a service error (404 for what RLS hides, 403, 409…) into a SvelteKit
 * HTTP error with its French message. Known database refusals are mapped like `guard` does; anything else is
 * rethrown untouched, so that handleError logs it and shows the generic message. SvelteKit's own redirects and
 * HTTP errors pass through.
 */
export async function orHttpError<T>(p: Promise<T>): Promise<T> {
	try {
		return await p;
	} catch (e) {
		const known = e instanceof AppError ? e : fromDbError(e);
		if (known) error(known.status, { message: known.message, code: known.code });
		throw e;
	}
}
