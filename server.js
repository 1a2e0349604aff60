// One Node process serves the app (SvelteKit adapter-node handler) and, through the same HTTP server, the
// collaboration websocket. Build first (`npm run build`), then `node server.js`.
import { createServer } from 'node:http';
import { isPostgresWriteRace } from './scripts/lib/pg-race.js';
import { readSetting } from './src/lib/server/kit/settings.js';

// adapter-node reads BODY_SIZE_LIMIT when its handler loads: its default comes from the one table of settings.
process.env.BODY_SIZE_LIMIT = /** @type {string} */ (readSetting('BODY_SIZE_LIMIT'));
const { handler } = await import('./build/handler.js');

const port = /** @type {number} */ (readSetting('PORT'));
const host = /** @type {string} */ (readSetting('HOST'));

const server = createServer((req, res) => handler(req, res));

// Modules of the app register their websocket endpoints here (see src/lib/server/runtime.ts).
server.on('upgrade', (req, socket, head) => {
	const upgrade = /** @type {any} */ (globalThis)[Symbol.for('spaser.upgrade')];
	if (typeof upgrade === 'function') upgrade(req, socket, head);
	else socket.destroy();
});

server.listen(port, host, () => {
	console.log(
		JSON.stringify({
			time: new Date().toISOString(),
			level: 'info',
			msg: 'listening',
			url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`
		})
	);
});

let closing = false;
async function stop(signal) {
	if (closing) return;
	closing = true;
	console.log(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'shutting down', signal }));
	const force = setTimeout(() => process.exit(1), 10_000);
	force.unref();
	server.close();
	server.closeAllConnections?.();
	const shutdown = /** @type {any} */ (globalThis)[Symbol.for('spaser.shutdown')];
	try {
		if (typeof shutdown === 'function') await shutdown();
	} finally {
		process.exit(0);
	}
}
// A known postgres.js race when PostgreSQL restarts (scripts/lib/pg-race.js) must not take the instance down:
// the pool reconnects by itself. Anything else is a real crash: logged, then the process exits as Node would.
process.on('uncaughtException', (e) => {
	if (isPostgresWriteRace(e)) {
		console.error(
			JSON.stringify({
				time: new Date().toISOString(),
				level: 'warn',
				msg: 'postgres.js write after a closed connection (ignored)'
			})
		);
		return;
	}
	console.error(
		JSON.stringify({
			time: new Date().toISOString(),
			level: 'error',
			msg: 'uncaught exception',
			error: String(e?.stack ?? e)
		})
	);
	process.exit(1);
});
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
