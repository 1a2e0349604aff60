import type { Database } from './db';
import { closeDb } from './db';
import { startOutboxWorker } from './email/worker';
import { log } from '$lib/server/kit/log';

const KEY = Symbol.for('spaser.runtime');
type Holder = { [KEY]?: { stops: (() => void | Promise<void>)[] } };

/** Starts the background jobs of this instance (outbox delivery, Guichet vert reminders; demo data when asked). */
export async function startBackground(db: Database) {
	const g = globalThis as Holder;
	if (g[KEY]) return;
	g[KEY] = { stops: [] };
	if (process.env.DEMO_DATA === '1') {
		const { loadDemoData } = await import('./demo');
		await loadDemoData(db);
	}
	if (process.env.OUTBOX_WORKER !== '0') g[KEY].stops.push(startOutboxWorker(db));
	// Guichet vert reminders (the day before each session); safe to run on every instance.
	if (process.env.GUICHET_REMINDERS !== '0') {
		const { startGuichetReminders } = await import('./guichet/reminders');
		g[KEY].stops.push(startGuichetReminders(db));
	}
	// Retention of sessions, one-time links, rate limits, delivered e-mails, import drafts, audit log (hourly).
	if (process.env.MAINTENANCE !== '0') {
		const { startMaintenance } = await import('./maintenance');
		g[KEY].stops.push(startMaintenance(db));
	}
	// Nightly publication of the consolidated benchmark statistics (docs/benchmark-privacy.md).
	if (process.env.BENCHMARK_PUBLISHER !== '0') g[KEY].stops.push((await import('./benchmark/publisher')).startBenchmarkPublisher(db));
	// Waiting-list offers that nobody answered in time go to the next person (safe with several instances).
	if (process.env.EVENTS_WORKER !== '0') g[KEY].stops.push((await import('./events/jobs')).startOfferExpiryWorker(db));
	// Collaboration websocket on the same HTTP server (server.js hands upgrades to this function).
	const { startCollab, stopCollab, handleCollabUpgrade } = await import('./collab');
	await startCollab(db);
	(globalThis as Record<symbol, unknown>)[Symbol.for('spaser.upgrade')] = handleCollabUpgrade;
	g[KEY].stops.push(stopCollab);
}

/** Graceful shutdown: stop jobs, then close the database. Called by server.js on SIGTERM/SIGINT. */
export async function shutdown() {
	const g = globalThis as Holder;
	for (const stop of g[KEY]?.stops ?? []) await stop();
	g[KEY] = undefined;
	await closeDb();
	log.info('shutdown complete');
}

(globalThis as Record<symbol, unknown>)[Symbol.for('spaser.shutdown')] = shutdown;
