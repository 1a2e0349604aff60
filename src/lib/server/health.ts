import { getDb } from './db';
import type { Database } from './db/types';

export interface Health {
	status: 'ok' | 'unhealthy';
	database?: Database['kind'];
	ms?: number;
	error?: string;
}

/**
 * What /healthz answers: the database answers a trivial query within `timeoutMs`. A load balancer takes an
 * instance out while it is unhealthy; the pool reconnects by itself, so the instance comes back without a restart.
 */
export async function checkHealth(db: Database, timeoutMs = 2_000): Promise<Health> {
	const start = performance.now();
	let timer: NodeJS.Timeout | undefined;
	try {
		await Promise.race([
			db.query('select 1'),
			new Promise((_, reject) => {
				timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
			})
		]);
		return { status: 'ok', database: db.kind, ms: Math.round(performance.now() - start) };
	} catch {
		return { status: 'unhealthy', error: 'database unavailable' };
	} finally {
		clearTimeout(timer);
	}
}

/** This instance's health, opening the database if it is not open yet (a database that cannot open is unhealthy). */
export async function instanceHealth(): Promise<Health> {
	return getDb()
		.then((db) => checkHealth(db))
		.catch(() => ({ status: 'unhealthy' as const, error: 'database unavailable' }));
}

/** What anyone may know: up or not. */
export function publicHealth(h: Health): Pick<Health, 'status'> {
	return { status: h.status };
}
