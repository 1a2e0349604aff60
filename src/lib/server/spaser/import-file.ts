// Reading an uploaded SPASER (DOCX, Markdown or plain text) into the text the structure detection reads.
// The type comes from the content (sniff.ts), never from the name or the browser's claim; the name only tells
// Markdown from plain text once the content is known to be text.
// The DOCX is read by mammoth in a worker thread (files/worker-pool.ts), after its bounds are checked.
import { AppError } from '$lib/server/kit/errors';
import { binaryContent, looksLikeMarkup, sniffDocument } from '../files/sniff';
import type { DocxImportResult } from '../files/tasks';
import { runFileTask } from '../files/worker-pool';
import { detectStructure, type ImportResult } from '../../spaser/import/detect';

/** Largest accepted file (a Word document with a few images). */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
/** Largest text once extracted (a SPASER is 20 to 150 pages). */
export const MAX_IMPORT_TEXT = 2_000_000;

export type ImportFileKind = 'docx' | 'md' | 'txt';

export interface ImportSource {
	kind: ImportFileKind;
	mime: string;
	/** Markdown-like text given to detectStructure. */
	text: string;
	format: 'md' | 'txt';
	/** mammoth's remarks worth showing (unknown styles are not). */
	warnings: string[];
	/** The detected structure, when the worker that read the file already detected it. */
	result?: ImportResult;
}

export const MIME: Record<ImportFileKind, string> = {
	docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
	md: 'text/markdown; charset=utf-8',
	txt: 'text/plain; charset=utf-8'
};

const PDF_HINT = 'PDF\u00a0: collez le texte ou enregistrez-le en DOCX depuis votre traitement de texte.';

function unsupported(message: string): AppError {
	return new AppError('unsupported_file', message, 415, { field: 'file' });
}

/** The kind of content a file name's extension claims (other extensions claim nothing: the content decides). */
const NAME_CLAIMS: Record<string, string> = {
	docx: 'docx',
	doc: 'docx',
	odt: 'odt',
	pdf: 'pdf',
	md: 'txt',
	markdown: 'txt',
	txt: 'txt',
	xlsx: 'xlsx',
	pptx: 'pptx',
	png: 'png',
	jpg: 'jpeg',
	jpeg: 'jpeg',
	webp: 'webp'
};

/** The bytes are not what the file's name claims (or not a document at all). */
function lying(message: string): AppError {
	return new AppError('invalid_file_type', message, 415, { field: 'file' });
}

/**
 * Reads a file's bytes; throws an AppError with a French message for anything it cannot import. `owner` (the
 * user's id) shares the file worker pool fairly between users.
 */
export async function readImportFile(bytes: Uint8Array, fileName: string, owner = 'anonymous'): Promise<ImportSource> {
	if (!bytes.length) throw new AppError('invalid', 'Le fichier est vide.', 400, { field: 'file' });
	if (bytes.length > MAX_IMPORT_BYTES)
		throw new AppError('payload_too_large', 'Le fichier est trop volumineux\u00a0: 10\u00a0Mo au plus.', 413, {
			field: 'file'
		});
	const sniffed = sniffDocument(bytes, { allowText: true });
	const ext = /\.([a-z0-9]{1,8})$/i.exec(fileName.trim())?.[1]?.toLowerCase() ?? '';
	if (!sniffed) {
		// Not a document we read: an executable, an archive or other binary content whatever its name says.
		const real = binaryContent(bytes)?.label ?? 'un fichier binaire';
		if (ext === 'doc' && /ancien document Office/.test(real))
			throw unsupported(
				'Les anciens documents Word (.doc) ne sont pas lus\u00a0: enregistrez-le en DOCX («\u00a0Enregistrer sous… Word\u00a0») puis importez-le.'
			);
		throw lying(
			`Ce fichier est ${real}\u00a0: ce n’est ni un document Word (.docx), ni un texte (.md, .txt). ${PDF_HINT}`
		);
	}
	if (sniffed.kind === 'txt') {
		const head = new TextDecoder()
			.decode(bytes.subarray(0, 1024))
			.replace(/^\uFEFF/, '')
			.trimStart();
		if (looksLikeMarkup(head))
			throw lying(
				'Ce fichier est une page web (HTML), une image SVG ou un script\u00a0: choisissez un document Word (.docx) ou un texte (.md, .txt).'
			);
	}
	// A name that claims another kind than the content lies (a text or an HTML page named .docx, a PDF named .txt…):
	// refused as such ('invalid_file_type'), with the advice for the real kind.
	const claimed = NAME_CLAIMS[ext] ?? null;
	const mismatch = claimed !== null && claimed !== sniffed.kind;
	const refuse = (advice: string) =>
		mismatch
			? lying(`${advice} (Le nom du fichier, en .${ext}, ne correspond pas à son contenu.)`)
			: unsupported(advice);
	if (mismatch && sniffed.kind === 'txt')
		throw lying(
			`Le contenu de ce fichier ne correspond pas à son nom (.${ext})\u00a0: c’est du texte. Enregistrez-le en .txt ou .md, ou choisissez le vrai document Word (.docx).`
		);
	if (mismatch && sniffed.kind === 'docx')
		throw lying(
			`Le contenu de ce fichier ne correspond pas à son nom (.${ext})\u00a0: c’est un document Word. Renommez-le en .docx puis importez-le.`
		);
	if (sniffed.kind === 'pdf') throw refuse(`Les PDF ne peuvent pas être importés directement. ${PDF_HINT}`);
	if (sniffed.kind === 'odt')
		throw refuse(
			'Les documents OpenDocument (.odt) ne sont pas lus\u00a0: enregistrez-le en DOCX («\u00a0Enregistrer sous… Word\u00a0») puis importez-le.'
		);
	if (sniffed.kind === 'docx') {
		// The archive's directory was checked by sniffDocument; the worker checks every part, then runs mammoth.
		const { text, warnings, result } = await runFileTask<DocxImportResult>(owner, { kind: 'docx-import', bytes });
		if (!text.trim())
			throw new AppError('invalid', 'Ce document Word ne contient pas de texte à importer.', 400, { field: 'file' });
		if (text.length > MAX_IMPORT_TEXT)
			throw new AppError(
				'payload_too_large',
				'Le texte du document est trop long pour un SPASER (2 millions de caractères au plus).',
				413
			);
		return { kind: 'docx', mime: MIME.docx, text, format: 'md', warnings, result };
	}
	if (sniffed.kind === 'txt') {
		const text = new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
		if (!text.trim()) throw new AppError('invalid', 'Le fichier est vide.', 400, { field: 'file' });
		if (text.length > MAX_IMPORT_TEXT)
			throw new AppError(
				'payload_too_large',
				'Le texte est trop long pour un SPASER (2 millions de caractères au plus).',
				413
			);
		const md = /\.(md|markdown)$/i.test(fileName) || /^#{1,6}\s+\S/m.test(text);
		return { kind: md ? 'md' : 'txt', mime: md ? MIME.md : MIME.txt, text, format: md ? 'md' : 'txt', warnings: [] };
	}
	throw refuse(
		`Les fichiers ${sniffed.ext.toUpperCase()} ne sont pas importés\u00a0: choisissez un document Word (.docx), Markdown (.md) ou texte (.txt). ${PDF_HINT}`
	);
}

/** Pasted text (PDF users copy the text of their document). */
export function readPastedText(text: string): ImportSource {
	const t = text.replace(/^\uFEFF/, '');
	if (!t.trim())
		throw new AppError('invalid', 'Collez le texte de votre SPASER ou choisissez un fichier.', 400, { field: 'text' });
	if (t.length > MAX_IMPORT_TEXT)
		throw new AppError(
			'payload_too_large',
			'Le texte est trop long pour un SPASER (2 millions de caractères au plus).',
			413,
			{ field: 'text' }
		);
	const md = /^#{1,6}\s+\S/m.test(t);
	return { kind: md ? 'md' : 'txt', mime: md ? MIME.md : MIME.txt, text: t, format: md ? 'md' : 'txt', warnings: [] };
}

/** Texts this small are analysed in the request thread (a few milliseconds; a worker costs more). */
const IN_THREAD_TEXT = { chars: 200_000, lines: 2_000 };

function smallText(text: string): boolean {
	if (text.length > IN_THREAD_TEXT.chars) return false;
	let lines = 0;
	for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1))
		if (++lines > IN_THREAD_TEXT.lines) return false;
	return true;
}

/**
 * Detects the structure of a read source: done already by the worker that read a DOCX; in the request thread for
 * a small text; otherwise in a worker thread (detection grows faster than the text: bounded time and heap there).
 */
export async function analyseSource(source: ImportSource, owner = 'anonymous'): Promise<ImportResult> {
	if (source.result) return source.result;
	if (smallText(source.text)) return detectStructure({ text: source.text, format: source.format });
	return runFileTask<ImportResult>(owner, { kind: 'detect', text: source.text, format: source.format });
}
