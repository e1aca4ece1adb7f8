/**
 * The rows of the abuse defences that have a switch of their own (issue 20 item 5), in the
 * README's order before `NODE_ENV`; `rows.ts` spreads them there. Same form as there.
 */
import { flag, row } from "./types.js";

export const ABUSE_SETTINGS = Object.freeze({
  proofOfWork: row({
    name: "TESSERA_PROOF_OF_WORK",
    type: flag("on", "off"),
    default: true,
    summary: "a proof of work from new devices while sign-ins overflow",
  }),
});
