// Vocabularies of collectivités, with their French labels: the forms, the pages, the comparison groups of the
// benchmark and the server inputs (src/lib/server/organisations/input.ts builds its enums from them) read them here.
// Client-safe: no server import.

/** Kinds of collectivités (public buyers), as stored in organisations.kind. */
export const ORG_KINDS: Readonly<Record<string, string>> = {
	commune: 'Commune',
	// every « communauté » and the métropole are EPCI: the label does not single this one out
	communaute_communes: 'Communauté de communes',
	communaute_agglomeration: "Communauté d'agglomération",
	communaute_urbaine: 'Communauté urbaine',
	metropole: 'Métropole',
	departement: 'Département',
	region: 'Région',
	etablissement_public: 'Établissement public',
	centre_hospitalier: 'Centre hospitalier',
	autre: 'Autre acheteur public'
};

/** Roles of a member in a collectivité (organisation_members.role). */
export const ROLE_LABELS: Readonly<Record<string, string>> = {
	admin: 'Administrateur·rice',
	editor: 'Rédacteur·rice',
	viewer: 'Lecteur·rice'
};

export type MemberRole = 'admin' | 'editor' | 'viewer';
export const MEMBER_ROLES = ['admin', 'editor', 'viewer'] as const satisfies readonly MemberRole[];
