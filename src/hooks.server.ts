import { error, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { errorResponse } from '$lib/server/api/http';
import { AppError, unverified } from '$lib/server/kit/errors';
import { checkUrl, guardRequestBody } from '$lib/server/input-guard';
import { withOwnWebsocket } from '$lib/server/csp';
import { authenticateApiToken } from '$lib/server/auth/api-tokens';
import { SESSION_COOKIE, deleteSessionCookie, setSessionCookie, validateSessionToken } from '$lib/server/auth/session';
import { getDb } from '$lib/server/db';
import { startBackground } from '$lib/server/runtime';
import { log } from '$lib/server/kit/log';
import { config } from '$lib/server/kit/config';

export const init: ServerInit = async () => {
	const db = await getDb();
	await startBackground(db);
};

const requestLog: Handle = async ({ event, resolve }) => {
	const start = performance.now();
	event.locals.requestId = crypto.randomUUID();
	let response: Response;
	try {
		response = await resolve(event);
	} catch (e) {
		// an error thrown by a hook (e.g. 403 for an unverified account's form post) is still one line of the log
		const status = (e as { status?: number })?.status ?? 500;
		if (config.logRequests)
			log.info('request', {
				id: event.locals.requestId,
				method: event.request.method,
				path: event.url.pathname,
				status,
				user: event.locals.user?.id
			});
		throw e;
	}
	if (config.logRequests && !event.url.pathname.startsWith('/_app/'))
		log.info('request', {
			id: event.locals.requestId,
			method: event.request.method,
			path: event.url.pathname, // secret segments (invitations, calendar feeds) are masked by the logger
			status: response.status,
			ms: Math.round(performance.now() - start),
			user: event.locals.user?.id
		});
	return response;
};

const auth: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	event.locals.session = null;
	event.locals.apiScopes = null;
	const db = await getDb();
	const secure = event.url.protocol === 'https:';
	const bearer = event.request.headers.get('authorization');
	if (event.url.pathname.startsWith('/api/') && bearer?.startsWith('Bearer ')) {
		const found = await authenticateApiToken(db, bearer.slice(7).trim());
		if (found) {
			event.locals.user = found.user;
			event.locals.apiScopes = found.scopes;
		}
		return resolve(event);
	}
	const token = event.cookies.get(SESSION_COOKIE);
	if (token) {
		const result = await validateSessionToken(db, token);
		if (result) {
			event.locals.user = result.user;
			event.locals.session = result.session;
			// keep the cookie's lifetime in step with the sliding inactivity timeout
			if (result.session.lastVerifiedAt.getTime() > Date.now() - 5000) setSessionCookie(event.cookies, token, secure);
		} else {
			deleteSessionCookie(event.cookies, secure);
		}
	}
	return resolve(event);
};

/**
 * Every text that comes in (path, query string, form and JSON bodies) is checked once here: NUL, lone surrogates
 * and invalid UTF-8 get a French 400 before any code sees them. The API checks its own bodies (the dispatcher).
 */
const inputGuard: Handle = async ({ event, resolve }) => {
	const api = event.url.pathname.startsWith('/api/');
	try {
		checkUrl(event.url);
	} catch (e) {
		if (!(e instanceof AppError)) throw e;
		if (api) return errorResponse(e);
		return new Response(`Requête non valable. ${e.message}`, {
			status: 400,
			headers: { 'content-type': 'text/plain; charset=utf-8' }
		});
	}
	if (!api && event.request.method !== 'GET' && event.request.method !== 'HEAD')
		guardRequestBody(event.request, (e) => error(400, { message: e.message, code: e.code }));
	return resolve(event);
};

/** What an account whose address is not verified may still open: verify it, sign out, reset, take its data or leave. */
const UNVERIFIED_ALLOWED =
	/^\/(verifier-email|deconnexion|connexion|inscription|mot-de-passe|compte\/donnees|invitation|healthz|api)(\/|$)/;
const VERIFY_PAGE = '/verifier-email/envoye';

/**
 * An unverified account can do nothing but verify its address: every other page leads to the page that says so
 * (the database refuses its writes anyway, see the migration unverified_read_only).
 */
const unverifiedGate: Handle = async ({ event, resolve }) => {
	const user = event.locals.user;
	if (!user || user.emailVerified || event.locals.apiScopes || UNVERIFIED_ALLOWED.test(event.url.pathname))
		return resolve(event);
	if (event.request.method === 'GET' || event.request.method === 'HEAD')
		return new Response(null, {
			status: 303,
			headers: { location: VERIFY_PAGE, 'cache-control': 'private, no-store' }
		});
	const e = unverified();
	error(e.status, { message: e.message, code: e.code });
};

const securityHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	const h = response.headers;
	h.set('X-Content-Type-Options', 'nosniff');
	h.set('Referrer-Policy', 'strict-origin-when-cross-origin');
	h.set('X-Frame-Options', 'DENY');
	h.set('Permissions-Policy', 'camera=(self), microphone=(), geolocation=(), interest-cohort=()');
	h.set('Cross-Origin-Opener-Policy', 'same-origin');
	if (event.url.protocol === 'https:') h.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
	const csp = h.get('Content-Security-Policy');
	if (csp) h.set('Content-Security-Policy', withOwnWebsocket(csp, event.url));
	else if (!event.url.pathname.startsWith('/_app/'))
		h.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
	// A response rendered for a signed-in person (their name, e-mail, collectivités in the layout data) or that
	// sets a cookie must never be stored by a shared cache, even on a route that is public for anonymous visitors.
	const cc = h.get('Cache-Control');
	if ((event.locals.user || h.has('Set-Cookie')) && (!cc || /\bpublic\b/i.test(cc)))
		h.set('Cache-Control', 'private, no-store');
	return response;
};

export const handle = sequence(requestLog, securityHeaders, inputGuard, auth, unverifiedGate);

export const handleError: HandleServerError = ({ error, event, status }) => {
	if (status !== 404)
		log.error('unhandled error', {
			id: event.locals.requestId,
			path: event.url.pathname,
			error: String((error as Error)?.stack ?? error)
		});
	return {
		message:
			status === 404
				? "Cette page n'existe pas ou a été déplacée."
				: 'Une erreur inattendue est survenue. Réessayez dans un instant ; si le problème persiste, contactez votre animateur·rice de réseau.',
		code: status === 404 ? 'not_found' : 'internal'
	};
};
