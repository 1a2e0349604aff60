import type { Database } from './db';
import { closeDb } from './db';
import { startOutboxWorker } from './email/worker';
import { log } from '$lib/server/kit/log';
import { config } from '$lib/server/kit/config';

const KEY = Symbol.for('spaser.runtime');
type Holder = { [KEY]?: { stops: (() => void | Promise<void>)[] } };

/** Starts the background jobs of this instance (outbox delivery, Guichet vert reminders; demo data when asked). */
export async function startBackground(db: Database) {
	const g = globalThis as Holder;
	if (g[KEY]) return;
	g[KEY] = { stops: [] };
	if (config.demoData) {
		const { loadDemoData } = await import('./demo');
		await loadDemoData(db);
	}
	if (config.outboxWorker) g[KEY].stops.push(startOutboxWorker(db));
	// Guichet vert reminders (the day before each session); safe to run on every instance.
	if (config.guichetReminders) {
		const { startGuichetReminders } = await import('./guichet/jobs');
		g[KEY].stops.push(startGuichetReminders(db));
	}
	// Retention of sessions, one-time links, rate limits, delivered e-mails, import drafts, audit log (hourly).
	if (config.maintenance) {
		const { startMaintenance } = await import('./maintenance');
		g[KEY].stops.push(startMaintenance(db));
	}
	// Nightly publication of the consolidated benchmark statistics (docs/benchmark-privacy.md).
	if (config.benchmarkPublisher) g[KEY].stops.push((await import('./benchmark/publisher')).startBenchmarkPublisher(db));
	// Waiting-list offers that nobody answered in time go to the next person (safe with several instances).
	if (config.eventsWorker) g[KEY].stops.push((await import('./events/jobs')).startOfferExpiryWorker(db));
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
