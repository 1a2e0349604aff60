import { error } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser, runAction } from '$lib/server/kit/forms';
import { answerOffer, cancelRegistration, getRegistration } from '$lib/server/events/registrations';
import { sessionsFor } from '$lib/server/events/model';
import { qrSvg } from '$lib/server/events/qr';
import { REGISTRATION_STATUSES } from '$lib/events/labels';
import { formatDateTime } from '$lib/format';
import { orHttpError } from '$lib/server/kit/errors';
import { loadEvent, programme } from '../../event.server';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const reg = await orHttpError(getRegistration(db, user, event.params.rid));
	const r = reg.registration;
	if (r.event_id !== event.params.id)
		error(404, { message: "Cette inscription n'existe pas ou vous n'y avez pas accès." });
	const d = await loadEvent(db, user, r.event_id);
	const attendedIds = new Set(reg.attended.map((a) => a.session_id));
	const own = sessionsFor(d.sessions, r.choices);
	return {
		event: {
			id: d.event.id,
			title: d.event.title,
			status: d.event.status,
			past: d.event.ends_at <= new Date(),
			place: d.event.place,
			visioUrl: d.event.visio_url
		},
		registration: {
			id: r.id,
			fullName: r.full_name,
			orgName: r.org_name,
			status: r.status,
			statusLabel: REGISTRATION_STATUSES[r.status],
			offerUntil: r.offer_expires_at ? formatDateTime(r.offer_expires_at) : null,
			waitlistRank: reg.waitlistRank,
			isSelf: r.user_id === user.id,
			noShow: r.no_show,
			mayAct: reg.mayAct
		},
		qr: r.status === 'confirmed' ? await qrSvg(r.checkin_code) : null,
		code: r.status === 'confirmed' ? r.checkin_code : null,
		sessions: programme({ ...d, sessions: own }).map((s) => ({ ...s, attended: attendedIds.has(s.id) })),
		// An attestation exists only for sessions attended and ended.
		attendedCount: reg.attended.filter((a) => a.certified).length,
		answer: event.url.searchParams.get('reponse')
	};
};

const ctx = async (event: { locals: App.Locals; url: URL; params: Record<string, string> }) => ({
	user: requireUser(event),
	db: await getDb(),
	id: event.params.rid
});

export const actions: Actions = {
	cancel: async (event) => {
		const { user, db, id } = await ctx(event);
		const res = await runAction({ intent: 'cancel' }, () => cancelRegistration(db, user, id));
		if (!res.ok) return res.failure;
		return {
			intent: 'cancel',
			success:
				"Inscription annulée. Merci de nous avoir prévenus : la place est proposée à la personne suivante sur la liste d'attente."
		};
	},
	accept: async (event) => {
		const { user, db, id } = await ctx(event);
		const res = await runAction({ intent: 'accept' }, () => answerOffer(db, user, id, true));
		if (!res.ok) return res.failure;
		return {
			intent: 'accept',
			success:
				'Place acceptée : votre inscription est confirmée. Vous recevez un e-mail avec votre QR code et l’invitation de calendrier.'
		};
	},
	decline: async (event) => {
		const { user, db, id } = await ctx(event);
		const res = await runAction({ intent: 'decline' }, () => answerOffer(db, user, id, false));
		if (!res.ok) return res.failure;
		return { intent: 'decline', success: 'Vous avez décliné la place : elle est proposée à la personne suivante.' };
	}
};
