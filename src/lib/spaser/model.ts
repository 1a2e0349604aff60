// The SPASER document model shared by the browser editor, the server projection and exports.

export const NODE_KINDS = { normal: 'Normal', action_bonus: 'Action bonus', focus: 'Encadré « focus »' } as const;
export const NODE_STATUSES = {
	a_lancer: 'À lancer',
	en_cours: 'En cours',
	realisee: 'Réalisée',
	abandonnee: 'Abandonnée'
} as const;
export const DOC_STATUSES = {
	brouillon: 'Brouillon',
	en_consultation: 'En consultation',
	adopte: 'Adopté',
	archive: 'Archivé'
} as const;

export type NodeKind = keyof typeof NODE_KINDS;
export type NodeStatus = keyof typeof NODE_STATUSES;
export type Numbering = 'global' | 'per_parent';

export const MAX_DEPTH = 5;

export interface Milestone {
	year: number;
	value: number;
}

export interface Target {
	id: string;
	/** Code of a catalogue indicator, or null for a custom indicator described by `label`. */
	indicatorCode: string | null;
	label: string;
	unit: string;
	value: number | null;
	year: number | null;
	milestones: Milestone[];
	/** For relative targets (« +10 % par an »): the reference year. */
	baselineYear: number | null;
	relative: boolean;
	thresholdEurHt: number | null;
	scope: string;
}

/** Rich text as a ProseMirror-like JSON tree (what Tiptap reads and writes). */
export interface RichNode {
	type: string;
	attrs?: Record<string, unknown>;
	text?: string;
	marks?: { type: string; attrs?: Record<string, unknown> }[];
	content?: RichNode[];
}

export interface PlainNode {
	id: string;
	parentId: string | null;
	order: string;
	title: string;
	body: RichNode[];
	kind: NodeKind;
	status: NodeStatus;
	pilot: string;
	resources: string[];
	tools: string[];
	links: string[];
	targets: Target[];
}

export interface TreeNode extends PlainNode {
	depth: number;
	/** "3" (global) or "1.2.3" (per parent). */
	number: string;
	/** "Chantier 3". */
	label: string;
	levelName: string;
	childIds: string[];
}

export interface DocSettings {
	levelNames: string[];
	numbering: Numbering;
}
