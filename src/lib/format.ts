// French formatting helpers (Intl, Europe/Paris).
const nf = new Intl.NumberFormat('fr-FR');
const eur = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 });
const dateFmt = new Intl.DateTimeFormat('fr-FR', {
	timeZone: 'Europe/Paris',
	day: 'numeric',
	month: 'long',
	year: 'numeric'
});
const dateTimeFmt = new Intl.DateTimeFormat('fr-FR', {
	timeZone: 'Europe/Paris',
	weekday: 'long',
	day: 'numeric',
	month: 'long',
	year: 'numeric',
	hour: '2-digit',
	minute: '2-digit'
});

export const formatNumber = (n: number | null | undefined) => (n == null ? '—' : nf.format(n));
export const formatEuros = (n: number | null | undefined) => (n == null ? '—' : `${eur.format(n)} HT`);
export const formatDate = (d: Date | string | null | undefined) => (d == null ? '—' : dateFmt.format(new Date(d)));
export const formatDateTime = (d: Date | string | null | undefined) =>
	d == null ? '—' : dateTimeFmt.format(new Date(d)).replace(':', ' h ');
