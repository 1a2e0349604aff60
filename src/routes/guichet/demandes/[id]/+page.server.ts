import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

// Links in e-mails already sent point here: redirected whatever the id (no [id=uuid] matcher on an old address).
export const load: PageServerLoad = ({ params }) => redirect(308, `/guichet/demande/${encodeURIComponent(params.id)}`);
