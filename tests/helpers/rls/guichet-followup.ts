/**
 * Guichet vert follow-up tables in the RLS matrix: attachments of requests. gaA (adminA's file on grA), gaA2
 * (anim1's file with message gmA on grA), gaB (adminB's file on grB). Visible to whoever sees the request;
 * added by its buyers and animators; never updated nor deleted.
 */
import { DENIED_ALL, type RlsExtension } from '../rls-types';
import { GUICHET, USERS } from '../rls-fixture';

const ga = (k: number) => `80000000-0000-4000-8001-${String(k).padStart(12, '0')}`;
const IDS = { gaA: ga(1), gaA2: ga(2), gaB: ga(3) } as const;

export const extension: RlsExtension = {
	ids: IDS,
	async build(tx) {
		const file = (id: string, req: string, msg: string | null, by: string) =>
			tx.query(
				`insert into public.guichet_attachments (id, request_id, message_id, uploader_id, filename, mime, size, content)
				 values ($1, $2, $3, $4, 'piece.pdf', 'application/pdf', 5, '\\x255044462d'::bytea)`,
				[id, req, msg, by]
			);
		await file(IDS.gaA, GUICHET.grA, null, USERS.adminA);
		await file(IDS.gaA2, GUICHET.grA, GUICHET.gmA, USERS.anim1);
		await file(IDS.gaB, GUICHET.grB, null, USERS.adminB);
	},
	matrix: {
		guichet_attachments: {
			key: 'id',
			set: 'filename = filename',
			insert: `insert into public.guichet_attachments (request_id, filename, mime, size, content) values ('${GUICHET.grA}', 'x.pdf', 'application/pdf', 1, '\\x25'::bytea)`,
			expect: {
				//          anon      outsider viewer        editor        admin         animN2 animN1        platform
				select: ['denied', 'gaB', 'gaA gaA2', 'gaA gaA2', 'gaA gaA2', 'gaB', 'gaA gaA2', '*'],
				insert: ['denied', 'rls', 'rls', 'ok', 'ok', 'rls', 'ok', 'rls'],
				update: DENIED_ALL,
				delete: DENIED_ALL
			}
		}
	}
};
