// The JSON API's schemas (request and response bodies), by capability; the OpenAPI document is generated from them.
export * from './core';
export * from './organisations';
export * from './spaser';
export * from './guichet';
