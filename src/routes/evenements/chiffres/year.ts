/** The year asked in ?annee= (the current year by default). */
export function yearOf(url: URL) {
	const y = Number(url.searchParams.get('annee'));
	return Number.isInteger(y) && y >= 2000 && y <= 2100 ? y : new Date().getFullYear();
}
