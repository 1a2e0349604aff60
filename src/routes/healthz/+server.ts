import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { instanceHealth, publicHealth } from '$lib/server/health';

/**
 * Load balancers get 200 `{"status":"ok"}` or 503 `{"status":"unhealthy"}`; the database engine, the round-trip time
 * and the error are details for the platform administrator only (signed in), not for any visitor.
 */
export const GET: RequestHandler = async ({ locals }) => {
	const headers = { 'cache-control': 'no-store' };
	const health = await instanceHealth();
	return json(locals.user?.isPlatformAdmin ? health : publicHealth(health), {
		status: health.status === 'ok' ? 200 : 503,
		headers
	});
};
