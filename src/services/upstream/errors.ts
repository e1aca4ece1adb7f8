/** The refusals of the upstream flows that carry a reason for the audit trail. */
import { ClientError } from "../../core/errors.js";

/** How long one request to an upstream may take. */
export const UPSTREAM_REQUEST_TIMEOUT_SECONDS = 10;

/** A refusal of the callback: one code for the client, the reason for the audit trail only. */
export class UpstreamResponseError extends ClientError {
  constructor(
    readonly reason: string,
    cause?: unknown,
  ) {
    super("The sign-in through the provider failed its checks: start again", {
      code: "upstream_response_invalid",
      cause,
    });
  }
}
