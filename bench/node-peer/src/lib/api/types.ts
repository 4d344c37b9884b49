// ConfirmD webhook payload: FLAT structure (seed 000). The seed does not show
// src/lib/api/types.ts; these are the fields the seed's code reads.
export interface ConfirmdWebhookPayload {
  id: string;
  type: string; // "Connection", "Credential", "Proof", ...
  state: string;
  orgId: string;
  timestamp: string;
  connectionId?: string;
  theirLabel?: string;
  theirDid?: string;
  outOfBandId?: string;
  [key: string]: unknown;
}
