// The bilan's documents: DOCX and PDF renderings of BilanData (buildBilanData in ./bilan).
import {
	AlignmentType,
	Document,
	HeadingLevel,
	Packer,
	Paragraph,
	Table,
	TableCell,
	TableRow,
	TextRun,
	WidthType
} from 'docx';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { type BilanData, TREND_LABELS, benchText, bilanSections, fmt, gapText } from './bilan';

export async function renderBilanDocx(data: BilanData): Promise<Buffer> {
	const children: (Paragraph | Table)[] = [
		new Paragraph({
			heading: HeadingLevel.TITLE,
			children: [new TextRun(`Bilan du SPASER ${data.yearFrom}-${data.yearTo}`)]
		}),
		new Paragraph({ children: [new TextRun({ text: data.title, bold: true })] }),
		new Paragraph(data.orgName),
		new Paragraph(
			`Bilan de mise en œuvre prévu par l’article L. 2111-3 du code de la commande publique : indicateurs en nombre de contrats ou en valeur, cibles et écarts, tendance et position par rapport aux pairs du réseau (statistiques anonymisées).`
		)
	];
	const cell = (text: string, bold = false) =>
		new TableCell({ children: [new Paragraph({ children: [new TextRun({ text, bold })] })] });
	for (const s of bilanSections(data)) {
		children.push(
			new Paragraph({
				heading: HeadingLevel.HEADING_1,
				children: [new TextRun(`Axe ${s.axis.number}. ${s.axis.title}`)]
			})
		);
		if (s.narrative)
			for (const para of s.narrative.split(/\n{2,}/)) children.push(new Paragraph(para.replace(/\n/g, ' ')));
		for (const r of s.rows) {
			children.push(
				new Paragraph({
					heading: HeadingLevel.HEADING_2,
					children: [new TextRun(`${r.label}${r.code ? ` (${r.code})` : ''}`)]
				})
			);
			children.push(
				new Paragraph(
					`Action ${r.nodeNumber} — ${r.nodeTitle}. Cible finale : ${r.finalTarget ? `${fmt(r.finalTarget.value, r.unit)} en ${r.finalTarget.year}` : 'non fixée'}.`
				)
			);
			children.push(
				new Table({
					width: { size: 100, type: WidthType.PERCENTAGE },
					rows: [
						new TableRow({
							tableHeader: true,
							children: [cell('Année', true), cell('Valeur atteinte', true), cell('Cible', true), cell('Écart', true)]
						}),
						...r.years.map(
							(y) =>
								new TableRow({
									children: [
										cell(String(y.year)),
										cell(fmt(y.value, r.unit)),
										cell(fmt(y.target, r.unit)),
										cell(gapText(r, y.gap))
									]
								})
						)
					]
				})
			);
			children.push(new Paragraph(`Tendance : ${TREND_LABELS[r.trend]}. Position : ${benchText(r)}`));
		}
	}
	if (!data.rows.length) children.push(new Paragraph('Ce SPASER ne comporte encore aucune cible chiffrée.'));
	children.push(
		new Paragraph({
			alignment: AlignmentType.LEFT,
			children: [
				new TextRun({
					text: `Généré le ${new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' }).format(new Date(data.generatedAt))} avec SPASER Commun.`,
					italics: true
				})
			]
		})
	);
	const doc = new Document({
		creator: 'SPASER Commun',
		title: `Bilan ${data.yearFrom}-${data.yearTo} — ${data.title}`,
		language: 'fr-FR',
		sections: [{ children }]
	} as ConstructorParameters<typeof Document>[0]);
	return Packer.toBuffer(doc);
}

/** WinAnsi-safe text for the standard PDF fonts. */
function pdfSafe(s: string): string {
	return s
		.replace(/[\u202f\u2009]/g, '\u00a0')
		.replace(/[‐‑‒–]/g, '-')
		.replace(/−/g, '-')
		.replace(/œ/g, 'oe')
		.replace(/Œ/g, 'OE')
		.replace(/[^\x20-\x7e\u00a0-\u00ff€’‘“”…—•]/g, '?');
}

export async function renderBilanPdf(data: BilanData): Promise<Uint8Array> {
	const pdf = await PDFDocument.create();
	pdf.setTitle(pdfSafe(`Bilan ${data.yearFrom}-${data.yearTo} — ${data.title}`));
	pdf.setLanguage('fr-FR');
	pdf.setCreator('SPASER Commun');
	const font = await pdf.embedFont(StandardFonts.Helvetica);
	const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
	const W = 595;
	const H = 842;
	const M = 50;
	let page: PDFPage = pdf.addPage([W, H]);
	let y = H - M;
	const newPage = () => {
		page = pdf.addPage([W, H]);
		y = H - M;
	};
	const write = (text: string, opts: { size?: number; f?: PDFFont; indent?: number; gap?: number } = {}) => {
		const size = opts.size ?? 10;
		const f = opts.f ?? font;
		const maxW = W - 2 * M - (opts.indent ?? 0);
		const words = pdfSafe(text).split(/\s+/);
		let line = '';
		const lines: string[] = [];
		for (const w of words) {
			const t = line ? `${line} ${w}` : w;
			if (f.widthOfTextAtSize(t, size) > maxW && line) {
				lines.push(line);
				line = w;
			} else line = t;
		}
		if (line) lines.push(line);
		for (const l of lines) {
			if (y < M + size) newPage();
			page.drawText(l, { x: M + (opts.indent ?? 0), y: y - size, size, font: f, color: rgb(0.1, 0.1, 0.1) });
			y -= size * 1.35;
		}
		y -= opts.gap ?? 4;
	};
	write(`Bilan du SPASER ${data.yearFrom}-${data.yearTo}`, { size: 20, f: bold, gap: 8 });
	write(data.title, { size: 12, f: bold });
	write(data.orgName, { size: 11, gap: 10 });
	for (const s of bilanSections(data)) {
		write(`Axe ${s.axis.number}. ${s.axis.title}`, { size: 14, f: bold, gap: 6 });
		if (s.narrative) write(s.narrative, { gap: 8 });
		for (const r of s.rows) {
			write(`${r.label}${r.code ? ` (${r.code})` : ''}`, { size: 11, f: bold });
			write(
				`Cible finale : ${r.finalTarget ? `${fmt(r.finalTarget.value, r.unit)} en ${r.finalTarget.year}` : 'non fixée'}.`,
				{ indent: 10 }
			);
			for (const yv of r.years)
				write(
					`${yv.year} : valeur ${fmt(yv.value, r.unit)} ; cible ${fmt(yv.target, r.unit)} ; écart ${gapText(r, yv.gap)}`,
					{ indent: 10, gap: 1 }
				);
			write(`Tendance : ${TREND_LABELS[r.trend]}. Position : ${benchText(r)}`, { indent: 10, gap: 8 });
		}
	}
	if (!data.rows.length) write('Ce SPASER ne comporte encore aucune cible chiffrée.');
	return pdf.save();
}
