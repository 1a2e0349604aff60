// `vite dev`: serves the collaboration websocket on the dev server's own HTTP server, like server.js does in
// production. Add `collabVitePlugin()` to the plugins of vite.config.ts.
//
// The module named by `entry` is loaded through `server.ssrLoadModule` (so it sees `$lib`, `$env`… like the app)
// and must export `exportName`: `(req, socket, head) => void | Promise<void>`. That module must keep its collab
// server in a `globalThis` singleton: Vite re-evaluates a module after an edit, and two servers on one document
// would both append to its update log.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Plugin } from 'vite';

export interface CollabVitePluginOptions {
	/** Module (project-root path) exporting the upgrade handler. */
	entry?: string;
	exportName?: string;
	/** Only upgrades under this prefix are handled (Vite's HMR websocket has its own path). */
	pathPrefix?: string;
}

type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void | Promise<void>;

export function collabVitePlugin(opts: CollabVitePluginOptions = {}): Plugin {
	const entry = opts.entry ?? '/src/lib/server/collab/index.ts';
	const exportName = opts.exportName ?? 'handleCollabUpgrade';
	const prefix = opts.pathPrefix ?? '/collab/';
	return {
		name: 'spaser-collab',
		apply: 'serve',
		configureServer(server) {
			server.httpServer?.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
				if (!(req.url ?? '').startsWith(prefix)) return;
				socket.on('error', () => {});
				void (async () => {
					try {
						const mod = await server.ssrLoadModule(entry);
						const handler = mod[exportName] as UpgradeHandler | undefined;
						if (typeof handler !== 'function') throw new Error(`${entry} does not export ${exportName}()`);
						await handler(req, socket, head);
					} catch (err) {
						server.config.logger.error(`[collab] ${(err as Error).stack ?? String(err)}`);
						if (!socket.destroyed) {
							socket.end('HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
							socket.destroy();
						}
					}
				})();
			});
		}
	};
}
