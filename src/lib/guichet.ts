/** What a lecteur (viewer) reads where the Guichet vert would let an admin or rédacteur act for the collectivité. */
export const READER_MESSAGE =
	'En tant que lecteur ou lectrice, vous consultez le Guichet vert de votre collectivité sans agir en son nom : seuls ses administrateurs et rédacteurs réservent un rendez-vous, posent une question ou écrivent dans une demande.';
