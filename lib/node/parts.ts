/**
 * Everything a node runs besides gossip, in one module that the node imports
 * only once it has started gossip and begun to join: loading these (Koa, the
 * supervisor, Raft, the agent) takes a few hundred milliseconds, and a new
 * member should be in the ring while they load, as a serf agent would be.
 */
export { CtlServer } from '../ctl/index.js';
export { svcHandlers } from '../ctl/svc-handlers.js';
export { HttpGateway } from '../gateway/index.js';
export { ServiceManager } from '../supervisor/index.js';
export { consulMember, gossipView } from './gossip-view.js';
export { habitatView } from './habitat-view.js';
export { sysInfo } from './sys-info.js';
export { CensusBridge } from './census-bridge.js';
export { rumorHandlers } from './rumor-handlers.js';
export { RaftServer } from './raft-server.js';
export { agentSelf } from './agent-self.js';
export { AclLeaderBootstrap, nodeAclResolver, remoteTokenLookup } from './acl.js';
export { SupervisorAgentBridge, agentNodeInfo } from './agent-bridge.js';
export { httpCatalogSync } from './catalog-sync-http.js';
export { CoordinateSync, httpCoordinateUpdate, serverCoordinateUpdate, serverCoordinates } from './coordinate-sync.js';
export { LocalAgent } from '../agent/index.js';
export { butterflyEventGossip } from './user-events.js';
export { UserEvents } from '../agent/events/index.js';
