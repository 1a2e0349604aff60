// postgres.js 3.4.9 race: when PostgreSQL drops a connection, a write buffered by setImmediate can still run after
// the socket was released, and throws `TypeError: Cannot read properties of null (reading 'write')` from
// connection.js nextWrite — outside any query, so nothing can catch it. The connection is already closed and the
// pool reconnects by itself; the exception only needs to be recognised (and not taken for a real crash).

/** @param {unknown} e */
export function isPostgresWriteRace(e) {
	return (
		e instanceof TypeError &&
		/reading 'write'/.test(e.message) &&
		/postgres[\\/]src[\\/]connection\.js/.test(e.stack ?? '') &&
		/nextWrite/.test(e.stack ?? '')
	);
}
