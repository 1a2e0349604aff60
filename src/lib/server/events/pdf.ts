// PDF outputs of events: the émargement (sign-in) sheet of a session and the attestations de présence.
// pdf-lib standard fonts use WinAnsi: text is passed through `winAnsi` (narrow no-break spaces and characters
// outside the encoding are replaced).
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { formatDay, formatHourMinute, formatHours, formatRange, formatShortDay } from './format';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;

// Characters of Windows-1252 above U+00FF.
const WIN_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
export function winAnsi(s: string): string {
	return s
		.replace(/[\u202f\u2009\u2007]/g, '\u00a0')
		.replace(/[\u2010\u2011]/g, '-')
		.replace(/[^\n\u0020-\u007e\u00a0-\u00ff]/g, (c) => (WIN_EXTRA.has(c) ? c : '?'));
}

/** Splits text into lines that fit `width` at `size`. */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
	const out: string[] = [];
	for (const para of winAnsi(text).split('\n')) {
		let line = '';
		for (const word of para.split(' ')) {
			const next = line ? `${line} ${word}` : word;
			if (font.widthOfTextAtSize(next, size) <= width || !line) line = next;
			else {
				out.push(line);
				line = word;
			}
		}
		out.push(line);
	}
	return out;
}

interface Fonts {
	regular: PDFFont;
	bold: PDFFont;
}

function drawLines(
	page: PDFPage,
	lines: string[],
	x: number,
	y: number,
	font: PDFFont,
	size: number,
	gap = 1.35
): number {
	for (const l of lines) {
		page.drawText(l, { x, y, size, font, color: rgb(0.1, 0.1, 0.12) });
		y -= size * gap;
	}
	return y;
}

export interface SheetInput {
	eventTitle: string;
	organiser: string;
	session: { title: string; starts_at: Date; ends_at: Date; room: string; speakers: string };
	place: string;
	people: { full_name: string; org_name: string | null; checked_at: Date | null }[];
}

/** Émargement sheet: one row per expected participant, a column to sign; presence already recorded is noted. */
export async function emargementPdf(input: SheetInput): Promise<Uint8Array> {
	const doc = await PDFDocument.create();
	doc.setTitle(winAnsi(`Feuille d'émargement — ${input.session.title}`));
	doc.setCreator('SPASER Commun');
	const fonts: Fonts = {
		regular: await doc.embedFont(StandardFonts.Helvetica),
		bold: await doc.embedFont(StandardFonts.HelveticaBold)
	};
	const width = A4[0] - 2 * MARGIN;
	const cols = [MARGIN, MARGIN + 190, MARGIN + 350, MARGIN + width];
	const rowH = 28;
	let page: PDFPage;
	let y = 0;
	const header = (first: boolean) => {
		page = doc.addPage(A4);
		y = A4[1] - MARGIN;
		if (first) {
			y = drawLines(page, wrap("Feuille d'émargement", fonts.bold, 18, width), MARGIN, y, fonts.bold, 18);
			y = drawLines(page, wrap(input.eventTitle, fonts.bold, 13, width), MARGIN, y - 4, fonts.bold, 13);
			const meta = [
				`Séance : ${input.session.title}`,
				`Date : ${formatRange(input.session.starts_at, input.session.ends_at)}`,
				...(input.session.room || input.place
					? [`Lieu : ${[input.place, input.session.room].filter(Boolean).join(', ')}`]
					: []),
				...(input.session.speakers ? [`Intervenants : ${input.session.speakers}`] : []),
				`Organisateur : ${input.organiser}`,
				`Participants attendus : ${input.people.length}`
			];
			for (const m of meta) y = drawLines(page, wrap(m, fonts.regular, 10, width), MARGIN, y, fonts.regular, 10);
			y -= 10;
		}
		const labels = ['Nom', 'Collectivité', 'Signature'];
		page.drawRectangle({ x: MARGIN, y: y - 6, width, height: 20, color: rgb(0.92, 0.93, 0.95) });
		labels.forEach((l, i) => page.drawText(winAnsi(l), { x: cols[i] + 4, y, size: 10, font: fonts.bold }));
		y -= 20;
	};
	header(true);
	for (const p of input.people) {
		if (y < MARGIN + rowH) header(false);
		page!.drawLine({
			start: { x: MARGIN, y: y - 10 },
			end: { x: MARGIN + width, y: y - 10 },
			thickness: 0.5,
			color: rgb(0.6, 0.6, 0.6)
		});
		const fit = (s: string, w: number, size: number) => {
			let t = winAnsi(s);
			while (t.length > 1 && fonts.regular.widthOfTextAtSize(t, size) > w) t = t.slice(0, -2) + '…';
			return t;
		};
		page!.drawText(fit(p.full_name, 180, 10), { x: cols[0] + 4, y: y + 4, size: 10, font: fonts.regular });
		page!.drawText(fit(p.org_name ?? '', 150, 9), { x: cols[1] + 4, y: y + 4, size: 9, font: fonts.regular });
		if (p.checked_at)
			page!.drawText(winAnsi(`Présence enregistrée à ${formatHourMinute(p.checked_at)}`), {
				x: cols[2] + 4,
				y: y + 4,
				size: 8,
				font: fonts.regular,
				color: rgb(0.3, 0.3, 0.3)
			});
		y -= rowH;
	}
	const pages = doc.getPages();
	pages.forEach((pg, i) =>
		pg.drawText(
			winAnsi(`${input.eventTitle} — ${formatShortDay(input.session.starts_at)} — page ${i + 1}/${pages.length}`),
			{
				x: MARGIN,
				y: 25,
				size: 8,
				font: fonts.regular,
				color: rgb(0.4, 0.4, 0.4)
			}
		)
	);
	return doc.save();
}

export interface CertificateInput {
	eventTitle: string;
	eventKind: string;
	organiser: string;
	starts_at: Date;
	ends_at: Date;
	place: string;
	people: {
		full_name: string;
		org_name: string | null;
		minutes: number;
		sessions: { title: string; starts_at: string | Date; ends_at: string | Date }[];
	}[];
}

/** An attestation is dated the day of the last session it certifies (never the day it is printed). */
export function attestationDate(sessions: { ends_at: string | Date }[], fallback: Date): Date {
	const ends = sessions.map((s) => new Date(s.ends_at).getTime());
	return ends.length ? new Date(Math.max(...ends)) : fallback;
}

/** Attestations de présence: one page per person (a single person's, or the whole event in bulk). */
export async function certificatesPdf(input: CertificateInput): Promise<Uint8Array> {
	const doc = await PDFDocument.create();
	doc.setTitle(winAnsi(`Attestations de présence — ${input.eventTitle}`));
	doc.setCreator('SPASER Commun');
	const regular = await doc.embedFont(StandardFonts.Helvetica);
	const bold = await doc.embedFont(StandardFonts.HelveticaBold);
	const width = A4[0] - 2 * MARGIN;
	for (const p of input.people) {
		const page = doc.addPage(A4);
		let y = A4[1] - MARGIN - 20;
		y = drawLines(page, wrap('Attestation de présence', bold, 22, width), MARGIN, y, bold, 22);
		y -= 20;
		const intro = `${input.organiser} atteste que :`;
		y = drawLines(page, wrap(intro, regular, 12, width), MARGIN, y, regular, 12);
		y -= 6;
		y = drawLines(page, wrap(p.full_name, bold, 16, width), MARGIN + 20, y, bold, 16);
		if (p.org_name) y = drawLines(page, wrap(p.org_name, regular, 12, width - 20), MARGIN + 20, y, regular, 12);
		y -= 10;
		y = drawLines(
			page,
			wrap(
				`a participé à l'événement « ${input.eventTitle} » (${input.eventKind.toLowerCase()}), ${formatRange(input.starts_at, input.ends_at)}${input.place ? `, ${input.place}` : ''}.`,
				regular,
				12,
				width
			),
			MARGIN,
			y,
			regular,
			12
		);
		y -= 10;
		y = drawLines(page, wrap(`Durée de présence : ${formatHours(p.minutes)}`, bold, 13, width), MARGIN, y, bold, 13);
		y -= 6;
		y = drawLines(page, wrap('Séances suivies :', regular, 11, width), MARGIN, y, regular, 11);
		for (const s of p.sessions) {
			const start = new Date(s.starts_at);
			const end = new Date(s.ends_at);
			const minutes = Math.round((end.getTime() - start.getTime()) / 60000);
			y = drawLines(
				page,
				wrap(
					`• ${s.title} — ${formatDay(start)}, ${formatHourMinute(start)} – ${formatHourMinute(end)} (${formatHours(minutes)})`,
					regular,
					10,
					width - 15
				),
				MARGIN + 15,
				y,
				regular,
				10
			);
			if (y < 140) break;
		}
		page.drawText(
			winAnsi(
				`Fait le ${formatDay(attestationDate(p.sessions, input.ends_at))}, pour servir et valoir ce que de droit.`
			),
			{ x: MARGIN, y: 110, size: 10, font: regular }
		);
		page.drawText(winAnsi(`Pour ${input.organiser}`), { x: MARGIN, y: 90, size: 10, font: regular });
		page.drawText(winAnsi('Document établi à partir des émargements enregistrés sur SPASER Commun.'), {
			x: MARGIN,
			y: 40,
			size: 8,
			font: regular,
			color: rgb(0.4, 0.4, 0.4)
		});
	}
	if (!input.people.length) {
		const page = doc.addPage(A4);
		page.drawText(winAnsi('Aucune présence enregistrée pour cet événement.'), {
			x: MARGIN,
			y: A4[1] - MARGIN - 20,
			size: 12,
			font: regular
		});
	}
	return doc.save();
}
