export { ServiceManager, type ServiceManagerDeps } from './manager.js';
