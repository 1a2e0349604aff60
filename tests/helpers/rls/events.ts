/**
 * Events rows of the RLS matrix.
 *   evN1    N1's forum, published, audience « members of the network » (A and C approved, B pending).
 *           Choice group gN1 with the workshop sW; plenary sP (no group).
 *   evDraft N1's draft: only its organisers (anim1) and platform admins see it.
 *   evA     organised by collectivité A, published, audience « every public buyer ».
 *   Registrations: rE (editorA in evN1 for A, confirmed, chose sW; checked in at sP: ciE),
 *                  rC (adminC in evA for C, waitlisted).
 */
import type { Tx } from '../../../src/lib/server/db';
import { NETWORKS, ORGS, USERS } from '../rls-fixture';
import { DENIED_ALL, type RlsExtension } from '../rls-types';

const ev = (k: number) => `90000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
export const EVENTS = {
	evN1: ev(1),
	evDraft: ev(2),
	evA: ev(3),
	gN1: ev(4),
	sP: ev(5),
	sW: ev(6),
	rE: ev(7),
	rC: ev(8),
	ciE: ev(9),
	sA: ev(10)
} as const;
const E = EVENTS;

async function build(tx: Tx) {
	const event = (id: string, net: string | null, org: string | null, audience: string, status: string) =>
		tx.query(
			`insert into public.events (id, kind, title, organiser_network_id, organiser_org_id, audience, status, starts_at, ends_at, created_by)
			 values ($1, 'forum', 'Forum', $2, $3, $4, $5, '2031-03-12 09:00+01', '2031-03-12 17:00+01', $6)`,
			[id, net, org, audience, status, USERS.anim1]
		);
	await event(E.evN1, NETWORKS.N1, null, 'network', 'published');
	await event(E.evDraft, NETWORKS.N1, null, 'network', 'draft');
	await event(E.evA, null, ORGS.A, 'buyers', 'published');
	await tx.query(`insert into public.event_choice_groups (id, event_id, title) values ($1, $2, 'Ateliers')`, [
		E.gN1,
		E.evN1
	]);
	await tx.query(
		`insert into public.event_sessions (id, event_id, choice_group_id, title, starts_at, ends_at)
		 values ($1, $2, null, 'Plénière', '2031-03-12 09:00+01', '2031-03-12 10:00+01'),
		        ($3, $2, $4, 'Atelier', '2031-03-12 10:30+01', '2031-03-12 12:00+01'),
		        ($5, $6, null, 'Matinale', '2031-03-12 09:00+01', '2031-03-12 12:00+01')`,
		[E.sP, E.evN1, E.sW, E.gN1, E.sA, E.evA]
	);
	await tx.query(
		`insert into public.event_registrations (id, event_id, user_id, org_id, full_name, email, registered_by, status)
		 values ($1, $2, $3, $4, 'Personne editorA', 'editora@rls.example.test', $3, 'confirmed'),
		        ($5, $6, $7, $8, 'Personne adminC', 'adminc@rls.example.test', $7, 'waitlisted')`,
		[E.rE, E.evN1, USERS.editorA, ORGS.A, E.rC, E.evA, USERS.adminC, ORGS.C]
	);
	await tx.query(
		`insert into public.event_registration_choices (registration_id, choice_group_id, session_id) values ($1, $2, $3)`,
		[E.rE, E.gN1, E.sW]
	);
	await tx.query(
		`insert into public.event_checkins (id, registration_id, session_id, method, checked_by) values ($1, $2, $3, 'qr', $4)`,
		[E.ciE, E.rE, E.sP, USERS.anim1]
	);
}

// Registrations and check-ins are written only through the security-definer functions: no write grant at all.
const READ_ONLY = { insert: DENIED_ALL, update: DENIED_ALL, delete: DENIED_ALL };

export const extension: RlsExtension = {
	ids: { ...EVENTS },
	build,
	matrix: {
		events: {
			key: 'id',
			set: 'title = title',
			insert: `insert into public.events (kind, title, organiser_network_id, starts_at, ends_at) values ('forum', 'Forum', '${NETWORKS.N1}', '2031-01-01 09:00+01', '2031-01-01 12:00+01')`,
			expect: {
				//          anon      outsider viewer        editor        admin         animN2 animN1                platform
				select: ['evA', 'evA', 'evN1 evA', 'evN1 evA', 'evN1 evA', 'evA', 'evN1 evDraft evA', '*'],
				insert: ['denied', 'rls', 'rls', 'rls', 'rls', 'rls', 'ok', 'rls'],
				update: ['denied', '-', '-', 'evA', 'evA', '-', 'evN1 evDraft', '-'],
				delete: DENIED_ALL
			}
		},
		event_choice_groups: {
			key: 'id',
			set: 'title = title',
			insert: `insert into public.event_choice_groups (event_id, title) values ('${E.evN1}', 'Après-midi')`,
			expect: {
				select: ['-', '-', 'gN1', 'gN1', 'gN1', '-', 'gN1', '*'],
				insert: ['denied', 'rls', 'rls', 'rls', 'rls', 'rls', 'ok', 'rls'],
				update: ['denied', '-', '-', '-', '-', '-', 'gN1', '-'],
				delete: ['denied', '-', '-', '-', '-', '-', 'gN1', '-']
			}
		},
		event_sessions: {
			key: 'id',
			set: 'title = title',
			insert: `insert into public.event_sessions (event_id, title, starts_at, ends_at) values ('${E.evN1}', 'Clôture', '2031-03-12 16:00+01', '2031-03-12 17:00+01')`,
			expect: {
				select: ['sA', 'sA', 'sP sW sA', 'sP sW sA', 'sP sW sA', 'sA', 'sP sW sA', '*'],
				insert: ['denied', 'rls', 'rls', 'rls', 'rls', 'rls', 'ok', 'rls'],
				update: ['denied', '-', '-', 'sA', 'sA', '-', 'sP sW', '-'],
				delete: ['denied', '-', '-', 'sA', 'sA', '-', 'sP sW', '-']
			}
		},
		event_registrations: {
			key: 'id',
			set: 'status = status',
			insert: `insert into public.event_registrations (event_id, user_id, full_name, status) values ('${E.evN1}', auth.uid(), 'X', 'confirmed')`,
			expect: {
				// A organises evA: its editor and admin see rC (adminC's registration) too.
				select: ['denied', '-', '-', '*', '*', '-', 'rE', '*'],
				...READ_ONLY
			}
		},
		event_registration_choices: {
			key: 'registration_id',
			set: 'session_id = session_id',
			insert: `insert into public.event_registration_choices (registration_id, choice_group_id, session_id) values ('${E.rE}', '${E.gN1}', '${E.sW}')`,
			expect: {
				select: ['denied', '-', '-', 'rE', 'rE', '-', 'rE', '*'],
				...READ_ONLY
			}
		},
		event_checkins: {
			key: 'id',
			set: 'method = method',
			insert: `insert into public.event_checkins (registration_id, session_id, method) values ('${E.rE}', '${E.sW}', 'manual')`,
			expect: {
				select: ['denied', '-', '-', 'ciE', 'ciE', '-', 'ciE', '*'],
				...READ_ONLY
			}
		}
	}
};
