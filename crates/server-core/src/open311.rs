//! Open311 GeoReport v2, the part that needs no case: discovery, the services (the category
//! taxonomy) with their definitions, and the spec's error body. Both formats come from one
//! tree, so they cannot disagree, in the shapes real clients read (research notes §2.1): XML
//! with every list wrapped (`<services><service>…`), JSON with lists as bare arrays and codes
//! as strings. The words are the window's English (`citizens-words`).

use citizens_core::capture::GrievanceInput;
use citizens_core::clock::Day;
use citizens_core::grievance::Kind;
use citizens_core::taxonomy::CATEGORIES;
use citizens_words::Words;
use serde_json::Value;

use crate::intake::{Receipt, Tracked};

/// The specification every endpoint follows.
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

/// When the services last changed (the taxonomy, the states, the kinds).
pub const CHANGESET: &str = "2026-12-04T00:00:00Z";

/// A format the spec names, chosen by the path's ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.xml`, the spec's required format.
    Xml,
    /// `.json`.
    Json,
}

impl Format {
    /// `services.json` → (`services`, JSON); an ending the spec does not name → `None`.
    pub fn split(name: &str) -> Option<(&str, Format)> {
        let (stem, ending) = name.rsplit_once('.')?;
        let format = match ending {
            "xml" => Format::Xml,
            "json" => Format::Json,
            _ => return None,
        };
        Some((stem, format))
    }

    /// Its `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "text/xml; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
        }
    }
}

/// A piece of an answer.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Text(String),
    Bool(bool),
    Int(i64),
    /// Named fields, in order.
    Object(Vec<(&'static str, Node)>),
    /// A list, and the element each item is in XML.
    List(&'static str, Vec<Node>),
}

fn text(t: impl Into<String>) -> Node {
    Node::Text(t.into())
}

/// A whole answer: its root element (XML) and content.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    root: &'static str,
    node: Node,
}

impl Answer {
    /// The answer's bytes in `format`.
    pub fn render(&self, format: Format) -> Vec<u8> {
        match format {
            Format::Json => json(&self.node).to_string().into_bytes(),
            Format::Xml => {
                let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
                xml(&mut out, self.root, &self.node);
                out.into_bytes()
            }
        }
    }
}

fn json(node: &Node) -> Value {
    match node {
        Node::Text(t) => Value::String(t.clone()),
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(n) => Value::from(*n),
        Node::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, value)| ((*name).to_string(), json(value)))
                .collect(),
        ),
        Node::List(_, items) => Value::Array(items.iter().map(json).collect()),
    }
}

fn xml(out: &mut String, name: &str, node: &Node) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match node {
        Node::Text(t) => out.push_str(&citizens_core::charts::escape(t)),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Int(n) => out.push_str(&n.to_string()),
        Node::Object(fields) => {
            for (field, value) in fields {
                xml(out, field, value);
            }
        }
        Node::List(item, items) => {
            for value in items {
                xml(out, item, value);
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Where the endpoint is and whom to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The endpoint's address, e.g. `https://citizens.example.org/open311/v2`.
    pub url: String,
    /// The organisation running it.
    pub organisation: String,
}

/// `discovery.{xml,json}`.
pub fn discovery(site: &Site) -> Answer {
    Answer {
        root: "discovery",
        node: Node::Object(vec![
            ("changeset", text(CHANGESET)),
            (
                "contact",
                text(format!(
                    "Ask {} for help with this service.",
                    site.organisation
                )),
            ),
            (
                "key_service",
                text(format!(
                    "An api_key to post requests is given by {}'s coordinators.",
                    site.organisation
                )),
            ),
            (
                "endpoints",
                Node::List(
                    "endpoint",
                    vec![Node::Object(vec![
                        ("specification", text(SPECIFICATION)),
                        ("url", text(site.url.clone())),
                        ("changeset", text(CHANGESET)),
                        ("type", text("production")),
                        (
                            "formats",
                            Node::List("format", vec![text("text/xml"), text("application/json")]),
                        ),
                    ])],
                ),
            ),
        ]),
    }
}

/// `services.{xml,json}`: one service per category.
pub fn services() -> Answer {
    let words = english();
    Answer {
        root: "services",
        node: Node::List(
            "service",
            CATEGORIES
                .iter()
                .map(|c| {
                    let name = words.of_value("cat", c.slug);
                    Node::Object(vec![
                        ("service_code", text(c.slug)),
                        ("service_name", text(name.clone())),
                        (
                            "description",
                            text(format!(
                                "Complaints, corruption reports and questions about {}",
                                name.to_lowercase()
                            )),
                        ),
                        ("metadata", Node::Bool(true)),
                        ("type", text("realtime")),
                        ("keywords", text(c.subcategories.join(", "))),
                        ("group", text(name)),
                    ])
                })
                .collect(),
        ),
    }
}

/// The window's English, read once.
fn english() -> &'static Words {
    static ENGLISH: std::sync::OnceLock<Words> = std::sync::OnceLock::new();
    ENGLISH
        .get_or_init(|| Words::of("en").unwrap_or_else(|_| unreachable!("English is a language")))
}

/// One attribute of a service definition.
fn attribute(
    order: i64,
    code: &'static str,
    datatype: &'static str,
    required: bool,
    description: &str,
    values: Vec<(String, String)>,
) -> Node {
    Node::Object(vec![
        ("variable", Node::Bool(true)),
        ("code", text(code)),
        ("datatype", text(datatype)),
        ("required", Node::Bool(required)),
        ("datatype_description", text("")),
        ("order", Node::Int(order)),
        ("description", text(description)),
        (
            "values",
            Node::List(
                "value",
                values
                    .into_iter()
                    .map(|(key, name)| Node::Object(vec![("key", text(key)), ("name", text(name))]))
                    .collect(),
            ),
        ),
    ])
}

/// `services/{code}.{xml,json}`: what a request for the service carries (`None`: no such
/// service).
pub fn definition(code: &str) -> Option<Answer> {
    let category = CATEGORIES.iter().find(|c| c.slug == code)?;
    let words = english();
    let kinds = Kind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), words.of_value("kind", k.as_str())))
        .collect();
    let subcategories = category
        .subcategories
        .iter()
        .map(|s| ((*s).to_string(), s.replace('_', " ")))
        .collect();
    let states = citizens_core::geo::states()
        .iter()
        .map(|s| (s.code.to_string(), s.name.to_string()))
        .collect();
    Some(Answer {
        root: "service_definition",
        node: Node::Object(vec![
            ("service_code", text(category.slug)),
            (
                "attributes",
                Node::List(
                    "attribute",
                    vec![
                        attribute(1, "kind", "singlevaluelist", true, "What sort of report this is (a corruption report keeps the reporter's identity sealed)", kinds),
                        attribute(2, "subcategory", "singlevaluelist", false, "What it is about, more closely", subcategories),
                        attribute(3, "state", "singlevaluelist", true, "The state where it happened", states),
                        attribute(4, "lga", "string", true, "The local government area where it happened, spelled officially", Vec::new()),
                    ],
                ),
            ),
        ]),
    })
}

/// A `service_request_id`: the receipt whole, reference and PIN (`KN-7QK-0042-ABCD1234`),
/// so a request's id opens its status the way a receipt does and cannot be guessed.
pub fn request_id(receipt: &Receipt) -> String {
    format!("{}-{}", receipt.reference, receipt.pin)
}

/// A `service_request_id` split into reference and PIN.
pub fn split_request_id(id: &str) -> Option<(&str, &str)> {
    id.trim().rsplit_once('-')
}

/// The form fields of a POST of `requests` as the report they make (the spec's fields:
/// `service_code`, `attribute[kind|state|lga]`, `description`, `first_name`, `last_name`,
/// `phone`). A name or phone is given with consent: the client collected them to send here.
pub fn report_of(fields: &[(String, String)]) -> GrievanceInput {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let name = [get("first_name"), get("last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let name = Some(name).filter(|n| !n.is_empty());
    let phone = get("phone");
    GrievanceInput {
        kind: get("attribute[kind]").unwrap_or_default(),
        category: get("service_code").unwrap_or_default(),
        state: get("attribute[state]").unwrap_or_default(),
        lga: get("attribute[lga]").unwrap_or_default(),
        narrative: get("description").unwrap_or_default(),
        consent_purpose_explained: name.is_some() || phone.is_some(),
        reporter_name: name,
        reporter_phone: phone,
        ..GrievanceInput::default()
    }
}

/// The answer to a POST of `requests`: the new request's id.
pub fn created(receipt: &Receipt) -> Answer {
    Answer {
        root: "service_requests",
        node: Node::List(
            "request",
            vec![Node::Object(vec![
                ("service_request_id", text(request_id(receipt))),
                (
                    "service_notice",
                    text("Keep this id: it is the only way to ask where the report stands."),
                ),
            ])],
        ),
    }
}

fn datetime(day: Day) -> String {
    format!("{day}T00:00:00+01:00")
}

/// Requests as the spec lists them: where each stands, never what it says or who sent it.
pub fn requests(found: &[(String, Tracked)]) -> Answer {
    let words = english();
    Answer {
        root: "service_requests",
        node: Node::List(
            "request",
            found
                .iter()
                .map(|(id, t)| {
                    let mut fields = vec![
                        ("service_request_id", text(id.as_str())),
                        (
                            "status",
                            text(if t.status.is_terminal() {
                                "closed"
                            } else {
                                "open"
                            }),
                        ),
                        (
                            "status_notes",
                            text(words.of_value("status", t.status.as_str())),
                        ),
                        ("service_name", text(words.of_value("cat", &t.category))),
                        ("service_code", text(t.category.as_str())),
                        (
                            "agency_responsible",
                            text(t.agency.clone().unwrap_or_default()),
                        ),
                        ("requested_datetime", text(datetime(t.received))),
                        ("updated_datetime", text(datetime(t.updated))),
                    ];
                    if let Some(due) = t.due {
                        fields.push(("expected_datetime", text(datetime(due))));
                    }
                    Node::Object(fields)
                })
                .collect(),
        ),
    }
}

/// The answer to a POST of `servicerequestupdates`: the update's id as kept.
pub fn update_taken(update_id: &str) -> Answer {
    Answer {
        root: "service_request_updates",
        node: Node::List(
            "request_update",
            vec![Node::Object(vec![("update_id", text(update_id))])],
        ),
    }
}

/// The spec's error body: each error's code (an HTTP status or a more precise one) and its
/// description.
pub fn errors(errors: &[(u16, &str)]) -> Answer {
    Answer {
        root: "errors",
        node: Node::List(
            "error",
            errors
                .iter()
                .map(|(code, description)| {
                    Node::Object(vec![
                        ("code", Node::Int(i64::from(*code))),
                        ("description", text(*description)),
                    ])
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site {
            url: "https://citizens.example.org/open311/v2".into(),
            organisation: "Kano Civic Forum".into(),
        }
    }

    #[test]
    fn a_path_names_its_format() {
        assert_eq!(
            Format::split("services.json"),
            Some(("services", Format::Json))
        );
        assert_eq!(Format::split("power.xml"), Some(("power", Format::Xml)));
        assert_eq!(Format::split("services.html"), None);
        assert_eq!(Format::split("services"), None);
    }

    #[test]
    fn discovery_in_both_formats() {
        let answer = discovery(&site());
        let xml = String::from_utf8(answer.render(Format::Xml)).expect("utf-8");
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<discovery><changeset>")
        );
        assert!(xml.contains(
            "<endpoints><endpoint><specification>http://wiki.open311.org/GeoReport_v2</specification>\
             <url>https://citizens.example.org/open311/v2</url>"
        ));
        assert!(xml.contains(
            "<formats><format>text/xml</format><format>application/json</format></formats>"
        ));
        let json: Value = serde_json::from_slice(&answer.render(Format::Json)).expect("json");
        assert_eq!(json["endpoints"][0]["type"], "production");
        assert_eq!(
            json["endpoints"][0]["formats"],
            serde_json::json!(["text/xml", "application/json"])
        );
    }

    #[test]
    fn services_are_the_categories_as_a_bare_json_array_and_wrapped_xml() {
        let answer = services();
        let json: Value = serde_json::from_slice(&answer.render(Format::Json)).expect("json");
        let list = json.as_array().expect("a bare array");
        assert_eq!(list.len(), CATEGORIES.len());
        assert_eq!(
            list[3],
            serde_json::json!({
                "service_code": "power",
                "service_name": "Electricity",
                "description": "Complaints, corruption reports and questions about electricity",
                "metadata": true,
                "type": "realtime",
                "keywords": CATEGORIES[3].subcategories.join(", "),
                "group": "Electricity",
            })
        );
        let xml = String::from_utf8(answer.render(Format::Xml)).expect("utf-8");
        assert!(xml.contains("<services><service><service_code>passports</service_code>"));
        assert_eq!(xml.matches("<service>").count(), CATEGORIES.len());
        assert!(xml.ends_with("</service></services>"));
    }

    #[test]
    fn a_definition_lists_its_attributes_and_values() {
        assert_eq!(definition("no_such_service"), None);
        let answer = definition("power").expect("power");
        let json: Value = serde_json::from_slice(&answer.render(Format::Json)).expect("json");
        assert_eq!(json["service_code"], "power");
        let attributes = json["attributes"].as_array().expect("attributes");
        let codes: Vec<&str> = attributes
            .iter()
            .map(|a| a["code"].as_str().expect("code"))
            .collect();
        assert_eq!(codes, ["kind", "subcategory", "state", "lga"]);
        assert_eq!(attributes[0]["required"], true);
        assert_eq!(
            attributes[0]["values"][1],
            serde_json::json!({"key": "corruption_report", "name": "Corruption report"})
        );
        assert_eq!(attributes[2]["values"].as_array().map(Vec::len), Some(37));
        assert_eq!(attributes[3]["values"], serde_json::json!([]));
        let xml = String::from_utf8(answer.render(Format::Xml)).expect("utf-8");
        assert!(xml.contains(
            "<attribute><variable>true</variable><code>kind</code><datatype>singlevaluelist</datatype><required>true</required>"
        ));
        assert!(xml.contains("<value><key>KN</key><name>Kano</name></value>"));
        assert!(xml.contains("<code>lga</code><datatype>string</datatype>"));
    }

    #[test]
    fn errors_in_the_specs_shape_with_text_escaped() {
        let answer = errors(&[(404, "no service <power> & more")]);
        assert_eq!(
            String::from_utf8(answer.render(Format::Xml)).expect("utf-8"),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<errors><error><code>404</code>\
             <description>no service &lt;power&gt; &amp; more</description></error></errors>"
        );
        assert_eq!(
            serde_json::from_slice::<Value>(&answer.render(Format::Json)).expect("json"),
            serde_json::json!([{"code": 404, "description": "no service <power> & more"}])
        );
    }
}
