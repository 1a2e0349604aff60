export * from './detect';
export * from './convert';
