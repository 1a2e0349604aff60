import { describe, expect, it } from 'vitest';
import { eventInputSchema, parseLocal, sessionInputSchema } from '../../src/lib/server/events/input';
import { formatHours, formatRange, toLocalInput } from '../../src/lib/server/events/format';
import { toCsv } from '../../src/lib/server/events/figures';
import { sessionsFor } from '../../src/lib/server/events/model';

describe('events: Paris wall-clock dates', () => {
	it('reads datetime-local values as Paris time, across daylight saving time', () => {
		expect(parseLocal('2030-01-15T09:30').toISOString()).toBe('2030-01-15T08:30:00.000Z');
		expect(parseLocal('2030-07-15T09:30').toISOString()).toBe('2030-07-15T07:30:00.000Z');
		expect(parseLocal('2030-03-31T03:30').toISOString()).toBe('2030-03-31T01:30:00.000Z'); // just after the spring change
		expect(parseLocal('2030-07-15T09:30:00Z').toISOString()).toBe('2030-07-15T09:30:00.000Z');
		expect(toLocalInput(parseLocal('2030-10-27T18:05'))).toBe('2030-10-27T18:05');
	});

	it('formats ranges and durations in French', () => {
		expect(formatRange(parseLocal('2030-03-12T09:30'), parseLocal('2030-03-12T12:00'))).toBe(
			'mardi 12 mars 2030, 09\u00a0h\u00a030 – 12\u00a0h\u00a000'
		);
		expect(formatRange(parseLocal('2030-03-12T09:30'), parseLocal('2030-03-13T12:00'))).toMatch(
			/^du mardi 12 mars 2030, 09\u00a0h\u00a030 au mercredi 13 mars 2030/
		);
		expect(formatHours(285)).toBe('4\u00a0h\u00a045');
		expect(formatHours(120)).toBe('2\u00a0h');
		expect(formatHours(45)).toBe('45\u00a0min');
	});
});

describe('events: input schemas', () => {
	const base = {
		kind: 'forum',
		title: 'Forum',
		organiser: 'network:3f1c1f9e-0000-4000-8000-000000000001',
		audience: 'network',
		startsAt: '2030-03-12T09:00',
		endsAt: '2030-03-12T17:00'
	};
	it('accepts a minimal event and turns numbers and dates', () => {
		const v = eventInputSchema.parse({ ...base, capacity: '30', perOrgLimit: '' });
		expect(v.capacity).toBe(30);
		expect(v.perOrgLimit).toBeUndefined();
		expect(v.startsAt).toEqual(parseLocal('2030-03-12T09:00'));
	});
	it('refuses bad input with French messages', () => {
		const r = eventInputSchema.safeParse({ ...base, endsAt: '2030-03-12T08:00', capacity: '0', visioUrl: 'http://x' });
		expect(r.success).toBe(false);
		const messages = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
		expect(messages).toContain('capacity: La capacité doit être au moins 1.');
		expect(messages).toContain('visioUrl: Le lien de visio doit commencer par https://.');
		const s = sessionInputSchema.safeParse({ title: '', startsAt: 'demain', endsAt: '2030-03-12T08:00' });
		expect(s.error!.issues.map((i) => i.message)).toEqual(
			expect.arrayContaining(['Indiquez un titre.', "Le début de la séance n'est pas une date valable."])
		);
	});
});

describe('events: helpers', () => {
	it('a registration follows the common sessions and its chosen workshops', () => {
		const sessions = [
			{ id: 'p', choice_group_id: null },
			{ id: 'a', choice_group_id: 'g1' },
			{ id: 'b', choice_group_id: 'g1' },
			{ id: 'd', choice_group_id: 'g2' }
		];
		expect(sessionsFor(sessions, ['b', 'd']).map((s) => s.id)).toEqual(['p', 'b', 'd']);
	});
	it('writes CSV for French spreadsheets', () => {
		expect(
			toCsv(
				['Nom', 'Heures'],
				[
					['Dupont; Jean', 2.5],
					['« Léa »', null]
				]
			)
		).toBe('\ufeffNom;Heures\r\n"Dupont; Jean";2,5\r\n« Léa »;\r\n');
	});
});
