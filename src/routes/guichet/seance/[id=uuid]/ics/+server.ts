import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { orHttpError } from '$lib/server/kit/errors';
import { download } from '$lib/server/kit/download';
import { bookingCalendarFile } from '$lib/server/guichet/bookings';

// The calendar file of one session, for the booker and the animator only.
export const GET: RequestHandler = async ({ locals, params }) => {
	const user = locals.user;
	if (!user) error(401, { message: 'Connectez-vous pour télécharger ce rendez-vous.' });
	const ics = await orHttpError(bookingCalendarFile(await getDb(), user, params.id));
	return download(ics, 'guichet-vert.ics', { type: 'text/calendar; charset=utf-8' });
};
