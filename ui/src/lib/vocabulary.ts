// Closed vocabularies the app stores as words; the window shows each through the catalogues
// (`status_<word>`, `kind_<word>`, …). The lists come from crates/core (types.generated.ts).
export {
  statuses,
  kinds,
  channels,
  forwardChannels,
  priorities,
  genders,
  ageBands,
  disabilityAnswers,
  commitmentStatuses,
  duplicateReasons,
  categories,
  refusals,
} from "./types.generated";
import type { refusals } from "./types.generated";

/** Why the server set a record aside (`citizens_protocol::Refusal`). */
export type Refusal = (typeof refusals)[number];
