export { CtlServer, type CtlHandler, type CtlServerDeps } from './server.js';
export { CtlClient, type CtlClientOptions } from './client.js';
