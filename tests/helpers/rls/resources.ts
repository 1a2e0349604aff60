/**
 * Shared resources in the RLS matrix. Rows (fixed ids):
 *   rPriv  A's private clause (attachment attPriv)
 *   rPend  A's clause submitted to N1, pending review
 *   rVal   A's clause validated in N1 (attachment attVal; editorA uses it and has it as favourite)
 *   rPub   C's public clause (attachment attPub; adminB uses it; linked into A's SPASER sA node nA: lnA)
 *   rB     B's clause validated in N2 (adminB's favourite)
 * N1 has calculator rules. Shares are keyed 'resource:network', review events 'resource:network:action'.
 */
import type { Tx } from '../../../src/lib/server/db';
import { NETWORKS, NODES, ORGS, SPASERS, USERS } from '../rls-fixture';
import { DENIED_ALL, type RlsExtension } from '../rls-types';

const r = (k: number) => `91000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
const IDS = {
	rPriv: r(1),
	rPend: r(2),
	rVal: r(3),
	rPub: r(4),
	rB: r(5),
	attPriv: r(11),
	attVal: r(12),
	attPub: r(13),
	lnA: r(21)
} as const;

async function build(tx: Tx) {
	const item = (id: string, org: string, title: string, visibility: string) =>
		tx.query(
			`insert into public.resources (id, kind, org_id, title, body, family, mechanism, visibility, created_by)
			 values ($1, 'clause', $2, $3, 'Texte de la clause', 'sociale', 'condition_execution', $4, null)`,
			[id, org, title, visibility]
		);
	await item(IDS.rPriv, ORGS.A, 'Clause privée', 'private');
	await item(IDS.rPend, ORGS.A, 'Clause en relecture', 'network');
	await item(IDS.rVal, ORGS.A, 'Clause validée', 'network');
	await item(IDS.rPub, ORGS.C, 'Clause publique', 'public');
	await item(IDS.rB, ORGS.B, 'Clause de B', 'network');
	await tx.query(
		`insert into public.resource_shares (resource_id, network_id, status, submitted_by) values
		   ($1, $2, 'pending', $6), ($3, $2, 'validated', $6), ($4, $5, 'validated', $7)`,
		[IDS.rPend, NETWORKS.N1, IDS.rVal, IDS.rB, NETWORKS.N2, USERS.editorA, USERS.adminB]
	);
	const pdf = new TextEncoder().encode('%PDF-1.7\n');
	await tx.query(
		`insert into public.resource_attachments (id, resource_id, filename, mime, byte_size, data) values
		   ($1, $2, 'a.pdf', 'application/pdf', 9, $7), ($3, $4, 'b.pdf', 'application/pdf', 9, $7), ($5, $6, 'c.pdf', 'application/pdf', 9, $7)`,
		[IDS.attPriv, IDS.rPriv, IDS.attVal, IDS.rVal, IDS.attPub, IDS.rPub, pdf]
	);
	await tx.query(
		`insert into public.resource_usages (resource_id, user_id, org_id) values ($1, $2, $3), ($4, $5, $6)`,
		[IDS.rVal, USERS.editorA, ORGS.A, IDS.rPub, USERS.adminB, ORGS.B]
	);
	await tx.query(`insert into public.resource_favourites (user_id, resource_id) values ($1, $2), ($3, $4)`, [
		USERS.editorA,
		IDS.rVal,
		USERS.adminB,
		IDS.rB
	]);
	await tx.query(
		`insert into public.resource_spaser_links (id, resource_id, document_id, node_id, mode, created_by) values ($1, $2, $3, $4, 'linked', $5)`,
		[IDS.lnA, IDS.rPub, SPASERS.sA, NODES.nA, USERS.editorA]
	);
	await tx.query(`insert into public.resource_calc_settings (network_id) values ($1)`, [NETWORKS.N1]);
}

const A_ITEMS = 'rPriv rPend rVal rPub';
const SHARES_A = 'rPend:N1 rVal:N1';
const EVENTS_A = 'rPend:N1:submitted rVal:N1:submitted';

// prettier-ignore
export const extension: RlsExtension = {
	ids: IDS,
	build,
	matrix: {
		resources: {
			key: 'id', set: 'title = title',
			insert: `insert into public.resources (kind, org_id, title, body, family, mechanism) values ('clause', '${ORGS.A}', 'Nouvelle clause', 'Texte', 'sociale', 'autre')`,
			expect: {
				//          anon      outsider    viewer   editor   admin    animN2      animN1              platform
				select: ['rPub',   'rPub rB',  A_ITEMS, A_ITEMS, A_ITEMS, 'rPub rB',  'rPend rVal rPub',  'rPub'],
				insert: ['denied', 'rls',      'rls',   'ok',    'ok',    'rls',      'rls',              'rls'],
				update: ['denied', 'rB',       '-',     'rPriv rPend rVal', 'rPriv rPend rVal', '-', '-',   'rPub'],
				delete: ['denied', 'rB',       '-',     'rPriv rPend rVal', 'rPriv rPend rVal', '-', '-',   '-']
			}
		},
		resource_versions: {
			key: 'resource_id', set: 'snapshot = snapshot',
			insert: `insert into public.resource_versions (resource_id, version, snapshot) values ('${IDS.rPriv}', 9, '{}')`,
			expect: {
				//          anon      outsider    viewer   editor   admin    animN2      animN1              platform
				select: ['rPub',   'rPub rB',  A_ITEMS, A_ITEMS, A_ITEMS, 'rPub rB',  'rPend rVal rPub',  'rPub'],
				insert: DENIED_ALL,
				update: DENIED_ALL,
				delete: DENIED_ALL
			}
		},
		resource_shares: {
			key: `resource_id::text || ':' || network_id::text`, set: 'comment = comment',
			insert: `insert into public.resource_shares (resource_id, network_id) values ('${IDS.rPriv}', '${NETWORKS.N1}')`,
			expect: {
				//          anon      outsider   viewer    editor    admin     animN2     animN1    platform
				select: ['denied', 'rB:N2',   SHARES_A, SHARES_A, SHARES_A, 'rB:N2',   SHARES_A, '-'],
				insert: ['denied', 'rls',     'rls',    'ok',     'ok',     'rls',     'rls',    'rls'],
				update: ['denied', '-',       '-',      '-',      '-',      'rB:N2',   SHARES_A, '-'],
				delete: ['denied', 'rB:N2',   '-',      SHARES_A, SHARES_A, 'rB:N2',   SHARES_A, '-']
			}
		},
		resource_review_events: {
			key: `resource_id::text || ':' || network_id::text || ':' || action`, set: 'comment = comment',
			insert: `insert into public.resource_review_events (resource_id, network_id, action) values ('${IDS.rPend}', '${NETWORKS.N1}', 'validated')`,
			expect: {
				//          anon      outsider              viewer    editor    admin     animN2                animN1    platform
				select: ['denied', 'rB:N2:submitted',    EVENTS_A, EVENTS_A, EVENTS_A, 'rB:N2:submitted',    EVENTS_A, '-'],
				insert: DENIED_ALL,
				update: DENIED_ALL,
				delete: DENIED_ALL
			}
		},
		resource_attachments: {
			key: 'id', set: 'filename = filename',
			insert: `insert into public.resource_attachments (resource_id, filename, mime, byte_size, data) values ('${IDS.rPriv}', 'x.pdf', 'application/pdf', 4, '\\x25504446')`,
			expect: {
				//          anon      outsider  viewer                   editor                   admin                    animN2    animN1            platform
				select: ['attPub', 'attPub', 'attPriv attVal attPub', 'attPriv attVal attPub', 'attPriv attVal attPub', 'attPub', 'attVal attPub', 'attPub'],
				insert: ['denied', 'rls',    'rls',                  'ok',                    'ok',                    'rls',    'rls',            'rls'],
				update: DENIED_ALL,
				delete: ['denied', '-',      '-',                    'attPriv attVal',        'attPriv attVal',        '-',      '-',              '-']
			}
		},
		resource_usages: {
			key: `resource_id::text || ':' || user_id::text`, set: 'worked = worked',
			insert: `insert into public.resource_usages (resource_id, org_id) values ('${IDS.rPub}', '${ORGS.A}')`,
			expect: {
				//          anon      outsider        viewer                        editor                        admin                         animN2          animN1                        platform
				select: ['denied', 'rPub:adminB',  'rVal:editorA rPub:adminB',   'rVal:editorA rPub:adminB',   'rVal:editorA rPub:adminB',   'rPub:adminB',  'rVal:editorA rPub:adminB',   'rPub:adminB'],
				// A lecteur does not declare a use in the collectivité's name (app.can_act_for_org).
				insert: ['denied', 'rls',          'rls',                        'ok',                         'ok',                         'rls',          'rls',                        'rls'],
				update: ['denied', 'rPub:adminB',  '-',                          'rVal:editorA',               '-',                          '-',            '-',                          '-'],
				delete: ['denied', 'rPub:adminB',  '-',                          'rVal:editorA',               '-',                          '-',            '-',                          '-']
			}
		},
		resource_favourites: {
			key: `user_id::text || ':' || resource_id::text`, set: 'created_at = created_at',
			insert: `insert into public.resource_favourites (resource_id) values ('${IDS.rPub}')`,
			expect: {
				//          anon      outsider    viewer editor          admin animN2 animN1 platform
				select: ['denied', 'adminB:rB', '-',   'editorA:rVal', '-',  '-',   '-',   '-'],
				insert: ['denied', 'ok',        'ok',  'ok',           'ok', 'ok',  'ok',  'ok'],
				update: DENIED_ALL,
				delete: ['denied', 'adminB:rB', '-',   'editorA:rVal', '-',  '-',   '-',   '-']
			}
		},
		resource_spaser_links: {
			key: 'id', set: 'mode = mode',
			insert: `insert into public.resource_spaser_links (resource_id, document_id, node_id, mode, created_by) values ('${IDS.rPub}', '${SPASERS.sA}', '${NODES.nA}', 'inserted', auth.uid())`,
			expect: {
				//          anon      outsider viewer  editor  admin   animN2 animN1  platform
				select: ['denied', '-',     'lnA',  'lnA',  'lnA',  '-',   'lnA',  '-'],
				insert: ['denied', 'rls',   'rls',  'ok',   'ok',   'rls', 'rls',  'rls'],
				update: DENIED_ALL,
				delete: ['denied', '-',     '-',    'lnA',  'lnA',  '-',   '-',    '-']
			}
		},
		resource_calc_settings: {
			key: 'network_id', set: 'hours_per_10k = hours_per_10k',
			insert: `insert into public.resource_calc_settings (network_id) values ('${NETWORKS.N2}')`,
			expect: {
				//          anon      outsider viewer editor admin animN2 animN1 platform
				select: ['denied', 'N1',    'N1',  'N1',  'N1', 'N1',  'N1',  'N1'],
				insert: ['denied', 'rls',   'rls', 'rls', 'rls', 'ok', 'rls', 'ok'],
				update: ['denied', '-',     '-',   '-',   '-',  '-',   'N1',  'N1'],
				delete: DENIED_ALL
			}
		}
	}
};
