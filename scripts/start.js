// `npm start`: after the build, serve the app on the embedded database (or DATABASE_URL). The demo data and every
// other default come from the one table of settings (src/lib/server/kit/settings.js), the same as `node server.js`.
import { readSetting } from '../src/lib/server/kit/settings.js';

// adapter-node trusts ORIGIN for form posts; on a laptop that is this machine.
const url = /** @type {string} */ (readSetting('ORIGIN'));
process.env.ORIGIN = url;

if (readSetting('DEMO_DATA')) {
	console.log(`
SPASER Commun — données de démonstration (réseau fictif « Réseau Achats Responsables Sud-Ouest »)
  URL : ${url}
  Mot de passe commun des comptes de démonstration : Demo-Spaser-2026!
  admin.plateforme@demo.spaser.test   administrateur de la plateforme
  animatrice@demo.spaser.test         animatrice du réseau
  admin@demo.spaser.test              administratrice d'une collectivité (Agglomération du Val d'Aurence)
  redacteur@demo.spaser.test          rédacteur (éditeur)
  lecteur@demo.spaser.test            lecteur
${readSetting('DATABASE_URL') ? '  Base : DATABASE_URL' : `  Base embarquée (PGlite) : ${readSetting('DATA_DIR')}`}
`);
}
await import('../server.js');
