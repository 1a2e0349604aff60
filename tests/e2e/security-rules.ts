/**
 * The access rules checked by tests/e2e/security-crawler.e2e.ts: for EVERY page, +server.ts endpoint, JSON API
 * endpoint and form action of the app, who gets which HTTP status. The crawler discovers the routes itself
 * (src/routes/** — pages, +server.ts handlers, the `export const actions` of each +page.server.ts — and
 * /api/v1/openapi.json) and fails when a route or action has no rule here, or when a rule names one that no longer
 * exists — so a new route or action cannot ship without deciding who may use it.
 *
 * ADDING A RULE — one line, keyed by `METHOD pattern`, the pattern written as on disk (pages, +server.ts, actions:
 * `?/name` for a named action, nothing for `default`) or as in the OpenAPI document (API, under /api/v1):
 *
 *   'GET /ressources/[id=uuid]': page(`/ressources/${DEMO.resource}`, { ...signedIn(404), viewer: 200, editor: 200, admin: 200 }),
 *   'GET /api/v1/resources/{id}': read(`/resources/${DEMO.resource}`, { ...token(404), viewer: 200, admin: 200 }),
 *   'POST /api/v1/resources': write('/resources', { title: 'Sonde' }, { ...token(403), editor: OK, admin: OK }),
 *   'POST /collectivites/[slug]/membres?/invite': action(`${C}/membres?/invite`, { email: 'intrus@…', role: 'admin' }, orgAdmin),
 *   'POST /connexion': action('/connexion', { … }, all(OK)),
 *
 * - `page(path, expect)`: a GET with the persona's session cookie, no redirect followed. `'login'` = 303 to
 *   /connexion?redirect=… (anonymous visitor on a members' page); numbers are exact statuses.
 * - `read(path, expect)`: a GET on /api/v1 + path with the persona's API token (read + write scopes); anon sends none.
 * - `write(path, body, expect)`: a write on /api/v1 + path. Personas with a refusal status (401/403/404/409…)
 *   receive the VALID `body` and must be refused; personas marked `OK` receive an invalid body (a JSON array) and
 *   must get 400 — they passed authentication and scope, and nothing is written to the shared demo data. Endpoints
 *   without a request body are not sent to `OK` personas at all (it would perform the action).
 * - `action(path, form, expect, invalid = {})`: a form action, POSTed as the browser's form (session cookie, the
 *   app's Origin; url-encoded, or multipart when a field is a `file(…)`), `path` the concrete URL with `?/name`.
 *   The status compared is the action's own outcome (fail(403) → 403, error(404) → 404, redirect → 303, success →
 *   200; see probeAction in the crawler for why not the rendered page's). Same semantics as `write`: personas with
 *   a refusal expectation (`'login'`, 403, 404, 409…) are sent the VALID `form` — write it so that it WOULD change
 *   the demo data if the refusal failed —; `OK` personas are sent `invalid` and must get 400 (an empty form by
 *   default; pass a form that breaks one rule, e.g. `tooLong('reason')`, when every field is optional). When no
 *   invalid form exists (no field — ?/leave, ?/resend, ?/favourite… — or unknown ids answered 404), pass
 *   `NO_INVALID`: `OK` personas are recorded but not sent anything. Many actions validate the form BEFORE the
 *   rights check (an invalid form gets 400 whoever sends it): that is why refused personas get the valid one.
 *   Public forms (login, sign-up, password reset) are probed with invalid forms only — never a wrong password for a
 *   demo account (8 failures from one address refuse that address for that account for 15 minutes).
 * - `skip(reason)`: a route the crawler cannot reach meaningfully (the API catch-all, covered by the API rows).
 * - Path placeholders `:name` and form functions `(f) => …` use fixtures created by the crawler (see `Fixtures`).
 * - Expectations are a full record of every persona: spread a preset (`all`, `signedIn`, `token`, or the action
 *   presets `orgAdmin`, `orgWriters`, `spaserWriters`, `organiser`…) and override.
 *
 * Personas (demo accounts, password « Demo-Spaser-2026! »; see supabase/seed.sql and supabase/seeds/security.sql):
 *   anon          nobody signed in (no cookie, no token)
 *   outsider      achats.metropole@ — admin of another collectivité (Métropole), member of the same network
 *   viewer        lecteur@    — viewer  of Agglomération du Val d'Aurence (the target collectivité)
 *   editor        redacteur@  — editor  of Val d'Aurence
 *   admin         admin@      — admin   of Val d'Aurence
 *   animator      animatrice@ — animator of the demo network, of which Val d'Aurence is a member
 *   otherAnimator animateur.autre-reseau@ — animator of another network, without any member
 *   platform      admin.plateforme@ — platform administrator
 */

export const PERSONAS = [
	'anon',
	'outsider',
	'viewer',
	'editor',
	'admin',
	'animator',
	'otherAnimator',
	'platform'
] as const;
export type Persona = (typeof PERSONAS)[number];

export const PERSONA_EMAILS: Record<Exclude<Persona, 'anon'>, string> = {
	outsider: 'achats.metropole@demo.spaser.test',
	viewer: 'lecteur@demo.spaser.test',
	editor: 'redacteur@demo.spaser.test',
	admin: 'admin@demo.spaser.test',
	animator: 'animatrice@demo.spaser.test',
	otherAnimator: 'animateur.autre-reseau@demo.spaser.test',
	platform: 'admin.plateforme@demo.spaser.test'
};

/** Fixed ids of the demo data (supabase/seed.sql, supabase/seeds/*.sql, src/lib/server/demo.ts). */
export const DEMO = {
	org: 'de000000-0000-4000-8001-000000000001',
	orgSlug: 'agglomeration-du-val-d-aurence',
	outsiderOrg: 'de000000-0000-4000-8001-000000000002',
	network: 'de000000-0000-4000-8002-000000000001',
	networkSlug: 'reseau-achats-responsables-sud-ouest',
	otherNetwork: 'de000000-0000-4000-8002-000000000901',
	otherNetworkSlug: 'reseau-commande-publique-durable-nord-est',
	/** Val d'Aurence's approved membership of the demo network. */
	orgMembership: 'de000000-0000-4000-8003-000000000001',
	/** A pending join request of the demo network (Sainte-Olvérine). */
	pendingMembership: 'de000000-0000-4000-8003-000000000013',
	spaser: 'de000000-0000-4000-8003-000000000001',
	/** The network forum, published, organised by the demo network. */
	event: 'de000000-0000-4000-8e06-000000000001',
	/** The webinar: published, registrations open, audience « buyers » (every public buyer). */
	webinar: 'de000000-0000-4000-8e06-000000000002',
	eventSession: 'de000000-0000-4000-8e06-000000000201',
	/** admin@'s registration to the forum, for Val d'Aurence. */
	registration: 'de000000-0000-4000-8e06-000000000301',
	/** redacteur@ (editor of Val d'Aurence), a member to try to remove. */
	editorUser: 'de000000-0000-4000-8000-000000000004',
	adminUser: 'de000000-0000-4000-8000-000000000003',
	viewerUser: 'de000000-0000-4000-8000-000000000005',
	animatorUser: 'de000000-0000-4000-8000-000000000002',
	/** Val d'Aurence's clause shared with (and validated by) the demo network. */
	resource: 'de000000-0000-4000-8010-000000000001',
	/** A private clause of another collectivité (Sainte-Olvérine), in no persona's reach (not even the platform's). */
	privateResource: 'de000000-0000-4000-8010-000000000033',
	/** An id that exists nowhere (unknown documents, files, tokens). */
	none: 'de000000-0000-4000-8fff-000000000000'
} as const;

/** The demo SPASER's title (src/lib/server/demo.ts): the crawl must leave it as it is. */
export const DEMO_SPASER_TITLE = "SPASER 2026-2029 de l'Agglomération du Val d'Aurence";

/**
 * Ids the crawler creates or looks up before crawling (as admin@ through the API, additive only):
 * `:version` a named version of the demo SPASER, `:request` a Guichet question of Val d'Aurence to the demo network.
 */
export interface Fixtures {
	version: string;
	request: string;
	/** `:node` the first element of the demo SPASER. */
	node: string;
	/** A pending invitation to Val d'Aurence (sent by admin@ to an address of nobody). */
	invitation: string;
	/** A comment of admin@ on the demo SPASER (through its form). */
	comment: string;
	/** `:draft` an import draft of Val d'Aurence started by admin@ (through its form). */
	draft: string;
	/** GET /spasers/{demo}/export as admin@: a valid body for POST /spasers/import. */
	spaserExport: Record<string, unknown>;
}

/** 'login': 303 to /connexion (anonymous on a members' page). OK: allowed write (probed with an invalid body → 400). */
export type Expect = number | 'login' | 'OK';
export type Expectations = Record<Persona, Expect>;

export type Rule =
	| { kind: 'page'; path: string; expect: Expectations }
	| { kind: 'read'; path: string; expect: Expectations }
	| { kind: 'write'; path: string; body: unknown | ((f: Fixtures) => unknown); expect: Expectations }
	| {
			kind: 'action';
			path: string;
			body: FormBody | ((f: Fixtures) => FormBody);
			invalid: FormBody | null;
			expect: Expectations;
	  }
	| { kind: 'skip'; reason: string };

/** A file field of a form (sent as multipart/form-data). */
export interface FilePart {
	name: string;
	mimeType: string;
	buffer: Buffer;
}
/** The fields of a form: a repeated field (checkboxes, multiple select) is an array. */
export type FormBody = Record<string, string | string[] | FilePart>;

export const OK = 'OK' as const;
export function all(e: Expect): Expectations {
	return Object.fromEntries(PERSONAS.map((p) => [p, e])) as Expectations;
}
/** Pages: anonymous → login, everyone signed in → `e`. */
export const signedIn = (e: Expect): Expectations => ({ ...all(e), anon: 'login' });
/** API: no token → 401, every token → `e`. */
export const token = (e: Expect): Expectations => ({ ...all(e), anon: 401 });
/** Val d'Aurence's members (viewer, editor, admin). */
const members = (e: Expect) => ({ viewer: e, editor: e, admin: e });
/** Acting for Val d'Aurence (Guichet vert requests, bookings and messages, « J'utilise »): its editors and admins; its viewers read only (app.can_act_for_org). */
const actForOrg = { viewer: 403, editor: OK, admin: OK } as const;
/**
 * Who sees Val d'Aurence's profile without being a member (RLS organisations_select): the admin of another
 * collectivité of the same network, the network's animator, the platform admin. Member rows, invitations and
 * documents stay filtered by their own policies.
 */
const orgPeers = (e: Expect) => ({ outsider: e, animator: e, platform: e });

export const page = (path: string, expect: Expectations): Rule => ({ kind: 'page', path, expect });
export const read = (path: string, expect: Expectations): Rule => ({ kind: 'read', path, expect });
export const write = (path: string, body: unknown | ((f: Fixtures) => unknown), expect: Expectations): Rule => ({
	kind: 'write',
	path,
	body,
	expect
});
export const skip = (reason: string): Rule => ({ kind: 'skip', reason });
/**
 * A form action (see the header). `invalid` is what `OK` personas are sent (default: an empty form) and must be
 * answered 400 for; `null` when the action has no invalid form (no field, or none required): `OK` personas are
 * then not sent anything, the action would be performed.
 */
export const action = (
	path: string,
	body: FormBody | ((f: Fixtures) => FormBody),
	expect: Expectations,
	invalid: FormBody | null = {}
): Rule => ({
	kind: 'action',
	path,
	body,
	invalid,
	expect
});
/** The action has no invalid form: `OK` personas are recorded, not sent anything. */
const NO_INVALID = null;

/** A valid « my availability » body (an inactive profile): refused personas must not get to create it. */
const GUICHET_AVAILABILITY = {
	profile: {
		sessionMinutes: 60,
		bufferBeforeMinutes: 0,
		bufferAfterMinutes: 0,
		minNoticeMinutes: 0,
		horizonDays: 30,
		maxPerDay: null,
		modalities: ['telephone'],
		phone: '05 00 00 00 00',
		topics: [],
		confirmationMode: 'manual',
		active: false
	},
	weeklyHours: []
};

/** A valid clause model (refused personas must not get to create, change or import it). */
const PROBE_RESOURCE = {
	kind: 'clause',
	title: 'Clause sonde de sécurité',
	summary: 'Sonde',
	body: 'Texte de la sonde de sécurité.',
	family: 'sociale',
	mechanism: 'autre',
	segments: [],
	cpvCodes: []
};

const { org, orgSlug, spaser, network, event, eventSession, registration, none } = DEMO;
const S = `/spaser/${spaser}`;
const C = `/collectivites/${orgSlug}`;
const E = `/evenements/${event}`;
const N = `/reseaux/${DEMO.networkSlug}`;
/** Val d'Aurence's public clause, validated in the demo network. */
const R = `/ressources/clauses/${DEMO.resource}`;

// ── Form bodies of the action rules: VALID submissions, only ever sent to personas that must be refused ──────
const file = (name: string, mimeType: string, content: string | Buffer): FilePart => ({
	name,
	mimeType,
	buffer: Buffer.isBuffer(content) ? content : Buffer.from(content)
});
/** A 1×1 transparent PNG. */
const PNG = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
	'base64'
);
const PDF =
	'%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n';
const ORG_FORM = { name: "Agglomération du Val d'Aurence (prise par un intrus)", kind: 'communaute_agglomeration' };
const RESOURCE_FORM = {
	kind: 'clause',
	title: 'Clause sonde de sécurité',
	summary: 'Sonde',
	body: 'Texte de la sonde de sécurité.',
	family: 'sociale',
	mechanism: 'autre'
};
const WIZARD_FORM = {
	orgKind: 'communaute_agglomeration',
	experience: 'first',
	periodStart: '2030',
	periodEnd: '2033',
	title: 'SPASER d’un intrus'
};
const EVENT_FORM = {
	kind: 'webinaire',
	title: 'Webinaire d’un intrus',
	audience: 'network',
	startsAt: '2030-01-07T10:00',
	endsAt: '2030-01-07T11:00'
};
const GUICHET_FORM = { orgId: org, topic: 'Sonde', stage: 'spaser', question: 'Une question d’un intrus.' };
const PROFILE_FORM = {
	sessionMinutes: '60',
	bufferBeforeMinutes: '0',
	bufferAfterMinutes: '0',
	minNoticeHours: '0',
	horizonDays: '30',
	modalities: ['telephone'],
	phone: '05 00 00 00 00',
	confirmationMode: 'manual'
};
/** An invalid form where every field is optional: one field over its length limit. */
const tooLong = (field: string) => ({ [field]: 'x'.repeat(20_001) });
/** Indicator pages act on the collectivité named by ?org= (without it, on the person's first one). */
const I = (path: string, name: string) => `${path}?/${name}&org=${orgSlug}`;
/** Who may change Val d'Aurence's SPASER (its editors and admins); its viewers and the animator it is shared with read only. */
const spaserWriters = { ...signedIn(404), viewer: 403, editor: OK, admin: OK, animator: 403 } as Expectations;
/** The collectivité's admin only, through its pages (others who see the collectivité: 403; the other animator: 404). */
const orgAdmin = { ...signedIn(403), otherAnimator: 404, admin: OK } as Expectations;
/** Its editors and admins. */
const orgWriters = { ...signedIn(403), otherAnimator: 404, editor: OK, admin: OK } as Expectations;
/** The demo network's animator and the platform administrator. */
const networkManagers = { ...signedIn(403), animator: OK, platform: OK } as Expectations;
/** Animators of any network (their own Guichet profile). */
const animators = { ...signedIn(403), animator: OK, otherAnimator: OK } as Expectations;
/** The forum's organiser (the demo network's animator); everybody else is told it does not exist. */
const organiser = { ...signedIn(404), animator: OK } as Expectations;
/** Val d'Aurence's indicators: editors and admins write, viewers are refused, non-members do not see the collectivité. */
const indicatorWriters = { ...signedIn(404), viewer: 403, editor: OK, admin: OK } as Expectations;

export const RULES: Record<string, Rule> = {
	// ── Public pages and account pages (signed in, / and the login pages send to /collectivites) ────────────
	'GET /': page('/', { ...all(303), anon: 200 }),
	'GET /connexion': page('/connexion', { ...all(303), anon: 200 }),
	'GET /deconnexion': page('/deconnexion', { ...all(200), anon: 303 }),
	'GET /inscription': page('/inscription', { ...all(303), anon: 200 }),
	'GET /mot-de-passe': page('/mot-de-passe', all(303)),
	'GET /mot-de-passe/oubli': page('/mot-de-passe/oubli', all(200)),
	'GET /mot-de-passe/nouveau': page('/mot-de-passe/nouveau', all(200)),
	'GET /verifier-email': page('/verifier-email', all(200)),
	'GET /verifier-email/envoye': page('/verifier-email/envoye', all(200)),
	'GET /invitation/[secret]': page('/invitation/secret-inconnu-0123456789', all(200)),
	'GET /healthz': page('/healthz', all(200)),
	'GET /compte': page('/compte', signedIn(200)),
	'GET /compte/donnees': page('/compte/donnees', signedIn(200)),
	'GET /compte/donnees/export': page('/compte/donnees/export', signedIn(200)),

	// ── Platform administration ──────────────────────────────────────────────────────────────────────────────
	'GET /admin': page('/admin', { ...signedIn(403), platform: 200 }),
	'GET /admin/collectivites': page('/admin/collectivites', { ...signedIn(403), platform: 200 }),
	'GET /admin/emails': page('/admin/emails', { ...signedIn(403), platform: 200 }),
	'GET /admin/reseaux': page('/admin/reseaux', { ...signedIn(403), platform: 200 }),
	'GET /admin/utilisateurs': page('/admin/utilisateurs', { ...signedIn(403), platform: 200 }),

	// ── Collectivités (profile visible to network peers; editing pages render read-only, actions check) ─────
	'GET /collectivites': page('/collectivites', signedIn(200)),
	'GET /collectivites/nouvelle': page('/collectivites/nouvelle', signedIn(200)),
	'GET /collectivites/aller': page(`/collectivites/aller?slug=${orgSlug}`, all(303)),
	'GET /collectivites/[slug]': page(C, { ...signedIn(404), ...members(200), ...orgPeers(200) }),
	'GET /collectivites/[slug]/journal': page(`${C}/journal`, {
		...signedIn(403),
		otherAnimator: 404,
		admin: 200,
		platform: 200
	}),
	'GET /collectivites/[slug]/donnees': page(`${C}/donnees`, { ...signedIn(403), otherAnimator: 404, admin: 200 }),
	'GET /collectivites/[slug]/donnees/export': page(`${C}/donnees/export`, {
		...signedIn(403),
		otherAnimator: 404,
		admin: 200
	}),
	'GET /collectivites/[slug]/logo': page(`${C}/logo`, all(404)),
	'GET /collectivites/[slug]/membres': page(`${C}/membres`, { ...signedIn(404), ...members(200), ...orgPeers(200) }),
	'GET /collectivites/[slug]/parametres': page(`${C}/parametres`, {
		...signedIn(404),
		...members(200),
		...orgPeers(200)
	}),
	'GET /collectivites/[slug]/reseaux': page(`${C}/reseaux`, { ...signedIn(404), ...members(200), ...orgPeers(200) }),
	'GET /collectivites/[slug]/spaser': page(`${C}/spaser`, { ...signedIn(404), ...members(200), ...orgPeers(200) }),
	'GET /collectivites/[slug]/spaser/nouveau': page(`${C}/spaser/nouveau`, {
		...signedIn(404),
		...members(200),
		...orgPeers(200)
	}),
	'GET /collectivites/[slug]/spaser/importer': page(`${C}/spaser/importer`, {
		...signedIn(404),
		...members(200),
		...orgPeers(200)
	}),
	'GET /collectivites/[slug]/spaser/importer/document': page(`${C}/spaser/importer/document`, {
		...signedIn(404),
		...members(200),
		...orgPeers(200)
	}),
	'GET /collectivites/[slug]/spaser/importer/document/[id=uuid]': page(
		`${C}/spaser/importer/document/${none}`,
		signedIn(404)
	),

	// ── SPASER (the demo SPASER is shared with the demo network: its animator reads it) ─────────────────────
	'GET /spaser/[id=uuid]': page(S, { ...signedIn(404), ...members(200), animator: 200 }),
	// the discussions, refetched by the page when told they changed; the announcement stream answers 406 to anything but EventSource
	'GET /spaser/[id=uuid]/commentaires': page(`${S}/commentaires`, { ...signedIn(404), ...members(200), animator: 200 }),
	'GET /spaser/[id=uuid]/commentaires/flux': page(`${S}/commentaires/flux`, {
		...signedIn(404),
		...members(406),
		animator: 406
	}),
	'GET /spaser/[id=uuid]/imprimer': page(`${S}/imprimer`, { ...signedIn(404), ...members(200), animator: 200 }),
	'GET /spaser/[id=uuid]/parametres': page(`${S}/parametres`, { ...signedIn(404), ...members(200), animator: 200 }),
	'GET /spaser/[id=uuid]/versions': page(`${S}/versions`, { ...signedIn(404), ...members(200), animator: 200 }),
	'GET /spaser/[id=uuid]/versions/[versionId=uuid]': page(`${S}/versions/:version`, {
		...signedIn(404),
		...members(200),
		animator: 200
	}),
	'GET /spaser/[id=uuid]/export.docx': page(`${S}/export.docx`, { ...signedIn(404), ...members(200), animator: 200 }),
	'GET /spaser/[id=uuid]/export.json': page(`${S}/export.json`, { ...signedIn(404), ...members(200), animator: 200 }),
	'GET /spaser/[id=uuid]/historique': page(`${S}/historique?noeud=:node`, {
		...signedIn(404),
		...members(200),
		animator: 200
	}),
	'GET /spaser/[id=uuid]/fichier-importe/[importId=uuid]': page(`${S}/fichier-importe/${none}`, signedIn(404)),
	// the document view's library search: readers of this SPASER only (the results are what RLS lets each one read)
	'GET /spaser/[id=uuid]/bibliotheque': page(`${S}/bibliotheque?q=clause`, {
		...signedIn(404),
		...members(200),
		animator: 200
	}),
	'GET /p/[org]/[spaser]': page(`/p/${orgSlug}/spaser-2026-2029`, all(404)), // not published

	// ── Networks ─────────────────────────────────────────────────────────────────────────────────────────────
	'GET /reseaux': page('/reseaux', all(200)),
	'GET /reseaux/[slug]': page(`/reseaux/${DEMO.networkSlug}`, all(200)),
	'GET /reseaux/[slug]/journal': page(`/reseaux/${DEMO.networkSlug}/journal`, {
		...signedIn(403),
		animator: 200,
		platform: 200
	}),

	// ── Guichet vert (:request is Val d'Aurence's question to the demo network) ─────────────────────────────
	'GET /guichet': page('/guichet', signedIn(200)),
	'GET /guichet/[slug]/question': page(`/guichet/${DEMO.networkSlug}/question`, signedIn(200)),
	'GET /guichet/[slug]/reserver': page(`/guichet/${DEMO.networkSlug}/reserver`, signedIn(200)),
	'GET /guichet/agenda': page('/guichet/agenda', signedIn(200)),
	'GET /guichet/animation': page('/guichet/animation', signedIn(200)),
	'GET /guichet/animation/tableau-de-bord': page('/guichet/animation/tableau-de-bord', {
		...signedIn(403),
		animator: 200,
		otherAnimator: 200
	}),
	'GET /guichet/animation/tableau-de-bord/csv': page('/guichet/animation/tableau-de-bord/csv', {
		...signedIn(403),
		animator: 200,
		otherAnimator: 200
	}),
	'GET /guichet/calendrier/[token].ics': page('/guichet/calendrier/jeton-inconnu.ics', all(404)),
	'GET /guichet/demande/[id=uuid]': page('/guichet/demande/:request', {
		...signedIn(404),
		...members(200),
		animator: 200,
		platform: 200
	}),
	'GET /guichet/demande/[id=uuid]/pieces/[fileId=uuid]': page(
		`/guichet/demande/:request/pieces/${none}`,
		signedIn(404)
	),
	'GET /guichet/demandes/[id]': page('/guichet/demandes/:request', all(308)),
	'GET /guichet/seance/[id=uuid]': page(`/guichet/seance/${none}`, signedIn(404)),
	'GET /guichet/seance/[id=uuid]/ics': page(`/guichet/seance/${none}/ics`, { ...all(404), anon: 401 }),
	'GET /guichet/rendez-vous/[id]': page(`/guichet/rendez-vous/${none}`, all(308)),

	// ── Clause models and REX (resource: Val d'Aurence's clause validated in the demo network) ──────────────
	'GET /ressources': page('/ressources', all(200)),
	// (a private clause of another collectivité: as if it did not exist; Val d'Aurence's public clause is read by
	// everyone through the API below, and only its editors and admins may edit it)
	'GET /ressources/[kind]/[id=uuid]': page(`/ressources/clauses/${DEMO.privateResource}`, signedIn(404)),
	'GET /ressources/[kind]/[id=uuid]/modifier': page(`/ressources/clauses/${DEMO.resource}/modifier`, {
		...signedIn(403),
		editor: 200,
		admin: 200
	}),
	'GET /ressources/calculateur': page('/ressources/calculateur', all(200)),
	'GET /ressources/export': page('/ressources/export', all(200)),
	'GET /ressources/favoris': page('/ressources/favoris', signedIn(200)),
	'GET /ressources/import': page('/ressources/import', signedIn(200)),
	'GET /ressources/nouvelle': page('/ressources/nouvelle', signedIn(200)),
	'GET /ressources/pieces/[id=uuid]': page(`/ressources/pieces/${none}`, all(404)),
	'GET /ressources/relecture': page('/ressources/relecture', signedIn(200)),

	// ── Indicators, DECP, benchmark (each person sees their own collectivité's figures) ───────────────────────
	'GET /indicateurs': page('/indicateurs', signedIn(200)),
	'GET /indicateurs/bilan': page('/indicateurs/bilan', signedIn(200)),
	'GET /indicateurs/bilan/[id=uuid]/[file]': page(`/indicateurs/bilan/${none}/bilan.docx`, signedIn(404)),
	'GET /indicateurs/catalogue': page('/indicateurs/catalogue', signedIn(200)),
	'GET /indicateurs/decp': page('/indicateurs/decp', signedIn(200)),
	'GET /indicateurs/import': page('/indicateurs/import', signedIn(200)),
	// (the template is made for one's collectivité: people without one get 404)
	'GET /indicateurs/modele': page('/indicateurs/modele', {
		...signedIn(200),
		animator: 404,
		otherAnimator: 404,
		platform: 404
	}),
	'GET /comparaison': page('/comparaison', signedIn(200)),
	// (the former English URL: a permanent redirect for every method, whoever asks)
	'GET /benchmark/[...rest]': page('/benchmark?annee=2024', all(308)),
	'ANY /benchmark/[...rest]': page('/benchmark/ancienne-page', all(308)),

	// ── Events (the forum: audience « network », organised by the demo network; admin@ is registered) ───────
	'GET /evenements': page('/evenements', all(200)),
	'GET /evenements/agenda.ics': page('/evenements/agenda.ics', all(200)),
	'GET /evenements/nouveau': page('/evenements/nouveau', signedIn(200)),
	'GET /evenements/chiffres': page('/evenements/chiffres', signedIn(200)),
	'GET /evenements/chiffres/export': page('/evenements/chiffres/export', signedIn(200)),
	'GET /evenements/[id=uuid]': page(E, { ...all(200), anon: 404, otherAnimator: 404 }),
	'GET /evenements/[id=uuid]/modifier': page(`${E}/modifier`, { ...signedIn(403), otherAnimator: 404, animator: 200 }),
	'GET /evenements/[id=uuid]/inscrits': page(`${E}/inscrits`, { ...signedIn(403), otherAnimator: 404, animator: 200 }),
	'GET /evenements/[id=uuid]/inscrits/export': page(`${E}/inscrits/export`, {
		...signedIn(403),
		otherAnimator: 404,
		animator: 200
	}),
	'GET /evenements/[id=uuid]/attestations': page(`${E}/attestations`, {
		...signedIn(403),
		otherAnimator: 404,
		animator: 200
	}),
	'GET /evenements/[id=uuid]/emargement/[sid=uuid]': page(`${E}/emargement/${eventSession}`, {
		...signedIn(404),
		animator: 200
	}),
	'GET /evenements/[id=uuid]/emargement/[sid=uuid]/feuille': page(`${E}/emargement/${eventSession}/feuille`, {
		...signedIn(404),
		animator: 200
	}),
	'GET /evenements/[id=uuid]/inscription/[rid=uuid]': page(`${E}/inscription/${registration}`, {
		...signedIn(404),
		admin: 200,
		animator: 200,
		platform: 200
	}),
	'GET /evenements/[id=uuid]/inscription/[rid=uuid]/attestation': page(`${E}/inscription/${registration}/attestation`, {
		...signedIn(404),
		admin: 200,
		animator: 200,
		platform: 200
	}),

	// ── JSON API (/api/v1) ───────────────────────────────────────────────────────────────────────────────────
	'ANY /api/v1/[...path]': skip('the API catch-all: every registered endpoint has its own row below'),
	'GET /api/v1/openapi.json': read('/openapi.json', all(200)),
	'GET /api/v1/me': read('/me', token(200)),

	'GET /api/v1/organisations': read('/organisations', token(200)),
	'POST /api/v1/organisations': write('/organisations', { name: 'Commune sonde', kind: 'commune' }, token(OK)),
	'GET /api/v1/organisations/{id}': read(`/organisations/${org}`, { ...token(404), ...members(200), ...orgPeers(200) }),
	// (Val d'Aurence is validated: its kind, region, département and population are frozen for its admins, 409 —
	// tests/integration/benchmark.test.ts; the probe changes a free field)
	'PATCH /api/v1/organisations/{id}': write(
		`/organisations/${org}`,
		{ referentsCount: 14 },
		{ ...token(404), ...members(403), admin: OK, outsider: 403, animator: 403, platform: OK }
	),
	'GET /api/v1/organisations/{id}/members': read(`/organisations/${org}/members`, {
		...token(404),
		...members(200),
		...orgPeers(200)
	}),
	'POST /api/v1/organisations/{id}/invitations': write(
		`/organisations/${org}/invitations`,
		{ email: 'intrus@demo.spaser.test', role: 'admin' },
		{ ...token(404), ...members(403), ...orgPeers(403), admin: OK }
	),
	// the target is admin@ (removing oneself is leaving, which any member may do)
	'DELETE /api/v1/organisations/{id}/members/{userId}': write(
		`/organisations/${org}/members/${DEMO.adminUser}`,
		undefined,
		{ ...token(404), ...members(403), ...orgPeers(403), outsider: 404, admin: OK }
	),
	// (RGPD: the collectivité's administrators only; a refused persona is sent the exact name, admin@ an invalid body)
	'GET /api/v1/organisations/{id}/export': read(`/organisations/${org}/export`, {
		...token(404),
		...members(403),
		...orgPeers(403),
		admin: 200
	}),
	'POST /api/v1/organisations/{id}/closure': write(
		`/organisations/${org}/closure`,
		{ confirmation: "Agglomération du Val d'Aurence" },
		{ ...token(404), ...members(403), ...orgPeers(403), admin: OK }
	),
	'GET /api/v1/organisations/{id}/spasers': read(`/organisations/${org}/spasers`, {
		...token(404),
		...members(200),
		...orgPeers(200)
	}),
	'POST /api/v1/organisations/{id}/spasers': write(
		`/organisations/${org}/spasers`,
		{ title: 'SPASER sonde', periodStart: 2026, periodEnd: 2028 },
		{ ...token(404), ...orgPeers(403), ...members(OK), viewer: 403 }
	),
	'POST /api/v1/organisations/{id}/spasers/import-document': write(
		`/organisations/${org}/spasers/import-document`,
		{ fileName: 'sonde.txt', text: 'SPASER sonde\n\nAxe 1 : achats sociaux' },
		{ ...token(404), ...orgPeers(403), ...members(OK), viewer: 403 }
	),
	'POST /api/v1/spasers/import': write('/spasers/import', (f: Fixtures) => ({ ...f.spaserExport, orgId: org }), {
		...token(404),
		...orgPeers(403),
		...members(OK),
		viewer: 403
	}),
	// (a write token of an admin or editor of some collectivité: outsider@ administers another one)
	'POST /api/v1/spasers/import-document/preview': write(
		'/spasers/import-document/preview',
		{ fileName: 'sonde.txt', text: 'Sonde' },
		{ ...token(403), editor: OK, admin: OK, outsider: OK }
	),

	'GET /api/v1/spasers/{id}': read(`/spasers/${spaser}`, { ...token(404), ...members(200), animator: 200 }),
	'PATCH /api/v1/spasers/{id}': write(
		`/spasers/${spaser}`,
		{ title: 'Titre pris par un intrus' },
		{ ...token(404), ...members(OK), viewer: 403, animator: 403 }
	),
	'GET /api/v1/spasers/{id}/nodes': read(`/spasers/${spaser}/nodes`, { ...token(404), ...members(200), animator: 200 }),
	'GET /api/v1/spasers/{id}/targets': read(`/spasers/${spaser}/targets`, {
		...token(404),
		...members(200),
		animator: 200
	}),
	'GET /api/v1/spasers/{id}/versions': read(`/spasers/${spaser}/versions`, {
		...token(404),
		...members(200),
		animator: 200
	}),
	'POST /api/v1/spasers/{id}/versions': write(
		`/spasers/${spaser}/versions`,
		{ name: 'Version d’un intrus' },
		{ ...token(404), ...members(OK), viewer: 403, animator: 403 }
	),
	'GET /api/v1/spasers/{id}/versions/{versionId}': read(`/spasers/${spaser}/versions/:version`, {
		...token(404),
		...members(200),
		animator: 200
	}),
	'GET /api/v1/spasers/{id}/export': read(`/spasers/${spaser}/export`, {
		...token(404),
		...members(200),
		animator: 200
	}),

	// (memberships: RLS lists the approved ones to everyone, and one's own collectivité's requests)
	'GET /api/v1/networks': read('/networks', all(200)),
	'GET /api/v1/networks/{id}': read(`/networks/${network}`, all(200)),
	'GET /api/v1/networks/{id}/memberships': read(`/networks/${network}/memberships`, token(200)),
	'POST /api/v1/networks/{id}/join-requests': write(
		`/networks/${network}/join-requests`,
		{ orgId: org },
		{ ...token(403), admin: 409 }
	),
	'POST /api/v1/memberships/{id}/decision': write(
		`/memberships/${DEMO.pendingMembership}/decision`,
		{ decision: 'approved' },
		{ ...token(404), animator: OK, platform: OK }
	),

	// (the Guichet of a network: its animators and its member collectivités)
	'GET /api/v1/networks/{id}/guichet/animators': read(`/networks/${network}/guichet/animators`, {
		...token(200),
		otherAnimator: 404
	}),
	'GET /api/v1/networks/{id}/guichet/slots': read(`/networks/${network}/guichet/slots`, {
		...token(200),
		otherAnimator: 404
	}),
	'GET /api/v1/networks/{id}/guichet/availability': read(`/networks/${network}/guichet/availability`, {
		...token(403),
		otherAnimator: 404,
		animator: 200
	}),
	'PUT /api/v1/networks/{id}/guichet/availability': write(
		`/networks/${network}/guichet/availability`,
		GUICHET_AVAILABILITY,
		{ ...token(403), otherAnimator: 404, animator: OK }
	),
	'GET /api/v1/networks/{id}/guichet/bookings': read(`/networks/${network}/guichet/bookings`, {
		...token(200),
		otherAnimator: 404
	}),
	// (the right to book for Val d'Aurence is checked first: refused personas get 403 whatever the agenda, and
	// whether or not an animator of the network has opened slots yet)
	'POST /api/v1/networks/{id}/guichet/bookings': write(
		`/networks/${network}/guichet/bookings`,
		{
			start: '2030-01-07T09:00:00+01:00',
			modality: 'visio',
			orgId: org,
			topic: 'Sonde',
			stage: 'spaser',
			question: 'Sonde'
		},
		{ ...token(403), otherAnimator: 404, ...actForOrg }
	),
	'GET /api/v1/guichet/bookings/{id}': read(`/guichet/bookings/${none}`, token(404)),
	'POST /api/v1/guichet/bookings/{id}/confirm': write(`/guichet/bookings/${none}/confirm`, undefined, token(404)),
	'POST /api/v1/guichet/bookings/{id}/cancel': write(
		`/guichet/bookings/${none}/cancel`,
		{ reason: 'Sonde' },
		token(404)
	),
	'POST /api/v1/guichet/bookings/{id}/reschedule': write(
		`/guichet/bookings/${none}/reschedule`,
		{ start: '2030-01-07T10:00:00+01:00', reason: 'Sonde' },
		token(404)
	),
	'POST /api/v1/networks/{id}/guichet/questions': write(
		`/networks/${network}/guichet/questions`,
		{ orgId: org, topic: 'Sonde', stage: 'spaser', question: 'Sonde' },
		{ ...token(403), otherAnimator: 404, ...actForOrg }
	),
	'GET /api/v1/guichet/requests/{id}': read('/guichet/requests/:request', {
		...token(404),
		...members(200),
		animator: 200,
		platform: 200
	}),
	'GET /api/v1/guichet/requests/{id}/attachments/{fileId}': read(
		`/guichet/requests/:request/attachments/${none}`,
		token(404)
	),
	'POST /api/v1/guichet/requests/{id}/messages': write(
		'/guichet/requests/:request/messages',
		{ body: 'Message d’un intrus' },
		{ ...token(404), ...actForOrg, animator: OK, platform: 403 }
	),

	// (public clause: readable by everyone; a refused persona gets a VALID body and must be stopped by its rights)
	'GET /api/v1/resources': read('/resources', all(200)),
	'GET /api/v1/resources/{id}': read(`/resources/${DEMO.resource}`, all(200)),
	'POST /api/v1/resources': write(
		'/resources',
		{ orgId: org, resource: PROBE_RESOURCE },
		{ ...token(403), editor: OK, admin: OK }
	),
	'PUT /api/v1/resources/{id}': write(`/resources/${DEMO.privateResource}`, PROBE_RESOURCE, token(404)),
	'POST /api/v1/resources/import': write(
		'/resources/import',
		{ orgId: org, items: [PROBE_RESOURCE] },
		{ ...token(403), editor: OK, admin: OK }
	),

	'GET /api/v1/indicators': read('/indicators', token(200)),
	'GET /api/v1/organisations/{id}/indicator-values': read(`/organisations/${org}/indicator-values`, {
		...token(404),
		...members(200)
	}),
	'PUT /api/v1/organisations/{id}/indicator-values': write(
		`/organisations/${org}/indicator-values`,
		{ indicatorId: none, year: 2025, value: 10 },
		{ ...token(404), viewer: 403, editor: OK, admin: OK }
	),
	'DELETE /api/v1/organisations/{id}/indicator-values/{valueId}': write(
		`/organisations/${org}/indicator-values/${none}`,
		undefined,
		{ ...token(404), viewer: 403 }
	),
	'GET /api/v1/organisations/{id}/decp-imports': read(`/organisations/${org}/decp-imports`, {
		...token(404),
		...members(200)
	}),
	'POST /api/v1/organisations/{id}/decp-imports': write(
		`/organisations/${org}/decp-imports`,
		{ fileName: 'decp.json', content: '{"marches":[]}' },
		{ ...token(404), viewer: 403, editor: OK, admin: OK }
	),
	'GET /api/v1/benchmark/statistics': read('/benchmark/statistics', token(400)),

	'GET /api/v1/events': read('/events', all(200)),
	'POST /api/v1/events': write(
		'/events',
		{
			kind: 'webinaire',
			title: 'Webinaire sonde',
			organiser: `network:${network}`,
			audience: 'network',
			startsAt: '2030-01-07T10:00',
			endsAt: '2030-01-07T11:00'
		},
		{ ...token(403), animator: OK }
	),
	'GET /api/v1/events/{id}': read(`/events/${event}`, { ...all(200), anon: 404, otherAnimator: 404 }),
	'POST /api/v1/events/{id}/publish': write(
		`/events/${event}/publish`,
		{ published: false },
		{ ...token(404), animator: OK }
	),
	'POST /api/v1/events/{id}/choice-groups': write(
		`/events/${event}/choice-groups`,
		{ title: 'Groupe sonde' },
		{ ...token(404), animator: OK }
	),
	'POST /api/v1/events/{id}/sessions': write(
		`/events/${event}/sessions`,
		{ title: 'Sonde', startsAt: '2030-01-07T09:00', endsAt: '2030-01-07T10:00' },
		{ ...token(404), animator: OK }
	),
	// (RLS shows each persona the registrations it may see: its own collectivité's, all for the organiser)
	'GET /api/v1/events/{id}/registrations': read(`/events/${event}/registrations`, {
		...token(200),
		otherAnimator: 404
	}),
	// registering lecteur@ (not registered yet): himself, his collectivité's admin and the organiser may
	'POST /api/v1/events/{id}/registrations': write(
		`/events/${DEMO.webinar}/registrations`,
		{ userId: DEMO.viewerUser, orgId: org },
		{ ...token(403), viewer: OK, admin: OK, animator: OK }
	),
	'POST /api/v1/event-registrations/{id}/cancel': write(`/event-registrations/${registration}/cancel`, undefined, {
		...token(404),
		admin: OK,
		animator: OK,
		platform: OK
	}),
	'POST /api/v1/event-sessions/{id}/check-ins': write(
		`/event-sessions/${eventSession}/check-ins`,
		{ registrationId: registration },
		{ ...token(404), animator: OK }
	),
	'DELETE /api/v1/event-sessions/{id}/check-ins/{registrationId}': write(
		`/event-sessions/${eventSession}/check-ins/${registration}`,
		undefined,
		{ ...token(404), animator: OK }
	),

	// ── Form actions (POST, a plain browser form; see the header: refused personas send the VALID form) ──────────
	// Public forms: every persona, signed in or not, may submit them; probed with an empty form only (→ 400), so that
	// no account is created, no mail sent and no demo account gets a failed login attempt.
	'POST /connexion': action('/connexion', { email: 'inconnu@exemple.test', password: 'x' }, all(OK)),
	'POST /inscription': action('/inscription', {}, all(OK)),
	'POST /mot-de-passe/oubli': action('/mot-de-passe/oubli', {}, all(OK)),
	'POST /mot-de-passe/nouveau': action('/mot-de-passe/nouveau', {}, all(OK)),
	// (signing out: a signed-in persona is never sent it — the crawl would lose its session; anonymous: back home)
	'POST /deconnexion': action('/deconnexion', {}, { ...all(OK), anon: 303 }, NO_INVALID),
	// (an unknown invitation: refused to everyone signed in, and nothing joined)
	'POST /invitation/[secret]?/accept': action('/invitation/secret-inconnu-0123456789?/accept', {}, signedIn(409)),
	'POST /invitation/[secret]?/resend': action(
		'/invitation/secret-inconnu-0123456789?/resend',
		{},
		signedIn(OK),
		NO_INVALID
	),
	'POST /verifier-email?/resend': action('/verifier-email?/resend', {}, signedIn(OK), NO_INVALID),
	'POST /verifier-email/envoye?/resend': action('/verifier-email/envoye?/resend', {}, signedIn(OK), NO_INVALID),

	// (one's own account: every signed-in persona; the password forms are probed empty, never with a wrong password)
	'POST /compte?/profile': action('/compte?/profile', { displayName: 'Intrus' }, signedIn(OK)),
	'POST /compte?/password': action(
		'/compte?/password',
		{ currentPassword: 'x', newPassword: 'Un-Intrus-2026!' },
		signedIn(OK)
	),
	'POST /compte?/resend': action('/compte?/resend', {}, signedIn(OK), NO_INVALID),
	'POST /compte?/logoutEverywhere': action('/compte?/logoutEverywhere', {}, signedIn(OK), NO_INVALID),
	'POST /compte?/createToken': action(
		'/compte?/createToken',
		{ name: 'Jeton d’un intrus', scopes: ['read'] },
		signedIn(OK)
	),
	'POST /compte?/revokeToken': action('/compte?/revokeToken', { id: none }, signedIn(404)), // (an unknown token: one's own tokens only)
	'POST /compte/donnees?/delete': action(
		'/compte/donnees?/delete',
		{ password: 'x', confirmation: 'SUPPRIMER' },
		signedIn(OK)
	),

	// (validating a collectivité: platform admins only; the valid form names a demo collectivité outside the network)
	'POST /admin/collectivites?/validate': action(
		'/admin/collectivites?/validate',
		{ org: DEMO.outsiderOrg },
		{ ...signedIn(403), platform: OK }
	),
	'POST /admin/collectivites?/unvalidate': action(
		'/admin/collectivites?/unvalidate',
		{ org: DEMO.outsiderOrg },
		{ ...signedIn(403), platform: OK }
	),
	'POST /admin/reseaux?/create': action(
		'/admin/reseaux?/create',
		{ name: 'Réseau d’un intrus' },
		{ ...signedIn(403), platform: OK }
	),
	'POST /admin/reseaux?/addAnimator': action(
		'/admin/reseaux?/addAnimator',
		{ networkId: DEMO.otherNetwork, email: PERSONA_EMAILS.outsider },
		{ ...signedIn(403), platform: OK }
	),
	'POST /admin/reseaux?/removeAnimator': action(
		'/admin/reseaux?/removeAnimator',
		{ networkId: network, userId: DEMO.animatorUser },
		{ ...signedIn(403), platform: OK }
	),

	// (a new collectivité: anyone signed in may create one)
	'POST /collectivites/nouvelle': action('/collectivites/nouvelle', ORG_FORM, signedIn(OK)),
	'POST /collectivites/[slug]/membres?/role': action(
		`${C}/membres?/role`,
		{ userId: DEMO.editorUser, role: 'viewer' },
		orgAdmin
	),
	'POST /collectivites/[slug]/membres?/remove': action(`${C}/membres?/remove`, { userId: DEMO.adminUser }, orgAdmin), // (not oneself: that is leaving)
	'POST /collectivites/[slug]/membres?/invite': action(
		`${C}/membres?/invite`,
		{ email: 'intrus@demo.spaser.test', role: 'admin' },
		orgAdmin
	),
	'POST /collectivites/[slug]/membres?/revoke': action(
		`${C}/membres?/revoke`,
		(f) => ({ invitationId: f.invitation }),
		{ ...signedIn(404), admin: OK }
	), // (invitations: seen by its admins only)
	'POST /collectivites/[slug]/membres?/transfer': action(
		`${C}/membres?/transfer`,
		{ userId: DEMO.editorUser },
		orgAdmin
	),
	// (leaving: its members may — not sent —; the others are not members)
	'POST /collectivites/[slug]/membres?/leave': action(
		`${C}/membres?/leave`,
		{},
		{ ...signedIn(403), otherAnimator: 404, ...members(OK) },
		NO_INVALID
	),
	'POST /collectivites/[slug]/parametres?/update': action(`${C}/parametres?/update`, ORG_FORM, {
		...orgAdmin,
		platform: OK
	}),
	'POST /collectivites/[slug]/parametres?/logo': action(
		`${C}/parametres?/logo`,
		{ logo: file('logo.png', 'image/png', PNG) },
		orgAdmin
	),
	'POST /collectivites/[slug]/parametres?/removeLogo': action(`${C}/parametres?/removeLogo`, {}, orgAdmin, NO_INVALID),
	'POST /collectivites/[slug]/reseaux?/join': action(`${C}/reseaux?/join`, { networkId: DEMO.otherNetwork }, orgAdmin),
	// (ending Val d'Aurence's membership: its admin, the network's animator and the platform admin may)
	'POST /collectivites/[slug]/reseaux?/withdraw': action(
		`${C}/reseaux?/withdraw`,
		{ membershipId: DEMO.orgMembership },
		{ ...orgAdmin, animator: OK, platform: OK }
	),
	'POST /collectivites/[slug]/reseaux?/leaveNetwork': action(
		`${C}/reseaux?/leaveNetwork`,
		{ membershipId: DEMO.orgMembership },
		{ ...orgAdmin, animator: OK, platform: OK }
	),
	'POST /collectivites/[slug]/donnees?/close': action(
		`${C}/donnees?/close`,
		{ confirmation: "Agglomération du Val d'Aurence" },
		orgAdmin
	),
	'POST /collectivites/[slug]/spaser/importer': action(
		`${C}/spaser/importer`,
		(f) => ({ file: file('spaser.json', 'application/json', JSON.stringify(f.spaserExport)) }),
		orgWriters
	),
	'POST /collectivites/[slug]/spaser/importer/document': action(
		`${C}/spaser/importer/document`,
		{ text: 'SPASER d’un intrus\n\nAxe 1 : achats sociaux' },
		orgWriters
	),
	'POST /collectivites/[slug]/spaser/importer/document/[id=uuid]?/confirm': action(
		`${C}/spaser/importer/document/${none}?/confirm`,
		{ title: 'SPASER d’un intrus', periodStart: '2030', periodEnd: '2033', state: '' },
		signedIn(404)
	),
	'POST /collectivites/[slug]/spaser/importer/document/[id=uuid]?/abandon': action(
		`${C}/spaser/importer/document/:draft?/abandon`,
		{},
		{ ...orgWriters, viewer: 404, outsider: 404, animator: 404, platform: 404 },
		NO_INVALID
	),
	// (step 1 of the wizard only computes a proposal: nothing is created, anyone signed in may)
	'POST /collectivites/[slug]/spaser/nouveau?/propose': action(
		`${C}/spaser/nouveau?/propose`,
		WIZARD_FORM,
		signedIn(OK)
	),
	'POST /collectivites/[slug]/spaser/nouveau?/create': action(`${C}/spaser/nouveau?/create`, WIZARD_FORM, orgWriters),
	'POST /collectivites/[slug]/spaser/nouveau?/template': action(
		`${C}/spaser/nouveau?/template`,
		{ templateKey: 'cinq_axes', periodStart: '2030', periodEnd: '2033', title: 'SPASER d’un intrus' },
		orgWriters
	),

	'POST /spaser/[id=uuid]?/comment': action(
		`${S}?/comment`,
		(f) => ({ nodeId: f.node, body: 'Commentaire d’un intrus' }),
		{ ...signedIn(404), ...members(OK), animator: OK }
	),
	// (admin@'s comment: its author edits it; those who read the SPASER may resolve and reopen the discussion)
	// the document view's « insérer depuis la bibliothèque »: writers only (a refused reader's valid form would link a clause)
	'POST /spaser/[id=uuid]?/insertResource': action(
		`${S}?/insertResource`,
		(f) => ({ resourceId: DEMO.resource, nodeId: f.node, mode: 'linked' }),
		spaserWriters
	),
	'POST /spaser/[id=uuid]?/editComment': action(
		`${S}?/editComment`,
		(f) => ({ commentId: f.comment, body: 'Modifié par un intrus' }),
		{ ...signedIn(404), viewer: 403, editor: 403, animator: 403, admin: OK },
		undefined
	),
	'POST /spaser/[id=uuid]?/deleteComment': action(
		`${S}?/deleteComment`,
		(f) => ({ commentId: f.comment }),
		{ ...signedIn(404), viewer: 403, editor: 403, animator: 403, admin: OK },
		NO_INVALID
	),
	'POST /spaser/[id=uuid]?/resolve': action(
		`${S}?/resolve`,
		(f) => ({ commentId: f.comment }),
		{ ...signedIn(404), ...members(OK), animator: OK },
		NO_INVALID
	),
	'POST /spaser/[id=uuid]?/reopen': action(
		`${S}?/reopen`,
		(f) => ({ commentId: f.comment }),
		{ ...signedIn(404), ...members(OK), animator: OK },
		NO_INVALID
	),
	'POST /spaser/[id=uuid]/parametres?/metadata': action(
		`${S}/parametres?/metadata`,
		{ title: 'Titre pris par un intrus' },
		spaserWriters
	),
	'POST /spaser/[id=uuid]/parametres?/sharing': action(`${S}/parametres?/sharing`, {}, spaserWriters, NO_INVALID),
	'POST /spaser/[id=uuid]/parametres?/addOwner': action(
		`${S}/parametres?/addOwner`,
		{ orgId: DEMO.outsiderOrg },
		spaserWriters
	),
	// (the demo SPASER has no co-owner to remove: its lead collectivité can never be, 400 for whoever reads it — the
	// rule checks that nobody gets further; a malformed id is answered 404, so no invalid form either)
	'POST /spaser/[id=uuid]/parametres?/removeOwner': action(
		`${S}/parametres?/removeOwner`,
		{ orgId: org },
		{ ...signedIn(404), ...members(400), animator: 400 }
	),
	'POST /spaser/[id=uuid]/parametres?/delete': action(`${S}/parametres?/delete`, {}, spaserWriters, NO_INVALID),
	'POST /spaser/[id=uuid]/versions?/name': action(
		`${S}/versions?/name`,
		{ name: 'Version d’un intrus' },
		spaserWriters
	),
	'POST /spaser/[id=uuid]/versions?/restore': action(
		`${S}/versions?/restore`,
		(f) => ({ versionId: f.version }),
		spaserWriters,
		NO_INVALID
	),
	// (restore, publish, unpublish: a missing or malformed version id is answered 404, not 400 — no invalid form)
	'POST /spaser/[id=uuid]/versions?/publish': action(
		`${S}/versions?/publish`,
		(f) => ({ versionId: f.version }),
		spaserWriters,
		NO_INVALID
	),
	'POST /spaser/[id=uuid]/versions?/unpublish': action(
		`${S}/versions?/unpublish`,
		(f) => ({ versionId: f.version }),
		spaserWriters,
		NO_INVALID
	),

	'POST /reseaux/[slug]?/decide': action(
		`${N}?/decide`,
		{ membershipId: DEMO.pendingMembership, decision: 'approved' },
		{ ...signedIn(404), animator: OK, platform: OK }
	),
	'POST /reseaux/[slug]?/remove': action(
		`${N}?/remove`,
		{ membershipId: DEMO.orgMembership },
		{ ...networkManagers, admin: OK, otherAnimator: 404 }
	),
	'POST /reseaux/[slug]?/update': action(`${N}?/update`, { name: 'Réseau renommé par un intrus' }, networkManagers),
	// (Val d'Aurence is already a member: its admin is told so)
	'POST /reseaux/[slug]?/join': action(`${N}?/join`, { orgId: org }, { ...signedIn(403), admin: 409 }),
	// a manual publication of the benchmark statistics: animators (of any network) and platform admins
	'POST /comparaison?/publish': action(
		'/comparaison?/publish',
		{},
		{ ...signedIn(403), animator: OK, otherAnimator: OK, platform: OK },
		NO_INVALID
	),
	'POST /comparaison?/k': action(
		'/comparaison?/k',
		{ network, k: '5' },
		{ ...signedIn(404), animator: OK, platform: OK }
	),

	// (the Guichet: the buyers of the network's member collectivités — Métropole's admin too, for Métropole)
	'POST /guichet/[slug]/question?/ask': action(`/guichet/${DEMO.networkSlug}/question?/ask`, GUICHET_FORM, {
		...signedIn(403),
		...actForOrg,
		outsider: OK
	}),
	'POST /guichet/[slug]/reserver?/book': action(
		`/guichet/${DEMO.networkSlug}/reserver?/book`,
		{ ...GUICHET_FORM, animatorId: 'any', start: '2030-01-07T09:00:00+01:00', modality: 'visio' },
		{ ...signedIn(403), otherAnimator: 404, ...actForOrg, outsider: OK }
	),
	'POST /guichet/agenda?/create': action('/guichet/agenda?/create', {}, signedIn(OK), NO_INVALID),
	'POST /guichet/agenda?/revoke': action('/guichet/agenda?/revoke', { id: none }, signedIn(OK)),
	'POST /guichet/animation?/profile': action('/guichet/animation?/profile', PROFILE_FORM, animators),
	'POST /guichet/animation?/settings': action(
		'/guichet/animation?/settings',
		{ cancelNoticeHours: '24', rescheduleNoticeHours: '24' },
		animators
	),
	'POST /guichet/animation?/addHours': action(
		'/guichet/animation?/addHours',
		{ weekday: '1', start: '09:00', end: '10:00' },
		animators
	),
	'POST /guichet/animation?/removeHours': action(
		'/guichet/animation?/removeHours',
		{ hourId: none },
		animators,
		NO_INVALID
	),
	'POST /guichet/animation?/addAbsence': action(
		'/guichet/animation?/addAbsence',
		{ start: '2030-01-07T09:00', end: '2030-01-07T10:00' },
		animators
	),
	'POST /guichet/animation?/removeAbsence': action(
		'/guichet/animation?/removeAbsence',
		{ absenceId: none },
		{ ...signedIn(404), animator: OK, otherAnimator: OK }
	),
	'POST /guichet/demande/[id=uuid]?/reply': action(
		'/guichet/demande/:request?/reply',
		{ body: 'Message d’un intrus' },
		{ ...signedIn(404), ...actForOrg, animator: OK, platform: 403 }
	),
	'POST /guichet/demande/[id=uuid]?/redirect': action(
		'/guichet/demande/:request?/redirect',
		{ animatorId: DEMO.animatorUser, reason: 'Sonde' },
		{ ...signedIn(404), ...members(403), animator: OK, platform: 403 }
	),
	'POST /guichet/demande/[id=uuid]?/close': action(
		'/guichet/demande/:request?/close',
		{},
		{ ...signedIn(404), ...actForOrg, animator: OK, platform: 403 },
		NO_INVALID
	),
	// (an unknown session)
	'POST /guichet/seance/[id=uuid]?/confirm': action(`/guichet/seance/${none}?/confirm`, {}, signedIn(404)),
	'POST /guichet/seance/[id=uuid]?/cancel': action(
		`/guichet/seance/${none}?/cancel`,
		{ reason: 'Sonde' },
		signedIn(404)
	),
	'POST /guichet/seance/[id=uuid]?/reschedule': action(
		`/guichet/seance/${none}?/reschedule`,
		{ reason: 'Sonde', start: '2030-01-07T10:00:00+01:00' },
		signedIn(404)
	),
	'POST /guichet/seance/[id=uuid]?/report': action(
		`/guichet/seance/${none}?/report`,
		{ outcome: 'done', advice: 'Sonde' },
		signedIn(404)
	),
	'POST /guichet/seance/[id=uuid]?/survey': action(`/guichet/seance/${none}?/survey`, { rating: '5' }, signedIn(404)),

	'POST /ressources/nouvelle': action(
		'/ressources/nouvelle',
		{ ...RESOURCE_FORM, orgId: org },
		{ ...signedIn(403), editor: OK, admin: OK }
	),
	'POST /ressources/import': action(
		'/ressources/import',
		{ orgId: org, file: file('clauses.json', 'application/json', JSON.stringify([PROBE_RESOURCE])) },
		{ ...signedIn(403), editor: OK, admin: OK }
	),
	'POST /ressources/calculateur?/rules': action(
		'/ressources/calculateur?/rules',
		{ networkId: network, hoursPer10k: '1', minHoursPerYear: '0', thresholdEurHt: '0' },
		{ ...signedIn(403), animator: OK, platform: OK }
	),
	'POST /ressources/[kind]/[id=uuid]/modifier': action(`${R}/modifier`, RESOURCE_FORM, {
		...signedIn(403),
		editor: OK,
		admin: OK
	}),
	// (favourites and usages are one's own: anyone signed in)
	'POST /ressources/[kind]/[id=uuid]?/favourite': action(`${R}?/favourite`, { on: '1' }, signedIn(OK), NO_INVALID),
	'POST /ressources/[kind]/[id=uuid]?/use': action(
		`${R}?/use`,
		{},
		{ ...signedIn(OK), viewer: 403 },
		tooLong('worked')
	),
	'POST /ressources/[kind]/[id=uuid]?/unuse': action(`${R}?/unuse`, {}, signedIn(OK), NO_INVALID),
	'POST /ressources/[kind]/[id=uuid]?/copy': action(
		`${R}?/copy`,
		{ orgId: org },
		{ ...signedIn(403), editor: OK, admin: OK },
		NO_INVALID
	),
	'POST /ressources/[kind]/[id=uuid]?/spaser': action(
		`${R}?/spaser`,
		(f) => ({ target: `${spaser}:${f.node}`, mode: 'linked' }),
		{ ...signedIn(403), editor: OK, admin: OK }
	),
	'POST /ressources/[kind]/[id=uuid]?/share': action(
		`${R}?/share`,
		{ networkId: network },
		{ ...signedIn(403), editor: OK, admin: OK },
		NO_INVALID
	),
	'POST /ressources/[kind]/[id=uuid]?/withdraw': action(
		`${R}?/withdraw`,
		{ networkId: network },
		{ ...signedIn(403), editor: OK, admin: OK, animator: OK }
	),
	'POST /ressources/[kind]/[id=uuid]?/visibility': action(
		`${R}?/visibility`,
		{ visibility: 'public' },
		{ ...signedIn(403), editor: OK, admin: OK },
		NO_INVALID
	),
	'POST /ressources/[kind]/[id=uuid]?/review': action(
		`${R}?/review`,
		{ networkId: network, decision: 'validated' },
		{ ...signedIn(403), animator: OK }
	),
	'POST /ressources/[kind]/[id=uuid]?/national': action(
		`${R}?/national`,
		{ on: '1' },
		{ ...signedIn(403), platform: OK },
		NO_INVALID
	),
	'POST /ressources/[kind]/[id=uuid]?/attach': action(
		`${R}?/attach`,
		{ file: file('sonde.pdf', 'application/pdf', PDF) },
		{ ...signedIn(403), editor: OK, admin: OK }
	),
	'POST /ressources/[kind]/[id=uuid]?/detach': action(
		`${R}?/detach`,
		{ attachmentId: none },
		{ ...signedIn(403), editor: OK, admin: OK }
	),
	'POST /ressources/[kind]/[id=uuid]?/delete': action(
		`${R}?/delete`,
		{},
		{ ...signedIn(403), editor: OK, admin: OK },
		NO_INVALID
	),

	'POST /indicateurs?/save': action(
		I('/indicateurs', 'save'),
		{ indicatorId: none, year: '2025', value: '10' },
		indicatorWriters
	),
	'POST /indicateurs?/delete': action(I('/indicateurs', 'delete'), { id: none }, indicatorWriters, NO_INVALID), // (an unknown or malformed id: 404)
	'POST /indicateurs/bilan?/save': action(
		I('/indicateurs/bilan', 'save'),
		{ spaser, de: '2025', a: '2025' },
		indicatorWriters
	),
	'POST /indicateurs/catalogue?/custom': action(
		I('/indicateurs/catalogue', 'custom'),
		{ code: 'INTRUS-01', label: 'Indicateur d’un intrus', unit: 'count', domain: 'social' },
		indicatorWriters
	),
	'POST /indicateurs/decp?/import': action(
		I('/indicateurs/decp', 'import'),
		{ file: file('decp.json', 'application/json', '{"marches":[]}') },
		indicatorWriters
	),
	// (the right to write is checked before whether DECP contracts of that year were imported: the viewer's 403
	// does not depend on what earlier e2e files imported)
	'POST /indicateurs/decp?/apply': action(I('/indicateurs/decp', 'apply'), { year: '2025' }, indicatorWriters),
	'POST /indicateurs/import': action(
		`/indicateurs/import?org=${orgSlug}`,
		{ file: file('valeurs.csv', 'text/csv', 'code;annee;valeur\nCAN-ENV-01;2025;10\n') },
		indicatorWriters
	),

	// (events: the forum, organised by the demo network; registrations to the webinar, open to every buyer)
	'POST /evenements/nouveau': action(
		'/evenements/nouveau',
		{ ...EVENT_FORM, organiser: `network:${network}` },
		{ ...signedIn(403), animator: OK }
	),
	'POST /evenements/[id=uuid]?/register': action(
		`/evenements/${DEMO.webinar}?/register`,
		{ person: `${DEMO.viewerUser}|${org}` },
		{ ...signedIn(403), viewer: OK, admin: OK, animator: OK },
		{ person: 'invalide|invalide' }
	),
	'POST /evenements/[id=uuid]?/publish': action(`${E}?/publish`, {}, organiser, NO_INVALID),
	'POST /evenements/[id=uuid]?/unpublish': action(`${E}?/unpublish`, {}, organiser, NO_INVALID),
	'POST /evenements/[id=uuid]?/duplicate': action(`${E}?/duplicate`, {}, organiser, NO_INVALID),
	'POST /evenements/[id=uuid]?/cancel': action(
		`${E}?/cancel`,
		{ reason: 'Annulé par un intrus' },
		organiser,
		tooLong('reason')
	),
	'POST /evenements/[id=uuid]/modifier?/event': action(`${E}/modifier?/event`, EVENT_FORM, organiser),
	'POST /evenements/[id=uuid]/modifier?/group': action(
		`${E}/modifier?/group`,
		{ title: 'Groupe d’un intrus' },
		organiser
	),
	'POST /evenements/[id=uuid]/modifier?/deleteGroup': action(
		`${E}/modifier?/deleteGroup`,
		{ groupId: none },
		organiser
	),
	'POST /evenements/[id=uuid]/modifier?/session': action(
		`${E}/modifier?/session`,
		{ title: 'Séance d’un intrus', startsAt: '2030-01-07T09:00', endsAt: '2030-01-07T10:00' },
		organiser
	),
	'POST /evenements/[id=uuid]/modifier?/deleteSession': action(
		`${E}/modifier?/deleteSession`,
		{ sessionId: eventSession },
		organiser
	),
	'POST /evenements/[id=uuid]/inscrits?/noShows': action(`${E}/inscrits?/noShows`, {}, organiser, NO_INVALID),
	// (admin@'s registration: cancelled by admin@, by the organiser or the platform admin)
	'POST /evenements/[id=uuid]/inscrits?/cancel': action(
		`${E}/inscrits?/cancel`,
		{ registrationId: registration },
		{ ...signedIn(404), admin: OK, animator: OK, platform: OK }
	),
	'POST /evenements/[id=uuid]/inscription/[rid=uuid]?/cancel': action(
		`${E}/inscription/${registration}?/cancel`,
		{},
		{ ...signedIn(404), admin: OK, animator: OK, platform: OK },
		NO_INVALID
	),
	// (no place was offered: refused to admin@ too; the organiser and the platform admin see the registration but an
	// offered place is the registrant's or their collectivité's to answer: 403)
	'POST /evenements/[id=uuid]/inscription/[rid=uuid]?/accept': action(
		`${E}/inscription/${registration}?/accept`,
		{},
		{ ...signedIn(404), admin: 409, animator: 403, platform: 403 }
	),
	'POST /evenements/[id=uuid]/inscription/[rid=uuid]?/decline': action(
		`${E}/inscription/${registration}?/decline`,
		{},
		{ ...signedIn(404), admin: 409, animator: 403, platform: 403 }
	),
	'POST /evenements/[id=uuid]/emargement/[sid=uuid]?/scan': action(
		`${E}/emargement/${eventSession}?/scan`,
		{ registrationId: registration },
		organiser
	),
	'POST /evenements/[id=uuid]/emargement/[sid=uuid]?/undo': action(
		`${E}/emargement/${eventSession}?/undo`,
		{ registrationId: registration },
		organiser
	),
	'POST /evenements/[id=uuid]/emargement/[sid=uuid]?/walkIn': action(
		`${E}/emargement/${eventSession}?/walkIn`,
		{ fullName: 'Intrus' },
		organiser
	)
};
