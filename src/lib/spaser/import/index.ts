export * from './detect';
export * from './convert';
export * from './html';
export * from './review';
