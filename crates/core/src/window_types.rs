//! How values that serialise as plain JSON read in the window's TypeScript types (ts-rs):
//! the generated `ui/src/lib/types.generated.ts` comes from the Rust types themselves.

/// Implement `ts_rs::TS` for types that serialise as one TypeScript primitive.
macro_rules! ts_primitive {
    ($ts:literal: $($t:ty),+ $(,)?) => {
        $(impl ts_rs::TS for $t {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;
            fn name(_: &ts_rs::Config) -> String {
                $ts.to_string()
            }
            fn inline(_: &ts_rs::Config) -> String {
                $ts.to_string()
            }
        })+
    };
}

ts_primitive!("number": crate::clock::Timestamp);
ts_primitive!(
    "string": crate::clock::Day,
    crate::ids::GrievanceId,
    crate::ids::AgencyId,
    crate::ids::SessionId,
    crate::ids::EntryId,
);
