export { TemplateRenderer, checkTemplateSyntax } from './renderer.js';
export { HELPERS } from './helpers.js';
export type * from './types.js';
