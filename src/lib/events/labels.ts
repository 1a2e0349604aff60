// Vocabularies of events with their French labels: client-safe (the pages and the forms show them), and the one
// home of each list (src/lib/server/events/input.ts builds its enums from them).

export const EVENT_KINDS = {
	formation: 'Formation',
	webinaire: 'Webinaire',
	atelier: 'Atelier',
	rencontre: 'Rencontre réseau',
	forum: 'Forum',
	matinale: 'Matinale',
	cohorte: 'Cohorte'
} as const;
export type EventKind = keyof typeof EVENT_KINDS;

export const AUDIENCES = {
	network: 'Membres du réseau',
	buyers: 'Tous les acheteurs publics',
	open: 'Ouvert aux entreprises'
} as const;
export type Audience = keyof typeof AUDIENCES;

export const EVENT_STATUSES = { draft: 'Brouillon', published: 'Publié', cancelled: 'Annulé' } as const;
export type EventStatus = keyof typeof EVENT_STATUSES;

export const REGISTRATION_STATUSES = {
	confirmed: 'Confirmée',
	waitlisted: "Liste d'attente",
	offered: 'Place proposée',
	cancelled: 'Annulée'
} as const;
export type RegistrationStatus = keyof typeof REGISTRATION_STATUSES;

/** Choices of check-in opening offered to organisers (minutes before each session; '' = the day of the session). */
export const CHECKIN_OPENINGS: [string, string][] = [
	['', 'Le jour de la séance (à partir de minuit)'],
	['30', '30 minutes avant la séance'],
	['60', '1 heure avant la séance'],
	['120', '2 heures avant la séance'],
	['240', '4 heures avant la séance']
];
