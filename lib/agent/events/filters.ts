import type { LocalService, UserEvent } from './types.js';

/**
 * Compiles a filter written for Consul, which uses Go's RE2 syntax: a leading
 * flag group `(?i)` / `(?s)` / `(?m)` becomes JS flags and `(?P<name>` a JS
 * named group. Matching is unanchored, as Go's MatchString is. Throws with
 * the JS reason when the pattern is not a valid regex.
 */
export function compileFilter(pattern: string): RegExp {
  let source = pattern;
  let flags = '';
  const lead = /^\(\?([ism]+)\)/.exec(source);
  if (lead !== null) {
    flags = [...new Set(lead[1]!)].join('');
    source = source.slice(lead[0].length);
  }
  return new RegExp(source.replace(/\(\?P</g, '(?<'), flags);
}

/** The reason a filter is refused, in Consul's words (`Invalid node filter: error parsing regexp: ...`). */
export function filterError(kind: 'node' | 'service' | 'tag', pattern: string): string | undefined {
  try {
    compileFilter(pattern);
    return undefined;
  } catch (err) {
    const reason = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    return `Invalid ${kind} filter: error parsing regexp: ${reason}: \`${pattern}\``;
  }
}

/** What an agent checks an event's filters against: its own node name and services. */
export interface FilterTarget {
  nodeName: string;
  services: readonly LocalService[];
}

/**
 * Consul's shouldProcessUserEvent: the node filter must match this node's
 * name; the service filter must match one of its services (by ID or by name:
 * a supervisor service's ID is its service group), and with a tag filter
 * that same service must have a matching tag. A filter that does not compile
 * (a peer's bug) matches nothing.
 */
export function shouldProcess(e: UserEvent, target: FilterTarget): boolean {
  try {
    if (e.NodeFilter !== '' && !compileFilter(e.NodeFilter).test(target.nodeName)) return false;
    if (e.ServiceFilter === '') return true;
    const serviceRe = compileFilter(e.ServiceFilter);
    const tagRe = e.TagFilter === '' ? undefined : compileFilter(e.TagFilter);
    return target.services.some(
      (s) => (serviceRe.test(s.ID) || serviceRe.test(s.Service)) && (tagRe === undefined || s.Tags.some((tag) => tagRe.test(tag))),
    );
  } catch {
    return false;
  }
}
