//! Synthetic but realistic Nigerian grievances for exploring the app and for tests. No real
//! people: names are drawn from common given and family names, phones are random numbers.

use citizens_core::geo;
use citizens_core::taxonomy::CATEGORIES;
use rand::seq::SliceRandom;
use rand::Rng;

use crate::GrievanceInput;

const GIVEN: &[&str] = &[
    "Amina",
    "Musa",
    "Aisha",
    "Ibrahim",
    "Zainab",
    "Abubakar",
    "Hauwa",
    "Sani",
    "Fatima",
    "Yusuf",
    "Chinedu",
    "Ngozi",
    "Emeka",
    "Chioma",
    "Obinna",
    "Adaeze",
    "Ifeanyi",
    "Nneka",
    "Oluwaseun",
    "Funmilayo",
    "Babatunde",
    "Yetunde",
    "Adebayo",
    "Folake",
    "Tunde",
    "Bisi",
    "Efosa",
    "Osaro",
    "Ekaette",
    "Tamuno",
    "Ebiere",
    "Terver",
    "Doosuur",
];
const FAMILY: &[&str] = &[
    "Bello",
    "Abdullahi",
    "Danjuma",
    "Garba",
    "Usman",
    "Lawal",
    "Okafor",
    "Eze",
    "Nwosu",
    "Okeke",
    "Obi",
    "Adeyemi",
    "Ogunleye",
    "Balogun",
    "Adeleke",
    "Afolabi",
    "Osagie",
    "Etim",
    "Ikpe",
    "Iorliam",
];
const PREFIXES: &[&str] = &[
    "0803", "0806", "0813", "0703", "0706", "0905", "0816", "0809",
];

/// Street names (synthetic use only).
pub const STREETS: &[&str] = &[
    "Zoo Road",
    "Bompai Road",
    "France Road",
    "Ibrahim Taiwo Road",
    "Airport Road",
    "Club Road",
    "Sokoto Road",
    "Hadejia Road",
    "Obafemi Awolowo Way",
    "Allen Avenue",
    "Opebi Road",
    "Toyin Street",
    "Isaac John Street",
    "Kodesoh Street",
    "Ali Akilu Road",
    "Constitution Road",
    "Kachia Road",
    "Yakubu Gowon Way",
    "Independence Way",
    "Alkali Road",
    "Lafia Road",
    "Aminu Kano Crescent",
    "Gwarzo Road",
    "Katsina Road",
    "Maiduguri Road",
    "Kabuga Road",
    "Court Road",
    "Emir Palace Road",
    "Niger Street",
    "Bank Road",
    "Lamido Crescent",
    "Awolowo Street",
    "Adeniyi Jones Avenue",
    "Oba Akran Avenue",
    "Kano Road",
    "Waff Road",
    "Ahmadu Bello Way",
    "Murtala Mohammed Way",
    "Bauchi Road",
    "Zaria Road",
];

/// Landmarks people give directions by.
pub const LANDMARKS: &[&str] = &[
    "Sabon Gari market",
    "the central mosque",
    "Saint Louis school",
    "the motor park",
    "Kwari market",
    "the police barracks",
    "the Total filling station",
    "Computer Village",
    "the old stadium",
    "Kantin Kwari",
    "the water board office",
    "the palace gate",
    "Murtala Square",
    "the railway crossing",
    "the Catholic church",
    "the secretariat",
    "the viewing centre",
    "Rimi market",
    "the abattoir",
    "the teaching hospital",
    "the Baptist school",
    "the garage junction",
    "the Eid ground",
    "the fire station",
    "the post office",
    "the timber shed",
    "the cattle market",
    "the Islamiyya school",
    "the bakery",
    "the pharmacy",
];

/// Per category: (title, narrative) templates. `{place}` is replaced by the LGA.
fn templates(category: &str) -> &'static [(&'static str, &'static str)] {
    match category {
        "passports" => &[
            ("Passport officer demanded extra payment", "At the passport office an officer asked for money above the official fee before biometric capture at {place}."),
            ("Passport not issued after four months", "Applied and paid online, captured, but the passport has not been issued and nobody answers at {place}."),
        ],
        "policing" => &[
            ("Police checkpoint extortion on the highway", "Officers at a checkpoint near {place} collect money from every commercial driver and threaten those who refuse."),
            ("Bail money demanded at the station", "My brother was detained at the division in {place} and officers asked the family to pay for bail."),
        ],
        "roads" => &[
            ("Road abandoned by contractor", "The road project in {place} was flagged off two years ago and the contractor left the site."),
            ("Officials collecting money for licence plates", "Officials at the licensing office in {place} ask for extra money to release number plates."),
        ],
        "power" => &[
            ("Estimated billing without a meter", "Our street in {place} has no prepaid meters and the DisCo sends estimated bills every month."),
            ("Transformer faulty for three months", "The transformer serving {place} has been faulty for three months; the community was asked to contribute money to repair it."),
        ],
        "water" => &[
            ("No pipe-borne water for weeks", "The public taps in {place} have been dry for weeks."),
            ("Borehole project not completed", "A borehole was started in {place} but never completed."),
        ],
        "health" => &[
            ("Health centre staff absent", "The primary health centre in {place} is often locked and the nurses are absent."),
            ("Patients charged for free immunisation", "Mothers at the clinic in {place} are asked to pay for routine immunisation, which should be free."),
        ],
        "education" => &[
            ("Illegal levies in public primary school", "Pupils in {place} are sent home for not paying levies in a public school."),
            ("Classroom roof collapsed", "The classroom roof at the primary school in {place} collapsed and pupils learn under a tree."),
        ],
        "land" => &[("Demolition without notice", "Shops in {place} were demolished without notice or compensation.")],
        "elections" => &[("PVC not available for collection", "Registered voters in {place} cannot find their PVCs at the INEC office.")],
        "taxes" => &[("Touts collecting levies at the market", "Touts claiming to be from the revenue service collect daily levies from traders in {place}.")],
        "welfare" => &[("Cash transfer beneficiaries asked to pay", "Beneficiaries in {place} are asked to pay an agent before receiving their cash transfer.")],
        _ => &[("Complaint about public service", "A citizen in {place} complains about a public service.")],
    }
}

/// A synthetic Nigerian name.
pub fn name(rng: &mut impl Rng) -> String {
    format!(
        "{} {}",
        GIVEN.choose(rng).copied().unwrap_or("Amina"),
        FAMILY.choose(rng).copied().unwrap_or("Bello")
    )
}

/// A synthetic phone from the 0803-555 style test blocks.
pub fn phone(rng: &mut impl Rng) -> String {
    format!(
        "{} 555 {:04}",
        PREFIXES.choose(rng).copied().unwrap_or("0803"),
        rng.gen_range(0..10_000)
    )
}

/// A realistic random grievance, somewhere in Nigeria.
pub fn grievance(rng: &mut impl Rng) -> GrievanceInput {
    let states = geo::states();
    let state = &states[rng.gen_range(0..states.len())];
    let lga = state.lgas[rng.gen_range(0..state.lgas.len())];
    grievance_in(rng, state.code, lga)
}

/// A realistic random grievance in a given state and LGA.
pub fn grievance_in(rng: &mut impl Rng, state: &str, lga: &str) -> GrievanceInput {
    let category = &CATEGORIES[rng.gen_range(0..CATEGORIES.len())];
    let (title, narrative) = *templates(category.slug)
        .choose(rng)
        .unwrap_or(&("Complaint", "A complaint."));
    let corrupt = title.contains("extra")
        || title.contains("extortion")
        || title.contains("asked to pay")
        || title.contains("Bail");
    let anonymous = rng.gen_bool(0.2);
    GrievanceInput {
        kind: if corrupt {
            "corruption_report"
        } else {
            "complaint"
        }
        .into(),
        category: category.slug.into(),
        state: state.into(),
        lga: lga.into(),
        ward: Some(format!("Ward {}", rng.gen_range(1..12))),
        title: title.into(),
        // A street and a landmark, as citizens give them: no two complaints read the same.
        narrative: format!(
            "{} It is on {}, near {}.",
            narrative.replace("{place}", lga),
            STREETS.choose(rng).copied().unwrap_or("Zoo Road"),
            LANDMARKS.choose(rng).copied().unwrap_or("the motor park")
        ),
        channel: Some("town_hall".into()),
        reporter_name: (!anonymous).then(|| name(rng)),
        reporter_phone: (!anonymous && rng.gen_bool(0.7)).then(|| phone(rng)),
        reporter_gender: Some(if rng.gen_bool(0.5) { "female" } else { "male" }.into()),
        anonymous,
        consent_purpose_explained: true,
        consent_share_with_agency: rng.gen_bool(0.8),
        consent_may_contact: !anonymous,
        ..GrievanceInput::default()
    }
}

/// `count` random grievances, all in one state when given (its code or name).
pub fn grievances(
    rng: &mut impl Rng,
    count: usize,
    state: Option<&str>,
) -> citizens_core::error::Result<Vec<GrievanceInput>> {
    let state = state.map(geo::state).transpose()?;
    Ok((0..count)
        .map(|_| match state {
            Some(s) => {
                let lga = s.lgas[rng.gen_range(0..s.lgas.len())];
                grievance_in(rng, s.code, lga)
            }
            None => grievance(rng),
        })
        .collect())
}
