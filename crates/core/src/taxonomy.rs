//! The category taxonomy: what a grievance is about.

use crate::error::{Error, Result};

/// A category with its subcategories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    /// Stored word, e.g. `passports`.
    pub slug: &'static str,
    /// English label.
    pub label: &'static str,
    /// Stored words of the subcategories.
    pub subcategories: &'static [&'static str],
}

/// Every category, in the order shown to users.
pub const CATEGORIES: &[Category] = &[
    Category {
        slug: "passports",
        label: "Passports & immigration",
        subcategories: &[
            "passport_delay",
            "extra_payment_demanded",
            "lost_passport",
            "visa_residence",
            "border_post",
        ],
    },
    Category {
        slug: "policing",
        label: "Policing",
        subcategories: &[
            "checkpoint_extortion",
            "bail_payment_demanded",
            "unlawful_detention",
            "brutality",
            "failure_to_act",
        ],
    },
    Category {
        slug: "roads",
        label: "Roads & transport",
        subcategories: &[
            "bad_road",
            "unfinished_project",
            "licence_and_plates",
            "traffic_officials",
            "public_transport",
        ],
    },
    Category {
        slug: "power",
        label: "Power supply",
        subcategories: &[
            "estimated_billing",
            "no_prepaid_meter",
            "outage",
            "transformer",
            "disconnection",
        ],
    },
    Category {
        slug: "water",
        label: "Water",
        subcategories: &[
            "no_supply",
            "contaminated_water",
            "billing",
            "borehole_project",
        ],
    },
    Category {
        slug: "health",
        label: "Health",
        subcategories: &[
            "staff_absent",
            "drugs_unavailable",
            "illegal_fees",
            "facility_condition",
            "fake_drugs",
        ],
    },
    Category {
        slug: "education",
        label: "Education",
        subcategories: &[
            "teacher_absent",
            "illegal_levies",
            "school_building",
            "exam_malpractice",
            "scholarship",
        ],
    },
    Category {
        slug: "land",
        label: "Land & housing",
        subcategories: &[
            "title_documents",
            "demolition",
            "land_grabbing",
            "building_approval",
        ],
    },
    Category {
        slug: "elections",
        label: "Elections",
        subcategories: &[
            "pvc_collection",
            "vote_buying",
            "polling_unit",
            "registration",
        ],
    },
    Category {
        slug: "taxes",
        label: "Taxes & revenue",
        subcategories: &[
            "multiple_taxation",
            "touts_and_levies",
            "tax_identification",
        ],
    },
    Category {
        slug: "welfare",
        label: "Social welfare",
        subcategories: &[
            "cash_transfer",
            "pension",
            "disability_support",
            "nin_enrolment",
        ],
    },
    Category {
        slug: "other",
        label: "Other",
        subcategories: &["other"],
    },
];

/// Check a category and optional subcategory.
pub fn check(category: &str, subcategory: Option<&str>) -> Result<&'static Category> {
    let wanted = category.trim().to_ascii_lowercase();
    let found = CATEGORIES
        .iter()
        .find(|c| c.slug == wanted)
        .ok_or_else(|| {
            let all: Vec<&str> = CATEGORIES.iter().map(|c| c.slug).collect();
            Error::invalid(
                "category",
                format!(
                    "'{category}' is not a category; choose one of: {}",
                    all.join(", ")
                ),
            )
        })?;
    if let Some(sub) = subcategory {
        let sub = sub.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        if !found.subcategories.contains(&sub.as_str()) {
            return Err(Error::invalid(
                "subcategory",
                format!(
                    "'{sub}' is not a subcategory of {}; choose one of: {}",
                    found.slug,
                    found.subcategories.join(", ")
                ),
            ));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_categories_and_subcategories() {
        assert_eq!(
            check("Policing", Some("checkpoint-extortion")).map(|c| c.slug),
            Ok("policing")
        );
        assert!(check("policing", Some("outage")).is_err());
        assert!(check("weather", None)
            .expect_err("must be refused")
            .to_string()
            .contains("choose one of"));
    }
}
