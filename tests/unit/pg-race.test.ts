import { describe, expect, it } from 'vitest';
import { isPostgresWriteRace } from '../../scripts/lib/pg-race.js';

describe('isPostgresWriteRace', () => {
	it('recognises only the postgres.js write-after-close TypeError', () => {
		const race = new TypeError("Cannot read properties of null (reading 'write')");
		race.stack = `${race.message}\n    at Immediate.nextWrite (/app/node_modules/postgres/src/connection.js:255:22)`;
		expect(isPostgresWriteRace(race)).toBe(true);
		const other = new TypeError("Cannot read properties of null (reading 'write')");
		other.stack = `${other.message}\n    at render (/app/src/lib/server/something.ts:1:1)`;
		expect(isPostgresWriteRace(other)).toBe(false);
		expect(isPostgresWriteRace(new Error('boom'))).toBe(false);
		expect(isPostgresWriteRace('text')).toBe(false);
		// As vitest hands over an error thrown in one of its worker processes: a plain serialized object.
		expect(isPostgresWriteRace({ name: 'TypeError', message: race.message, stack: race.stack })).toBe(true);
		expect(isPostgresWriteRace({ name: 'Error', message: race.message, stack: race.stack })).toBe(false);
		expect(isPostgresWriteRace({ name: 'TypeError', message: race.message, stack: other.stack })).toBe(false);
		expect(isPostgresWriteRace(null)).toBe(false);
	});
});
