import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failures carry text too: an activity's error message (a provider's reply quoting an address,
 * a database error quoting a value), a refused update's reason, their stack traces. With
 * `encodeCommonAttributes` the message and stack trace move into a payload that the payload
 * codec encrypts like any other, and Temporal stores "Encoded failure" in their place.
 *
 * Loaded by path (DataConverter.failureConverterPath) by clients and workers, and bundled into
 * the workflow code, where failures are made too; so this file imports nothing but the SDK.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
