import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { authFromLocals, dispatchApi } from '$lib/server/api';

/** Every /api/v1 request, whatever its method, goes through the endpoint registry (src/lib/server/api). */
export const fallback: RequestHandler = async ({ request, locals }) =>
	dispatchApi(request, { db: await getDb(), auth: authFromLocals(request, locals), requestId: locals.requestId });
