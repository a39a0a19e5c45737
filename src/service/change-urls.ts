// The `url` a partner receives with a change (docs/contract.md §2, issue 16): the publisher's own url
// cleaned of what may not leave (strip mode; reject mode refused it already), or one derived
// from the object's url template in the catalogue, else from today's `<object>s/<id>` rule.
import { CatalogError } from '../catalog/catalog';
import {
  changeUrlProblems,
  describeProblems,
  stripChangeUrl,
  type ChangeUrlPolicy,
} from '../webhook/change-url-policy';

export interface ChangeUrlRules {
  /** HERALD_API_BASE_URL without trailing slashes. */
  apiBaseUrl: string;
  policy: ChangeUrlPolicy;
  /** The catalogue's template for an object, e.g. "/trainings/{id}". */
  urlTemplate(object: string): string | undefined;
}

/**
 * An id as one path segment: percent-encoded, dots included, so that an id such as "2024.json"
 * never reads as a format extension. (Ids "." and ".." are refused by the change schema: no
 * encoding keeps a URL parser from treating them as dot segments.)
 */
export function encodeIdSegment(id: string | number): string {
  return encodeURIComponent(String(id)).replace(/\./g, '%2E');
}

export function deriveChangeUrl(object: string, id: string | number, rules: ChangeUrlRules): string {
  const template = rules.urlTemplate(object) ?? `/${object}s/{id}`;
  return rules.apiBaseUrl + template.replace('{id}', encodeIdSegment(id));
}

/** The url to send: the publisher's, cleaned, or a derived one. */
export function changeUrl(
  change: { object: string; id: string | number; url?: string },
  rules: ChangeUrlRules,
): string {
  return change.url === undefined
    ? deriveChangeUrl(change.object, change.id, rules)
    : stripChangeUrl(change.url, rules.policy);
}

/**
 * A template can carry what a publisher's url may not (say "/trainings/{id}.json"); such a url
 * would reach every partner unasked, so the catalogue is refused at start instead.
 */
export function checkTemplates(
  objects: { name: string; urlTemplate: string }[],
  rules: ChangeUrlRules,
): void {
  for (const { name, urlTemplate } of objects) {
    const url = rules.apiBaseUrl + urlTemplate.replace('{id}', encodeIdSegment(1));
    const problems = changeUrlProblems(url, rules.policy);
    if (problems.length) {
      throw new CatalogError(
        `event catalogue: urlTemplate "${urlTemplate}" of ${name} ${describeProblems(problems)}`,
      );
    }
  }
}
