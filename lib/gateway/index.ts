export { HttpGateway } from './server.js';
export { createGatewayApp } from './app.js';
export type { GatewayDeps, HabitatView } from './types.js';
