import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad, RequestEvent } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { addException, getSettings, MODALITIES, removeException, saveProfile, setWeeklyHours, updateSettings } from '$lib/server/guichet/service';
import { formatDuration } from '$lib/server/guichet/slots';
import { STATUS_WORDS } from '../queries.server';
import { animatedNetworks, myProfile, networkRequests } from '$lib/server/guichet/service';

const WEEKDAYS = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'];

async function current(event: Pick<RequestEvent, 'locals' | 'url'>) {
	const user = requireUser(event);
	const db = await getDb();
	const networks = await animatedNetworks(db, user);
	const slug = event.url.searchParams.get('reseau');
	const network = networks.find((n) => n.slug === slug) ?? networks[0] ?? null;
	return { user, db, networks, network };
}

export const load: PageServerLoad = async (event) => {
	const { user, db, networks, network } = await current(event);
	if (!network) return { networks, network: null, profile: null, hours: [], absences: [], requests: [], settings: null, modalities: [], weekdays: WEEKDAYS, statusWords: STATUS_WORDS };
	const [{ profile, hours, absences }, requests, settings] = await Promise.all([
		myProfile(db, user, network.id),
		networkRequests(db, user, network.id),
		getSettings(db, user, network.id)
	]);
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

const int = (label: string, min: number, max: number) =>
	z.coerce
		.number({ error: `Indiquez ${label} (nombre entier).` })
		.int({ error: `Indiquez ${label} (nombre entier).` })
		.min(min, { error: `${label[0].toUpperCase()}${label.slice(1)} : entre ${min} et ${max}.` })
		.max(max, { error: `${label[0].toUpperCase()}${label.slice(1)} : entre ${min} et ${max}.` });

const profileInput = z.object({
	sessionMinutes: int('la durée de séance en minutes', 10, 480),
	bufferBeforeMinutes: int('la marge avant en minutes', 0, 240),
	bufferAfterMinutes: int('la marge après en minutes', 0, 240),
	minNoticeHours: int('le délai de prévenance en heures', 0, 720),
	horizonDays: int('l’horizon de réservation en jours', 1, 365),
	maxPerDay: int('le nombre maximal de séances par jour', 1, 50).optional(),
	modalities: z.array(z.enum(['visio', 'telephone', 'sur_place']), { error: 'Choisissez au moins une modalité.' }).min(1, { error: 'Choisissez au moins une modalité.' }),
	visioUrl: z.string().trim().optional(),
	phone: z.string().trim().optional(),
	address: z.string().trim().optional(),
	topics: z.string().max(2000, { error: 'La liste des thèmes est trop longue.' }).optional(),
	confirmationMode: z.enum(['auto', 'manual'], { error: 'Choisissez le mode de confirmation.' }),
	active: z.literal('on').optional(),
	socialClauseFacilitator: z.literal('on').optional()
});

const settingsInput = z.object({
	intent: z.literal('settings').optional(),
	cancelNoticeHours: int('le délai d’annulation en heures', 0, 720),
	rescheduleNoticeHours: int('le délai de report en heures', 0, 720),
	buyerMayCancel: z.literal('on').optional(),
	buyerMayReschedule: z.literal('on').optional()
});

const hoursInput = z.object({
	weekday: z.coerce.number({ error: 'Choisissez le jour.' }).int().min(1, { error: 'Choisissez le jour.' }).max(7, { error: 'Choisissez le jour.' }),
	start: z.string({ error: "Indiquez l'heure de début." }).regex(/^\d{2}:\d{2}$/, { error: "Indiquez l'heure de début (HH:MM)." }),
	end: z.string({ error: "Indiquez l'heure de fin." }).regex(/^\d{2}:\d{2}$/, { error: "Indiquez l'heure de fin (HH:MM)." })
});

const localDateTime = (label: string) =>
	z.string({ error: `Indiquez ${label}.` }).regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, { error: `Indiquez ${label} (date et heure).` });

const absenceInput = z.object({
	start: localDateTime('le début de l’absence'),
	end: localDateTime('la fin de l’absence'),
	reason: z.string().trim().max(500, { error: 'Le motif ne doit pas dépasser 500 caractères.' }).optional()
});

/** A « YYYY-MM-DDTHH:MM » wall-clock time in Europe/Paris as an instant. */
function parisToDate(local: string): Date {
	const [d, t] = local.split('T');
	const [y, mo, da] = d.split('-').map(Number);
	const [h, mi] = t.split(':').map(Number);
	const wall = Date.UTC(y, mo - 1, da, h, mi);
	const offset = (ms: number) => {
		const p = Object.fromEntries(
			new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
				.formatToParts(new Date(ms))
				.map((x) => [x.type, x.value])
		);
		return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute) - ms;
	};
	let guess = wall - offset(wall);
	guess = wall - offset(guess);
	return new Date(guess);
}

async function ownProfile(event: RequestEvent) {
	const { user, db, network } = await current(event);
	if (!network) error(403, { message: 'Vous n’animez aucun réseau.' });
	const { profile, hours } = await myProfile(db, user, network.id);
	return { user, db, network, profile, hours };
}

const NO_PROFILE = { message: "Enregistrez d'abord votre profil de guichet (durée de séance, modalités…)." };

export const actions: Actions = {
	profile: async (event) => {
		const { user, db, network } = await current(event);
		if (!network) error(403, { message: 'Vous n’animez aucun réseau.' });
		const parsed = await parseForm(event.request, profileInput);
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
				topics: (d.topics ?? '').split(/[\n,;]/).map((t) => t.trim()).filter(Boolean),
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
		const parsed = await parseForm(event.request, settingsInput);
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
		const parsed = await parseForm(event.request, hoursInput);
		if (parsed.failure) return parsed.failure;
		const { user, db, profile, hours } = await ownProfile(event);
		if (!profile) return fail(409, { ...NO_PROFILE, intent: 'addHours', values: parsed.raw });
		const next = [...hours.map((h) => ({ weekday: h.weekday as 1, start: h.start, end: h.end })), { weekday: parsed.data.weekday as 1, start: parsed.data.start, end: parsed.data.end }];
		const res = await runAction(parsed.raw, () => setWeeklyHours(db, user, profile.id, next));
		if (!res.ok) return res.failure;
		return { intent: 'addHours', success: 'Plage horaire ajoutée.' };
	},
	removeHours: async (event) => {
		const form = await event.request.formData();
		const id = String(form.get('hourId') ?? '');
		const { user, db, profile, hours } = await ownProfile(event);
		if (!profile) return fail(409, { ...NO_PROFILE, intent: 'removeHours' });
		const next = hours.filter((h) => h.id !== id).map((h) => ({ weekday: h.weekday as 1, start: h.start, end: h.end }));
		const res = await runAction({ intent: 'removeHours' }, () => setWeeklyHours(db, user, profile.id, next));
		if (!res.ok) return res.failure;
		return { intent: 'removeHours', success: 'Plage horaire retirée.' };
	},
	addAbsence: async (event) => {
		const parsed = await parseForm(event.request, absenceInput);
		if (parsed.failure) return parsed.failure;
		const { user, db, profile } = await ownProfile(event);
		if (!profile) return fail(409, { ...NO_PROFILE, intent: 'addAbsence', values: parsed.raw });
		const res = await runAction(parsed.raw, () =>
			addException(db, user, profile.id, { start: parisToDate(parsed.data.start), end: parisToDate(parsed.data.end), reason: parsed.data.reason })
		);
		if (!res.ok) return res.failure;
		return { intent: 'addAbsence', success: 'Absence ajoutée : aucun créneau ne sera proposé pendant cette période.' };
	},
	removeAbsence: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const id = String(form.get('absenceId') ?? '');
		const db = await getDb();
		const res = await runAction({ intent: 'removeAbsence' }, () => removeException(db, user, id));
		if (!res.ok) return res.failure;
		return { intent: 'removeAbsence', success: 'Absence retirée.' };
	}
};
