/** French wording of the audit log's actions (see supabase/migrations/20261123090000_audit.sql). */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
	'collectivite.fermeture': 'Collectivité fermée',
	'collectivite.validation': 'Identité de la collectivité validée par la plateforme',
	'collectivite.validation.retrait': 'Validation de la collectivité retirée',
	'membre.ajout': 'Membre ajouté',
	'membre.role': 'Rôle modifié',
	'membre.retrait': 'Membre retiré',
	'reseau.adhesion.pending': 'Demande d’adhésion à un réseau',
	'reseau.adhesion.approved': 'Adhésion au réseau acceptée',
	'reseau.adhesion.refused': 'Adhésion au réseau refusée',
	'reseau.adhesion.withdrawn': 'Demande d’adhésion retirée',
	'reseau.adhesion.left': 'Réseau quitté',
	'reseau.adhesion.removed': 'Collectivité retirée du réseau',
	'reseau.adhesion.suppression': 'Adhésion supprimée',
	'reseau.animateur.ajout': 'Animateur ajouté',
	'reseau.animateur.retrait': 'Animateur retiré',
	'spaser.creation': 'SPASER créé',
	'spaser.statut': 'Statut du SPASER modifié',
	'spaser.partage': 'SPASER partagé avec les réseaux',
	'spaser.partage_retire': 'Partage du SPASER retiré',
	'spaser.suppression': 'SPASER supprimé',
	'spaser.coproprietaire.ajout': 'Collectivité associée au SPASER',
	'spaser.coproprietaire.retrait': 'Collectivité retirée du SPASER',
	'spaser.version.named': 'Version nommée',
	'spaser.version.imported': 'Version importée',
	'spaser.version.restored': 'Version restaurée',
	'spaser.version.bilan': 'Bilan enregistré',
	'spaser.version.publication': 'Version publiée',
	'spaser.version.depublication': 'Publication retirée',
	'indicateur.valeur.saisie': 'Valeur d’indicateur saisie',
	'indicateur.valeur.modification': 'Valeur d’indicateur modifiée',
	'indicateur.valeur.suppression': 'Valeur d’indicateur supprimée',
	'reseau.benchmark.seuil': 'Seuil d’anonymisation modifié',
	'indicateur.publication': 'Statistiques de comparaison publiées',
	'ressource.visibilite': 'Visibilité d’une ressource modifiée',
	'ressource.partage.pending': 'Ressource soumise au réseau',
	'ressource.partage.changes_requested': 'Modifications demandées par le réseau',
	'ressource.partage.validated': 'Ressource validée par le réseau',
	'ressource.partage.retrait': 'Partage avec le réseau retiré'
};

/** Categories offered as a filter (the first word of an action). */
export const AUDIT_CATEGORIES: Record<string, string> = {
	collectivite: 'Collectivité',
	membre: 'Membres et rôles',
	reseau: 'Réseaux',
	spaser: 'SPASER',
	indicateur: 'Indicateurs',
	ressource: 'Clauses et REX'
};

export const auditActionLabel = (action: string) => AUDIT_ACTION_LABELS[action] ?? action;

/** One row of the journal as pages show it. */
export interface AuditEntry {
	id: number;
	at: Date;
	action: string;
	target_table: string;
	target_id: string | null;
	details: Record<string, unknown>;
	/** Display name of the person who acted; « ancien membre » once their account is gone; null: the platform. */
	actor_name: string | null;
	/** Display name of the person the action is about (members, animators), when known. */
	subject_name: string | null;
	org_name: string | null;
}
