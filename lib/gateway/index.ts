export { HttpGateway } from './server.js';
export { createGatewayApp } from './app.js';
export type { GatewayDeps, ConsulDeps, SessionDeps, HabitatView, HabitatService, GossipView, ConsulMember, AgentLocal, AgentLocalDeps } from './types.js';
