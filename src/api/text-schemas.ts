// Strings whose limits mean the same to the server as to the OpenAPI document. JSON Schema counts
// a string's length in code points, zod's min/max in UTF-16 units, so an emoji would count twice
// on the server only; these count code points and document the same bounds.
import { z } from 'zod';

/** Whitespace as String.prototype.trim sees it, spelled out so that every regex engine agrees. */
const SPACE = '\\t\\n\\x0b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/** Contains one character that trim() would keep. */
export const NOT_BLANK = new RegExp(`[^${SPACE}]`);

export const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/**
 * A string of min–max code points; `notBlank` also refuses one that is all whitespace, and
 * `pattern` one that does not match (its message is the second element).
 */
export function text(
  min: number,
  max: number,
  opts: { notBlank?: boolean; pattern?: [RegExp, string] } = {},
) {
  const pattern = opts.notBlank ? NOT_BLANK : opts.pattern?.[0];
  return z
    .string()
    .superRefine((value, ctx) => {
      const n = codePoints(value);
      if (n < min) ctx.addIssue({ code: 'custom', message: `must have at least ${min} character(s)` });
      else if (n > max) ctx.addIssue({ code: 'custom', message: `must have at most ${max} characters` });
      else if (pattern && !pattern.test(value)) {
        ctx.addIssue({ code: 'custom', message: opts.pattern?.[1] ?? 'must not be blank' });
      }
    })
    .meta({ minLength: min, maxLength: max, ...(pattern ? { pattern: pattern.source } : {}) });
}
