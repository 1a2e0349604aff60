// Who may use the platform administration (the SQL rules, app.is_platform_admin(), decide what it reads and writes).
import { error, type RequestEvent } from '@sveltejs/kit';
import { requireUser } from '$lib/server/kit/forms';

/** Platform administration pages and actions: signed in and platform admin, or a French 403. */
export function requirePlatformAdmin(event: Pick<RequestEvent, 'locals' | 'url'>) {
	const user = requireUser(event);
	if (!user.isPlatformAdmin)
		error(403, { message: 'Cette page est réservée aux administrateurs de la plateforme.', code: 'forbidden' });
	return user;
}
