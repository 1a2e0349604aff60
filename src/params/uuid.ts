import type { ParamMatcher } from '@sveltejs/kit';
import { isUuid } from '$lib/server/kit/ids';

/** `[id=uuid]`: a route segment that can only be a UUID (anything else is the route's 404, not a database error). */
export const match: ParamMatcher = (param) => isUuid(param);
