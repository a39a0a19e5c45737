// Herald's custom search attributes: the list (from workflows/messages.ts, so an attribute added
// there is registered and checked everywhere), their registration on a Temporal cluster (the
// embedded server gets them as start-up flags) and the check that they are there. Idempotent:
// attributes already there are left alone.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../workflows/messages';

type SdkType = (typeof SEARCH_ATTRIBUTES)[keyof typeof SEARCH_ATTRIBUTES]['type'];
/** The type names of the CLI's `--search-attribute name=Type` and of list queries. */
const CLI_TYPES = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', INT: 'Int' } as const satisfies Record<
  SdkType,
  string
>;
type AttributeType = (typeof CLI_TYPES)[SdkType];

const TYPES: Record<AttributeType, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  Int: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

/** `[name, type]` of every Herald attribute, type as the CLI names it. */
export const HERALD_SEARCH_ATTRIBUTES: [string, AttributeType][] = Object.values(SEARCH_ATTRIBUTES).map(
  (key) => [key.name, CLI_TYPES[key.type]],
);

type SaClient = Pick<Client, 'connection' | 'options'>;

/** Herald's attributes absent from the namespace, and those registered with another type. */
export async function missingSearchAttributes(
  client: SaClient,
): Promise<{ missing: string[]; wrongType: string[] }> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({
    namespace: client.options.namespace,
  });
  const have = customAttributes ?? {};
  return {
    missing: HERALD_SEARCH_ATTRIBUTES.filter(([name]) => !(name in have)).map(([name]) => name),
    wrongType: HERALD_SEARCH_ATTRIBUTES.filter(
      ([name, type]) => name in have && have[name] !== TYPES[type],
    ).map(([name]) => name),
  };
}

export async function registerSearchAttributes(
  client: SaClient,
  log: { info(msg: string): void } = console,
): Promise<string[]> {
  const namespace = client.options.namespace;
  const { missing } = await missingSearchAttributes(client);
  if (missing.length === 0) return [];
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      HERALD_SEARCH_ATTRIBUTES.filter(([name]) => missing.includes(name)).map(([name, type]) => [
        name,
        TYPES[type],
      ]),
    ),
  });
  log.info(`registered search attributes ${missing.join(', ')} in namespace ${namespace}`);
  return missing;
}
