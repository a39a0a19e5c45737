// Zod schemas of the two URL fields (a subscription's `url`, a change's `url`) and the JSON
// Schema `pattern` the OpenAPI document gives for each. The patterns are built so that every URL
// they match is one the server accepts (issue 16: the document must match validation), and the
// server checks the pattern too, so what they refuse is refused.
import { z } from 'zod';
import { changeUrlProblems, describeProblems, type ChangeUrlPolicy } from '../webhook/change-url-policy';
import { checkSubscriptionUrl } from '../webhook/url-policy';

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4 = `(?:${OCTET}\\.){3}${OCTET}`;
// No "xn--" label (WHATWG URL would decode it as punycode and may fail) and a last label that
// starts with a letter (WHATWG reads a host ending in a number as an IPv4 address).
const LABEL = '(?![xX][nN]--)[A-Za-z0-9-]+';
const DOMAIN = `(?:${LABEL}\\.)*(?![xX][nN]--)[A-Za-z][A-Za-z0-9-]*`;
const PORT = '(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})';
/** RFC 3986 user info characters (strip mode only: it is removed before anyone sees it). */
const USERINFO = "[A-Za-z0-9._~!$&'()*+,;=:%-]*";
/** Path, query and fragment: visible ASCII, the first character ending the host. */
const REST = '(?:[/?#][!-~]*)?';

/** [xX][nN]… : JSON Schema patterns have no flags, so case-insensitivity is spelled out. */
const anyCase = (s: string) =>
  [...s].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c)).join('');
/** A parameter name as normalizeParamName compares it: any case, "-" and "_" anywhere. */
const paramPattern = (name: string) =>
  `[-_]*${[...name.toLowerCase().replace(/[-_]/g, '')].map((c) => anyCase(c)).join('[-_]*')}[-_]*`;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The shape of a subscription url: http(s) unless only https is allowed, and then port 443. */
export function subscriptionUrlPattern(allowInsecure: boolean): RegExp {
  const hostPort = allowInsecure ? `(?:${DOMAIN}|${IPV4})(?::${PORT})?` : `${DOMAIN}(?::443)?`;
  return new RegExp(`^${allowInsecure ? 'https?' : 'https'}://${hostPort}${REST}$`);
}

/**
 * The shape of a change url. In reject mode it also excludes a key parameter in the query and a
 * format extension at the end of the path (user info is outside the host pattern in any mode).
 */
export function changeUrlPattern(policy: ChangeUrlPolicy): RegExp {
  if (policy.mode === 'strip') {
    // Credentials are stripped, so user info may come before the host.
    return new RegExp(`^https?://(?:${USERINFO}@)?(?:${DOMAIN}|${IPV4})(?::${PORT})?${REST}$`);
  }
  const keys = policy.keyParams.map(paramPattern).join('|');
  const exts = policy.extensions.map((e) => anyCase(escape(e))).join('|');
  const noKey = `(?![^?#]*\\?(?:[^#]*&)?(?:${keys})(?:[=&#]|$))`;
  const noExt = `(?![^?#]*\\.(?:${exts})(?:[?#]|$))`;
  return new RegExp(`^https?://(?:${DOMAIN}|${IPV4})(?::${PORT})?${noKey}${noExt}${REST}$`);
}

const MAX_URL = 2048;

export function subscriptionUrlSchema(allowInsecure: boolean) {
  const pattern = subscriptionUrlPattern(allowInsecure);
  return z
    .string()
    .superRefine((value, ctx) => {
      const check = checkSubscriptionUrl(value, { allowInsecure });
      if (!check.ok) ctx.addIssue({ code: 'custom', message: `invalid url: ${check.reason}` });
      else if (value.length > MAX_URL)
        ctx.addIssue({ code: 'custom', message: `at most ${MAX_URL} characters` });
      else if (!pattern.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: 'invalid url: the host must be a DNS name or IPv4 address, the rest visible ASCII',
        });
      }
    })
    .meta({ pattern: pattern.source, maxLength: MAX_URL })
    .describe(
      'Where deliveries are POSTed. https on port 443 unless insecure URLs are allowed; no credentials.',
    );
}

export function changeUrlSchema(policy: ChangeUrlPolicy) {
  const pattern = changeUrlPattern(policy);
  const shape = changeUrlPattern({ ...policy, mode: 'strip' });
  const rule =
    policy.mode === 'reject'
      ? 'A url with credentials, an API-key query parameter or a format extension is refused.'
      : 'Credentials, API-key query parameters and a format extension are removed from it.';
  return z
    .string()
    .superRefine((value, ctx) => {
      if (value.length > MAX_URL) {
        ctx.addIssue({ code: 'custom', message: `at most ${MAX_URL} characters` });
        return;
      }
      // Specific reasons first: they say what to fix.
      const problems = policy.mode === 'reject' ? changeUrlProblems(value, policy) : [];
      if (problems.length) ctx.addIssue({ code: 'custom', message: describeProblems(problems) });
      else if (!shape.test(value) || !pattern.test(value) || !URL.canParse(value)) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be an absolute http(s) URL with a DNS name or IPv4 address, visible ASCII only',
        });
      }
    })
    .meta({ pattern: pattern.source, maxLength: MAX_URL })
    .describe(
      `Where the receiver fetches the object; defaults to HERALD_API_BASE_URL + the object's url ` +
        `template (GET /v1/event-types). ${rule} Dropped on destroy.`,
    );
}
