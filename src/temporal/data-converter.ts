// One data converter for every client and worker: payloads encrypted, failures encoded.
import type { DataConverter } from '@temporalio/common';
import { createEncryptionCodec } from './codec';

export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');
export const PAYLOAD_CONVERTER_PATH = require.resolve('./payload-converter');

/** What the workflow bundle loads by path: the same converters as every client and worker. */
export const BUNDLED_CONVERTERS = {
  failureConverterPath: FAILURE_CONVERTER_PATH,
  payloadConverterPath: PAYLOAD_CONVERTER_PATH,
};

export function heraldDataConverter(encryptionKeys: string): DataConverter {
  return {
    payloadCodecs: [createEncryptionCodec(encryptionKeys)],
    ...BUNDLED_CONVERTERS,
  };
}
