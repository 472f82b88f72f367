import { receiverAddressProblem, receiverUrlProblem } from '@resolve/config';

/**
 * Why a receiver URL cannot be registered, or null when it can (libs/config receiver-address.ts):
 * production wants https:// on a public address (the events and their signatures must not cross
 * networks in clear, and Resolve must not be pointed at its own network); a URL with a user name
 * or password would keep a credential in the directory and in logs. The address form only.
 */
export function webhookUrlProblem(value: string, production: boolean): string | null {
  return receiverUrlProblem(value, production);
}

/** webhookUrlProblem, then (production) the host's DNS answer: every address must be public. */
export function webhookAddressProblem(value: string, production: boolean): Promise<string | null> {
  return receiverAddressProblem(value, production);
}
