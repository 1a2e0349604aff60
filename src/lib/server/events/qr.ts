// The QR code carried by a registration (its check-in code), as SVG for pages and e-mails, PNG for print.
import QRCode from 'qrcode';

export async function qrSvg(code: string): Promise<string> {
	return QRCode.toString(code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

export async function qrPng(code: string): Promise<Buffer> {
	return QRCode.toBuffer(code, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 8 });
}
