import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { checkHealth } from '$lib/server/health';

export async function GET() {
	const headers = { 'cache-control': 'no-store' };
	try {
		const health = await checkHealth(await getDb());
		return json(health, { status: health.status === 'ok' ? 200 : 503, headers });
	} catch {
		return json({ status: 'unhealthy', error: 'database unavailable' }, { status: 503, headers });
	}
}
