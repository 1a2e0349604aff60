// postgres.js 3.4.9 race: when PostgreSQL drops a connection, a write buffered by setImmediate can still run after
// the socket was released, and throws `TypeError: Cannot read properties of null (reading 'write')` from
// connection.js nextWrite — outside any query, so nothing can catch it. The connection is already closed and the
// pool reconnects by itself; the exception only needs to be recognised (and not taken for a real crash).

/**
 * Recognises the error itself or its serialized form (vitest hands `onUnhandledError` the errors of its worker
 * processes as plain objects with name, message and stack: no `instanceof` there).
 * @param {unknown} e
 */
export function isPostgresWriteRace(e) {
	if (!e || typeof e !== 'object') return false;
	const { name, message, stack } = /** @type {{ name?: unknown, message?: unknown, stack?: unknown }} */ (e);
	const text = typeof stack === 'string' ? stack : '';
	return (
		(e instanceof TypeError || name === 'TypeError') &&
		typeof message === 'string' &&
		/reading 'write'/.test(message) &&
		/postgres[\\/]src[\\/]connection\.js/.test(text) &&
		/nextWrite/.test(text)
	);
}
