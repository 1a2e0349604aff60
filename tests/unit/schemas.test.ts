import { describe, expect, it } from 'vitest';
import { apiTokenCreateSchema, changePasswordSchema, loginSchema, signUpSchema } from '../../src/lib/server/auth/input';
import { email, fieldErrors, formToObject } from '../../src/lib/server/kit/input';
import { invitationInput, organisationInput } from '../../src/lib/server/organisations/input';
import { decisionInput, joinRequestInput, networkInput } from '../../src/lib/server/networks/input';

function errors(schema: { safeParse: (v: unknown) => { success: boolean; error?: unknown } }, value: unknown) {
	const r = schema.safeParse(value);
	expect(r.success).toBe(false);
	return fieldErrors(r.error as never);
}

describe('common schemas', () => {
	it('normalises e-mail addresses and explains bad ones in French', () => {
		expect(email.parse('  Marie.Curie@Mairie.FR ')).toBe('marie.curie@mairie.fr');
		expect(errors(email, 'pas-une-adresse')).toEqual({ _: "Cette adresse e-mail n'est pas valable." });
		expect(errors(email, undefined)).toEqual({ _: 'Indiquez une adresse e-mail.' });
	});

	it('formToObject drops empty fields and collects arrays', () => {
		const fd = new FormData();
		fd.append('name', 'Ville');
		fd.append('siren', '  ');
		fd.append('regionCodes[]', '53');
		fd.append('regionCodes[]', '52');
		fd.append('file', new Blob(['x']));
		expect(formToObject(fd)).toEqual({ name: 'Ville', siren: undefined, regionCodes: ['53', '52'] });
	});
});

describe('auth schemas', () => {
	it('sign-up: French messages for each field', () => {
		const e = errors(signUpSchema, { email: 'x', displayName: '   ', password: 'court' });
		expect(e.email).toBe("Cette adresse e-mail n'est pas valable.");
		expect(e.displayName).toBe('Indiquez votre nom.');
		expect(e.password).toBe('Le mot de passe doit contenir au moins 12 caractères.');
		const ok = signUpSchema.parse({ email: 'A@B.fr', displayName: ' Anne ', password: 'Cheval-Batterie-Agrafe' });
		expect(ok).toEqual({ email: 'a@b.fr', displayName: 'Anne', password: 'Cheval-Batterie-Agrafe' });
	});

	it('login and password change require the fields', () => {
		expect(errors(loginSchema, { email: 'a@b.fr', password: '' }).password).toBe('Indiquez votre mot de passe.');
		expect(errors(changePasswordSchema, { currentPassword: '', newPassword: 'x' })).toEqual({
			currentPassword: 'Indiquez votre mot de passe actuel.',
			newPassword: 'Le mot de passe doit contenir au moins 12 caractères.'
		});
	});

	it('API token: default read scope, coerced expiry, scope list checked', () => {
		expect(apiTokenCreateSchema.parse({ name: 'CI' })).toEqual({ name: 'CI', scopes: ['read'] });
		expect(
			apiTokenCreateSchema.parse({ name: 'CI', scopes: ['read', 'write'], expiresInDays: '30' }).expiresInDays
		).toBe(30);
		expect(errors(apiTokenCreateSchema, { name: 'CI', scopes: [] }).scopes).toBe('Choisissez au moins une permission.');
		expect(apiTokenCreateSchema.safeParse({ name: 'CI', scopes: ['admin'] }).success).toBe(false);
	});
});

describe('organisation schemas', () => {
	const base = { name: 'Ville de Paris', kind: 'commune' };

	it('accepts a complete, consistent organisation and strips spaces from SIREN/SIRET', () => {
		const v = organisationInput.parse({
			...base,
			siren: '217 500 016',
			siret: '217.500.016.00001',
			regionCode: '11',
			departementCode: '75',
			population: '2100000',
			purchaseVolumeEur: '1500000000.50',
			referentsCount: '3'
		});
		expect(v).toMatchObject({
			siren: '217500016',
			siret: '21750001600001',
			population: 2100000,
			purchaseVolumeEur: 1500000000.5,
			referentsCount: 3
		});
	});

	it('checks SIREN/SIRET format and Luhn key, in French', () => {
		expect(errors(organisationInput, { ...base, siren: '12345' }).siren).toBe('Le SIREN comporte 9 chiffres.');
		expect(errors(organisationInput, { ...base, siren: '217500017' }).siren).toBe(
			"Ce SIREN n'est pas valable (clé de contrôle incorrecte)."
		);
		expect(errors(organisationInput, { ...base, siret: '21750001600002' }).siret).toBe(
			"Ce SIRET n'est pas valable (clé de contrôle incorrecte)."
		);
	});

	it('checks cross-field consistency', () => {
		expect(errors(organisationInput, { ...base, siren: '217500016', siret: '73282932000074' }).siret).toBe(
			'Le SIRET doit commencer par le SIREN.'
		);
		expect(errors(organisationInput, { ...base, regionCode: '53', departementCode: '75' }).departementCode).toBe(
			"Ce département n'appartient pas à la région choisie."
		);
	});

	it('refuses unknown kinds, regions and negative amounts', () => {
		const e = errors(organisationInput, { name: 'X', kind: 'empire', regionCode: '99', purchaseVolumeEur: '-1' });
		expect(e.name).toBe('Le nom doit contenir au moins 2 caractères.');
		expect(e.kind).toBe('Choisissez un type de collectivité.');
		expect(e.regionCode).toBe('Choisissez une région.');
		expect(e.purchaseVolumeEur).toBe("Le volume d'achats ne peut pas être négatif.");
	});

	it('invitation, network, join request and decision inputs', () => {
		expect(invitationInput.parse({ email: 'X@Y.fr', role: 'editor' })).toEqual({ email: 'x@y.fr', role: 'editor' });
		expect(errors(invitationInput, { email: 'x@y.fr', role: 'owner' }).role).toBe('Choisissez un rôle.');
		expect(networkInput.parse({ name: 'Réseau Ouest' })).toEqual({
			name: 'Réseau Ouest',
			description: '',
			regionCodes: []
		});
		expect(errors(networkInput, { name: 'R', regionCodes: ['53', '00'] })).toMatchObject({
			name: expect.any(String),
			'regionCodes.1': 'Région inconnue.'
		});
		expect(errors(joinRequestInput, { orgId: 'nope' }).orgId).toBe('Choisissez une collectivité.');
		expect(decisionInput.parse({ decision: 'approved' })).toEqual({ decision: 'approved' });
		expect(errors(decisionInput, { decision: 'refused', reason: '  ' }).reason).toBe('Indiquez le motif du refus.');
		expect(decisionInput.parse({ decision: 'refused', reason: 'Hors périmètre' }).reason).toBe('Hors périmètre');
	});
});
