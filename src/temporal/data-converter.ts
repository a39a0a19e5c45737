// One data converter for every client and worker: payloads encrypted, failures encoded.
import type { DataConverter } from '@temporalio/common';
import { createEncryptionCodec } from './codec';

export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

export function heraldDataConverter(encryptionKeys: string): DataConverter {
  return {
    payloadCodecs: [createEncryptionCodec(encryptionKeys)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
