export { HttpGateway } from './server.js';
export { createGatewayApp } from './app.js';
export type { GatewayDeps, HabitatView, HabitatService, GossipView, ConsulMember } from './types.js';
