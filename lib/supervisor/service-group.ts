import { ChorusError, ErrorCode } from '../core/errors.js';

/**
 * A service group names where a service's members gossip:
 * `[app#]service.group[@org]`. The HTTP routes answer 400 for a name that does
 * not parse and 404 for one that parses but is not loaded, so parsing is its
 * own step.
 */
export interface ServiceGroup {
  service: string;
  group: string;
  application?: string | undefined;
  org?: string | undefined;
}

// Habitat: \A(app#)?service.group(@org)?\z with no '#', '@' or '.' inside parts.
const PART = '[^#@.\\s/]+';
const SERVICE_GROUP = new RegExp(`^(?:(${PART})#)?(${PART})\\.(${PART})(?:@(${PART}))?$`);

export function parseServiceGroup(text: string): ServiceGroup {
  const match = SERVICE_GROUP.exec(text);
  if (match === null) {
    throw new ChorusError(ErrorCode.BadRequest, `invalid service group '${text}': expected SERVICE.GROUP or SERVICE.GROUP@ORG`);
  }
  return { application: match[1], service: match[2]!, group: match[3]!, org: match[4] };
}

/** Builds a group from route parts, validating each the same way. */
export function serviceGroupOf(service: string, group: string, org?: string): ServiceGroup {
  return parseServiceGroup(`${service}.${group}${org === undefined ? '' : `@${org}`}`);
}

export function formatServiceGroup(sg: ServiceGroup): string {
  const app = sg.application === undefined ? '' : `${sg.application}#`;
  const org = sg.org === undefined ? '' : `@${sg.org}`;
  return `${app}${sg.service}.${sg.group}${org}`;
}
