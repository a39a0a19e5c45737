// Loaded by path in the workflow sandbox too. The SDK's JSON converter turns text into UTF-8
// with a JavaScript encoder of its own; the sandbox and Node both have the native TextEncoder
// and TextDecoder, many times faster on the payloads of a busy subscription (in a profile of
// the ingest benchmark the SDK's encode and decode were ~15 % of Herald's CPU). The bytes are
// the same UTF-8 JSON, so recorded histories decode as before and other tools read them.
import {
  BinaryPayloadConverter,
  CompositePayloadConverter,
  METADATA_ENCODING_KEY,
  UndefinedPayloadConverter,
  ValueError,
  encodingKeys,
  encodingTypes,
  type Payload,
  type PayloadConverterWithEncoding,
} from '@temporalio/common';

/**
 * JSON text that is already serialized (the API's changes signals, assembled from changes it
 * serialized once to measure them): sent as it is. Recognised by a registered symbol, not by
 * `instanceof`, so a second copy of this module (loaded by path) still knows it.
 */
const JSON_TEXT = Symbol.for('herald.jsonText');
export interface JsonText {
  readonly [JSON_TEXT]: string;
}
export const jsonText = (text: string): JsonText => ({ [JSON_TEXT]: text });
const isJsonText = (value: unknown): value is JsonText =>
  typeof value === 'object' && value !== null && JSON_TEXT in value;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class NativeJsonPayloadConverter implements PayloadConverterWithEncoding {
  readonly encodingType = encodingTypes.METADATA_ENCODING_JSON;

  toPayload(value: unknown): Payload | undefined {
    if (value === undefined) return undefined;
    let json: string;
    if (isJsonText(value)) json = value[JSON_TEXT];
    else {
      try {
        json = JSON.stringify(value);
      } catch {
        return undefined;
      }
    }
    return {
      metadata: { [METADATA_ENCODING_KEY]: encodingKeys.METADATA_ENCODING_JSON },
      data: encoder.encode(json),
    };
  }

  fromPayload<T>(content: Payload): T {
    if (content.data === undefined || content.data === null) throw new ValueError('Got payload with no data');
    return JSON.parse(decoder.decode(content.data)) as T;
  }
}

export const payloadConverter = new CompositePayloadConverter(
  new UndefinedPayloadConverter(),
  new BinaryPayloadConverter(),
  new NativeJsonPayloadConverter(),
);
