import type { RequestEvent } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { resendVerification } from '$lib/server/auth/service';
import { requireUser, runAction } from '$lib/server/kit/forms';

/** « Renvoyer le lien »: the action of both verification pages (the link's landing page and « e-mail envoyé »). */
export async function resend(event: Pick<RequestEvent, 'locals' | 'url'>) {
	const user = requireUser(event);
	const r = await runAction({}, async () => resendVerification(await getDb(), user.id));
	if (!r.ok) return r.failure;
	return { resent: true };
}
