import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';

export async function GET() {
	const start = performance.now();
	try {
		const db = await getDb();
		await db.query('select 1');
		return json({ status: 'ok', database: db.kind, ms: Math.round(performance.now() - start) }, { headers: { 'cache-control': 'no-store' } });
	} catch {
		return json({ status: 'unhealthy', error: 'database unavailable' }, { status: 503, headers: { 'cache-control': 'no-store' } });
	}
}
