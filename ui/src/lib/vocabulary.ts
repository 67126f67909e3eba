// Closed vocabularies the app stores as words; the window shows each through the catalogues
// (`status_<word>`, `kind_<word>`, …). Kept in step with crates/core by a Vitest test.
export const statuses = ["new", "triaged", "forwarded", "acknowledged", "in_progress", "resolved", "closed", "not_actionable", "duplicate", "withdrawn"] as const;
export const kinds = ["complaint", "corruption_report", "feedback", "inquiry", "commendation"] as const;
export const channels = ["town_hall", "paper_form", "walk_in", "phone", "sms", "social_media", "radio", "other"] as const;
export const forwardChannels = ["letter", "email", "visit", "phone", "portal"] as const;
export const categories = ["passports", "policing", "roads", "power", "water", "health", "education", "land", "elections", "taxes", "welfare", "other"] as const;
export const commitmentStatuses = ["open", "kept", "partly_kept", "broken"] as const;
export const duplicateReasons = ["similar_words", "same_phone", "same_form", "same_place", "same_agency", "close_dates"] as const;
