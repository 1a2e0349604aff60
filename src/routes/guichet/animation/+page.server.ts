import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad, RequestEvent } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { getSettings, updateSettings } from '$lib/server/guichet/settings';
import { MODALITIES, STATUS_WORDS, WEEKDAYS } from '$lib/guichet/labels';
import { formatDuration, parisToDate } from '$lib/server/guichet/slots';
import { animatedNetworks, networkRequests } from '$lib/server/guichet/lists';
import {
	addException,
	myProfile,
	removeException,
	saveProfile,
	setWeeklyHours
} from '$lib/server/guichet/availability';
import {
	absenceForm,
	hoursForm,
	profileForm,
	removeAbsenceForm,
	removeHoursForm,
	settingsForm
} from '$lib/server/guichet/input';

async function current(event: Pick<RequestEvent, 'locals' | 'url'>) {
	const user = requireUser(event);
	const db = await getDb();
	const networks = await orHttpError(animatedNetworks(db, user));
	const slug = event.url.searchParams.get('reseau');
	const network = networks.find((n) => n.slug === slug) ?? networks[0] ?? null;
	return { user, db, networks, network };
}

export const load: PageServerLoad = async (event) => {
	const { user, db, networks, network } = await current(event);
	if (!network)
		return {
			networks,
			network: null,
			profile: null,
			hours: [],
			absences: [],
			requests: [],
			settings: null,
			modalities: [],
			weekdays: WEEKDAYS,
			statusWords: STATUS_WORDS
		};
	const [{ profile, hours, absences }, requests, settings] = await orHttpError(
		Promise.all([
			myProfile(db, user, network.id),
			networkRequests(db, user, network.id),
			getSettings(db, user, network.id)
		])
	);
	return {
		networks,
		network,
		profile: profile ? { ...profile, sessionLabel: formatDuration(profile.session_minutes) } : null,
		hours,
		absences,
		requests,
		settings,
		modalities: Object.entries(MODALITIES).map(([value, label]) => ({ value, label })),
		weekdays: WEEKDAYS,
		statusWords: STATUS_WORDS
	};
};

async function ownProfile(event: RequestEvent) {
	const { user, db, network } = await current(event);
	if (!network) error(403, { message: 'Vous n’animez aucun réseau.' });
	const { profile, hours } = await orHttpError(myProfile(db, user, network.id));
	return { user, db, network, profile, hours };
}

const NO_PROFILE = { message: "Enregistrez d'abord votre profil de guichet (durée de séance, modalités…)." };

export const actions: Actions = {
	profile: async (event) => {
		const { user, db, network } = await current(event);
		if (!network) error(403, { message: 'Vous n’animez aucun réseau.' });
		const parsed = await parseForm(event.request, profileForm);
		if (parsed.failure) return parsed.failure;
		const d = parsed.data;
		const res = await runAction(parsed.raw, () =>
			saveProfile(db, user, network.id, {
				sessionMinutes: d.sessionMinutes,
				bufferBeforeMinutes: d.bufferBeforeMinutes,
				bufferAfterMinutes: d.bufferAfterMinutes,
				minNoticeMinutes: d.minNoticeHours * 60,
				horizonDays: d.horizonDays,
				maxPerDay: d.maxPerDay ?? null,
				modalities: d.modalities,
				visioUrl: d.visioUrl || null,
				phone: d.phone || null,
				address: d.address || null,
				topics: (d.topics ?? '')
					.split(/[\n,;]/)
					.map((t) => t.trim())
					.filter(Boolean),
				confirmationMode: d.confirmationMode,
				active: d.active === 'on',
				socialClauseFacilitator: d.socialClauseFacilitator === 'on'
			})
		);
		if (!res.ok) return res.failure;
		return { intent: 'profile', success: 'Profil enregistré.' };
	},
	settings: async (event) => {
		const { user, db, network } = await current(event);
		if (!network) error(403, { message: 'Vous n’animez aucun réseau.' });
		const parsed = await parseForm(event.request, settingsForm);
		if (parsed.failure) return parsed.failure;
		const d = parsed.data;
		const res = await runAction(parsed.raw, () =>
			updateSettings(db, user, network.id, {
				cancelMinNoticeMinutes: d.cancelNoticeHours * 60,
				rescheduleMinNoticeMinutes: d.rescheduleNoticeHours * 60,
				buyerMayCancel: d.buyerMayCancel === 'on',
				buyerMayReschedule: d.buyerMayReschedule === 'on'
			})
		);
		if (!res.ok) return res.failure;
		return { intent: 'settings', success: 'Règles du réseau enregistrées.' };
	},
	addHours: async (event) => {
		const parsed = await parseForm(event.request, hoursForm);
		if (parsed.failure) return parsed.failure;
		const { user, db, profile, hours } = await ownProfile(event);
		if (!profile) return fail(409, { ...NO_PROFILE, intent: 'addHours', values: parsed.raw });
		const next = [
			...hours.map((h) => ({ weekday: h.weekday as 1, start: h.start, end: h.end })),
			{ weekday: parsed.data.weekday as 1, start: parsed.data.start, end: parsed.data.end }
		];
		const res = await runAction(parsed.raw, () => setWeeklyHours(db, user, profile.id, next));
		if (!res.ok) return res.failure;
		return { intent: 'addHours', success: 'Plage horaire ajoutée.' };
	},
	removeHours: async (event) => {
		const parsed = await parseForm(event.request, removeHoursForm);
		if (parsed.failure) return parsed.failure;
		const id = parsed.data.hourId;
		const { user, db, profile, hours } = await ownProfile(event);
		if (!profile) return fail(409, { ...NO_PROFILE, intent: 'removeHours' });
		const next = hours.filter((h) => h.id !== id).map((h) => ({ weekday: h.weekday as 1, start: h.start, end: h.end }));
		const res = await runAction({ intent: 'removeHours' }, () => setWeeklyHours(db, user, profile.id, next));
		if (!res.ok) return res.failure;
		return { intent: 'removeHours', success: 'Plage horaire retirée.' };
	},
	addAbsence: async (event) => {
		const parsed = await parseForm(event.request, absenceForm);
		if (parsed.failure) return parsed.failure;
		const { user, db, profile } = await ownProfile(event);
		if (!profile) return fail(409, { ...NO_PROFILE, intent: 'addAbsence', values: parsed.raw });
		const res = await runAction(parsed.raw, () =>
			addException(db, user, profile.id, {
				start: parisToDate(parsed.data.start),
				end: parisToDate(parsed.data.end),
				reason: parsed.data.reason
			})
		);
		if (!res.ok) return res.failure;
		return { intent: 'addAbsence', success: 'Absence ajoutée : aucun créneau ne sera proposé pendant cette période.' };
	},
	removeAbsence: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, removeAbsenceForm);
		if (parsed.failure) return parsed.failure;
		const id = parsed.data.absenceId;
		const db = await getDb();
		const res = await runAction({ intent: 'removeAbsence' }, () => removeException(db, user, id));
		if (!res.ok) return res.failure;
		return { intent: 'removeAbsence', success: 'Absence retirée.' };
	}
};
