// Guichet vert vocabularies with their French labels, client-safe: the pages show them, the server's
// input.ts builds its enums from them (one home per vocabulary).

export type Modality = 'visio' | 'telephone' | 'sur_place';
export type Stage = 'definition_besoin' | 'redaction_dce' | 'analyse_offres' | 'execution' | 'spaser';
export type BookingStatus = 'pending' | 'confirmed' | 'cancelled' | 'done' | 'no_show';
export type ConfirmationMode = 'auto' | 'manual';

export const STAGES: Record<Stage, string> = {
	definition_besoin: 'Définition du besoin',
	redaction_dce: 'Rédaction du DCE',
	analyse_offres: 'Analyse des offres',
	execution: 'Exécution',
	spaser: 'SPASER'
};
export const MODALITIES: Record<Modality, string> = {
	visio: 'Visioconférence',
	telephone: 'Téléphone',
	sur_place: 'Sur place'
};
export const STAGE_KEYS = Object.keys(STAGES) as [Stage, ...Stage[]];
export const MODALITY_KEYS = Object.keys(MODALITIES) as [Modality, ...Modality[]];
export const CONFIRMATION_MODES = ['auto', 'manual'] as const satisfies readonly ConfirmationMode[];

/** Statuses of requests and bookings as the pages word them. */
export const STATUS_WORDS: Record<string, string> = {
	open: 'En attente de réponse',
	answered: 'Répondue',
	closed: 'Close',
	pending: 'À confirmer',
	confirmed: 'Confirmé',
	cancelled: 'Annulé',
	done: 'Séance tenue',
	no_show: 'Absence'
};

/** The booking history's actions as the session page words them. */
export const BOOKING_ACTIONS: Record<string, string> = {
	created: 'Rendez-vous demandé',
	confirmed: 'Rendez-vous confirmé',
	cancelled: 'Rendez-vous annulé',
	rescheduled: 'Rendez-vous déplacé',
	done: 'Séance tenue',
	no_show: 'Absence signalée',
	redirected: 'Confié à une autre personne'
};

export const WEEKDAYS = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'];
export const MONTHS = [
	'janvier',
	'février',
	'mars',
	'avril',
	'mai',
	'juin',
	'juillet',
	'août',
	'septembre',
	'octobre',
	'novembre',
	'décembre'
];

/** What a lecteur (viewer) reads where the Guichet vert would let an admin or rédacteur act for the collectivité. */
export const READER_MESSAGE =
	'En tant que lecteur ou lectrice, vous consultez le Guichet vert de votre collectivité sans agir en son nom : seuls ses administrateurs et rédacteurs réservent un rendez-vous, posent une question ou écrivent dans une demande.';
