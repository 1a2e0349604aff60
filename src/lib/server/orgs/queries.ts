import { error } from '@sveltejs/kit';
import { AppError } from '../errors';

/**
 * For page loads: turns a service AppError (404 for what RLS hides, 403…) into a SvelteKit HTTP error with its
 * French message. Anything else is rethrown untouched, so that handleError logs it and shows the generic message.
 */
export async function orHttpError<T>(p: Promise<T>): Promise<T> {
	try {
		return await p;
	} catch (e) {
		if (e instanceof AppError) error(e.status, { message: e.message, code: e.code });
		throw e;
	}
}
