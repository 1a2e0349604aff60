import type { LayoutServerLoad } from './$types';
import { requirePlatformAdmin } from '$lib/server/admin/access';

/** Every administration page: platform admins only (French 403 otherwise). Actions check again themselves. */
export const load: LayoutServerLoad = (event) => {
	requirePlatformAdmin(event);
	return {};
};
