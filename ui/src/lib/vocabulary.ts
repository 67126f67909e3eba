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
} from "./types.generated";
