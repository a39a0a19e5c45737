// Loaded by path in the workflow sandbox too: failure messages and stack traces may quote
// data, so they travel as (encrypted) payloads.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
