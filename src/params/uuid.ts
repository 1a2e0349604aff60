import type { ParamMatcher } from '@sveltejs/kit';

// The one UUID pattern of the code. Routes use the `[x=uuid]` matcher (anything else is the route's 404, never a
// database error); server code uses `isUuid` from $lib/server/kit/ids; input schemas use zod's uuid().
/** The pattern's source, for the few places that find UUIDs inside a text (e.g. comment mentions). */
export const UUID_PATTERN = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** Anchored, case-insensitive: what an identifier must be. */
export const UUID_RE = new RegExp(`^${UUID_PATTERN}$`, 'i');

export function isUuid(value: unknown): value is string {
	return typeof value === 'string' && UUID_RE.test(value);
}

export const match: ParamMatcher = (param) => isUuid(param);
