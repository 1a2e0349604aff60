// `npm start`: after the build, serve the app on the embedded database (or DATABASE_URL) with the demo data.
// Demo data is loaded unless NODE_ENV=production — there only when DEMO_DATA=1 asks for it.
const production = process.env.NODE_ENV === 'production';
if (process.env.DEMO_DATA === undefined) process.env.DEMO_DATA = production ? '0' : '1';
process.env.PORT ||= '3000';
process.env.ORIGIN ||= `http://localhost:${process.env.PORT}`;

const url = process.env.ORIGIN;
if (process.env.DEMO_DATA === '1') {
	console.log(`
SPASER Commun — données de démonstration (réseau fictif « Réseau Achats Responsables Sud-Ouest »)
  URL : ${url}
  Mot de passe commun des comptes de démonstration : Demo-Spaser-2026!
  admin.plateforme@demo.spaser.test   administrateur de la plateforme
  animatrice@demo.spaser.test         animatrice du réseau
  admin@demo.spaser.test              administratrice d'une collectivité (Agglomération du Val d'Aurence)
  redacteur@demo.spaser.test          rédacteur (éditeur)
  lecteur@demo.spaser.test            lecteur
${process.env.DATABASE_URL ? '  Base : DATABASE_URL' : `  Base embarquée (PGlite) : ${process.env.DATA_DIR || '.data'}`}
`);
}
await import('../server.js');
