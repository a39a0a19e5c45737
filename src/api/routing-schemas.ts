// Zod schemas of the routing fields (issue 17): tenant and channel names, shared by the
// subscription, change and tenant-token routes so the rules and their messages are one.
import { z } from 'zod';
import { ALL_TENANTS, NAME_PATTERN } from '../service/routing-rules';

const NAME_RULE = '1–128 characters of A–Z, a–z, 0–9, "_", ".", ":" and "-"';

/** A tenant as a change or a tenant token names it: never "*". */
export const tenantName = z
  .string()
  .regex(NAME_PATTERN, `a tenant is ${NAME_RULE}`)
  .describe(`Tenant identifier: ${NAME_RULE}`);

/** A subscription's tenant: a tenant, or "*" for every tenant's changes and those without one. */
export const subscriptionTenant = z
  .union([z.literal(ALL_TENANTS), tenantName])
  .describe(
    'Set at creation, never changed. "T": only changes of tenant T. "*": every change, of any tenant or none (changes then carry their tenant). Absent: only changes without a tenant.',
  );

export const channelName = z
  .string()
  .regex(NAME_PATTERN, `a channel is ${NAME_RULE}`)
  .describe(`Channel name: ${NAME_RULE}`);

/** A subscription's channels; empty = every channel (no filter). */
export const subscriptionChannels = z
  .array(channelName)
  .max(50)
  .transform((list) => [...new Set(list)])
  .describe(
    'Receives only changes sharing at least one of these channels. Absent or [] = every change, with or without channels.',
  );
