//! Open311 GeoReport v2 (<http://wiki.open311.org/GeoReport_v2>): the shapes
//! its clients read, named and spelt as the specification has them. XML
//! answers carry the same fields as elements ([`XmlWriter`]).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One of Open311's errors; an answer carries a list of them, with the HTTP status as `code`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"code": 404, "description": "service_code not found"}))]
pub struct Open311Error {
    #[schema(minimum = 400, maximum = 599)]
    pub code: u16,
    pub description: String,
}

/// What this server offers, for a client that finds its endpoints by itself.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Open311Discovery {
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")]
    pub changeset: String,
    pub contact: String,
    pub key_service: String,
    pub endpoints: Vec<Open311Endpoint>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Open311Endpoint {
    pub specification: String,
    /// `GRIDLINE_PUBLIC_URL` + `/open311/v2`.
    pub url: String,
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")]
    pub changeset: String,
    #[serde(rename = "type")]
    #[schema(pattern = "^(production|test)$")]
    pub type_: String,
    pub formats: Vec<String>,
}

/// A kind of request a client may file: a category marked `public`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Open311Service {
    /// The category's code.
    pub service_code: String,
    /// Its Chinese name.
    pub service_name: String,
    /// Its English name.
    pub description: String,
    /// Always `false`: no service has attributes beyond the standard fields.
    pub metadata: bool,
    /// Always `realtime`: a request gets its `service_request_id` at once.
    #[serde(rename = "type")]
    #[schema(pattern = "^realtime$")]
    pub type_: String,
    /// Its Chinese and English names and its 大类's, comma-separated.
    pub keywords: String,
    /// The 大类's Chinese name (the category's own for a 大类).
    pub group: String,
}

/// A service's attributes: none, as `metadata: false` says.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Open311ServiceDefinition {
    pub service_code: String,
    #[schema(value_type = Vec<Object>, max_items = 0)]
    pub attributes: Vec<serde_json::Value>,
}

/// A case as anyone may read it through Open311: no names, phones or e-mails, no internal notes, no staff.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Open311Request {
    /// The case number.
    pub service_request_id: String,
    /// `open` from `reported` to `resolved`; `closed` once `closed`, `rejected` or `cancelled`.
    #[schema(pattern = "^(open|closed)$")]
    pub status: String,
    /// Gridline's own status (`dispatched`, `in_progress`, `rejected`…), which says what `open` or `closed` means.
    pub status_notes: Option<String>,
    /// The category's Chinese name.
    pub service_name: Option<String>,
    pub service_code: String,
    /// The description, with names, phone numbers and e-mail addresses replaced by `***`.
    pub description: Option<String>,
    /// The lead department's name, once dispatched.
    pub agency_responsible: Option<String>,
    pub service_notice: Option<String>,
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")]
    pub requested_datetime: String,
    /// The last change.
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")]
    pub updated_datetime: String,
    /// The running stage's deadline; `null` when no clock runs.
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")]
    pub expected_datetime: Option<String>,
    pub address: Option<String>,
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    /// WGS-84.
    pub lat: f64,
    /// WGS-84.
    pub long: f64,
    /// The photo URL the client sent with the request, as given.
    pub media_url: Option<String>,
}

/// What a client is told of the request it filed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Open311Created {
    /// The case number.
    pub service_request_id: String,
    /// The resident's tracking code: `GET /public/v1/cases/{token}` shows him what happened, and
    /// `tokens/{token}` gives the `service_request_id` back.
    pub token: String,
    pub service_notice: Option<String>,
    pub account_id: Option<String>,
}

/// The request a token stands for.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Open311Token {
    pub service_request_id: String,
    pub token: String,
}

/// `jurisdiction_id` alone.
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Open311Jurisdiction {
    /// Optional; when sent, the district's (`GRIDLINE_OPEN311_JURISDICTION`), else 404.
    #[param(max_length = 64)]
    pub jurisdiction_id: Option<String>,
}

/// The filters of `GET requests`.
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Open311RequestsQuery {
    /// Optional; when sent, the district's (`GRIDLINE_OPEN311_JURISDICTION`), else 404.
    #[param(max_length = 64)]
    pub jurisdiction_id: Option<String>,
    /// Case numbers, comma-separated (at most 1000); the other filters are then ignored.
    #[param(max_length = 20000)]
    pub service_request_id: Option<String>,
    /// Service codes, comma-separated.
    #[param(max_length = 2000)]
    pub service_code: Option<String>,
    /// Reported at or after; W3C date-time or date. With `end_date` at most 90 days apart; without either, the
    /// last 90 days.
    #[param(pattern = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$")]
    pub start_date: Option<String>,
    /// Reported before; W3C date-time or date (a date means its end, in the district's time zone).
    #[param(pattern = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$")]
    pub end_date: Option<String>,
    /// `open` or `closed`, comma-separated.
    #[param(pattern = "^(open|closed)(,(open|closed))*$")]
    pub status: Option<String>,
}

/// A new request, form-encoded (`application/x-www-form-urlencoded`) as the specification says. Fields it does not
/// name are ignored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"api_key": "gl_…", "service_code": "sanitation", "lat": 31.2304, "long": 121.4737,
    "address_string": "幸福路12号", "description": "垃圾桶满溢 bins overflowing", "external_ref": "12345-2026-0001"}))]
pub struct Open311NewRequest {
    /// Optional; when sent, the district's, else 404.
    #[schema(max_length = 64)]
    pub jurisdiction_id: Option<String>,
    /// A Gridline API key whose role may report where the point lies (also accepted in the query string).
    #[schema(max_length = 200)]
    pub api_key: String,
    /// A public category's code.
    #[schema(max_length = 64)]
    pub service_code: String,
    /// Latitude, in `crs`. Required with `long`: this server places a report by its point.
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    /// Longitude, in `crs`.
    #[schema(minimum = -180, maximum = 180)]
    pub long: f64,
    /// Gridline's extension: the system of `lat`/`long` (`wgs84`, `gcj02`, `bd09`); default `wgs84`.
    pub crs: Option<crate::values::Crs>,
    #[schema(max_length = 200)]
    pub address_string: Option<String>,
    /// Required: what the problem is.
    #[schema(min_length = 1, max_length = 4000)]
    pub description: String,
    /// A photo's URL (`http` or `https`), stored as given and never fetched.
    #[schema(max_length = 2000)]
    pub media_url: Option<String>,
    #[schema(max_length = 50)]
    pub first_name: Option<String>,
    #[schema(max_length = 50)]
    pub last_name: Option<String>,
    #[schema(max_length = 32)]
    pub phone: Option<String>,
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// Gridline's extension: the sender's own ticket number, unique per API key. Sent again, it answers the request
    /// first filed under it (200) instead of filing another.
    #[schema(max_length = 100)]
    pub external_ref: Option<String>,
}

/// Writes the XML of Open311's answers: elements named as the JSON's fields,
/// `null` as an empty element, lists as repeated elements.
#[derive(Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    pub fn new() -> Self {
        Self { out: String::from(r#"<?xml version="1.0" encoding="utf-8"?>"#) }
    }

    pub fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    pub fn field(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        match value {
            None | Some("") => {
                self.out.push('<');
                self.out.push_str(name);
                self.out.push_str("/>");
            }
            Some(v) => {
                self.open(name);
                escape(v, &mut self.out);
                self.close(name);
            }
        }
        self
    }

    pub fn finish(self) -> String {
        self.out
    }
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

/// An Open311 answer's XML form.
pub trait ToXml {
    fn xml(&self, w: &mut XmlWriter);
}

impl ToXml for Open311Error {
    fn xml(&self, w: &mut XmlWriter) {
        w.open("error").field("code", Some(&self.code.to_string())).field("description", Some(&self.description));
        w.close("error");
    }
}

impl ToXml for Open311Service {
    fn xml(&self, w: &mut XmlWriter) {
        w.open("service")
            .field("service_code", Some(&self.service_code))
            .field("service_name", Some(&self.service_name))
            .field("description", Some(&self.description))
            .field("metadata", Some(if self.metadata { "true" } else { "false" }))
            .field("type", Some(&self.type_))
            .field("keywords", Some(&self.keywords))
            .field("group", Some(&self.group))
            .close("service");
    }
}

impl ToXml for Open311ServiceDefinition {
    fn xml(&self, w: &mut XmlWriter) {
        w.open("service_definition").field("service_code", Some(&self.service_code)).field("attributes", None);
        w.close("service_definition");
    }
}

impl ToXml for Open311Request {
    fn xml(&self, w: &mut XmlWriter) {
        let lat = self.lat.to_string();
        let long = self.long.to_string();
        w.open("request")
            .field("service_request_id", Some(&self.service_request_id))
            .field("status", Some(&self.status))
            .field("status_notes", self.status_notes.as_deref())
            .field("service_name", self.service_name.as_deref())
            .field("service_code", Some(&self.service_code))
            .field("description", self.description.as_deref())
            .field("agency_responsible", self.agency_responsible.as_deref())
            .field("service_notice", self.service_notice.as_deref())
            .field("requested_datetime", Some(&self.requested_datetime))
            .field("updated_datetime", Some(&self.updated_datetime))
            .field("expected_datetime", self.expected_datetime.as_deref())
            .field("address", self.address.as_deref())
            .field("address_id", self.address_id.as_deref())
            .field("zipcode", self.zipcode.as_deref())
            .field("lat", Some(&lat))
            .field("long", Some(&long))
            .field("media_url", self.media_url.as_deref())
            .close("request");
    }
}

impl ToXml for Open311Created {
    fn xml(&self, w: &mut XmlWriter) {
        w.open("request")
            .field("service_request_id", Some(&self.service_request_id))
            .field("token", Some(&self.token))
            .field("service_notice", self.service_notice.as_deref())
            .field("account_id", self.account_id.as_deref())
            .close("request");
    }
}

impl ToXml for Open311Token {
    fn xml(&self, w: &mut XmlWriter) {
        w.open("request")
            .field("service_request_id", Some(&self.service_request_id))
            .field("token", Some(&self.token))
            .close("request");
    }
}

impl ToXml for Open311Discovery {
    fn xml(&self, w: &mut XmlWriter) {
        w.open("discovery")
            .field("changeset", Some(&self.changeset))
            .field("contact", Some(&self.contact))
            .field("key_service", Some(&self.key_service))
            .open("endpoints");
        for e in &self.endpoints {
            w.open("endpoint")
                .field("specification", Some(&e.specification))
                .field("url", Some(&e.url))
                .field("changeset", Some(&e.changeset))
                .field("type", Some(&e.type_))
                .open("formats");
            for f in &e.formats {
                w.field("format", Some(f));
            }
            w.close("formats").close("endpoint");
        }
        w.close("endpoints").close("discovery");
    }
}

/// A list's XML: `<root>` around each item's element.
pub fn xml_list<T: ToXml>(root: &str, items: &[T]) -> String {
    let mut w = XmlWriter::new();
    w.open(root);
    for item in items {
        item.xml(&mut w);
    }
    w.close(root);
    w.finish()
}

/// One item's XML, without a list around it (discovery, a service definition).
pub fn xml_one<T: ToXml>(item: &T) -> String {
    let mut w = XmlWriter::new();
    item.xml(&mut w);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_nulls_are_empty_elements() {
        let e = Open311Error { code: 400, description: "a < b & \"c\"".into() };
        assert_eq!(
            xml_list("errors", &[e]),
            r#"<?xml version="1.0" encoding="utf-8"?><errors><error><code>400</code><description>a &lt; b &amp; &quot;c&quot;</description></error></errors>"#
        );
        let t = Open311ServiceDefinition { service_code: "x".into(), attributes: Vec::new() };
        assert!(xml_one(&t)
            .ends_with("<service_definition><service_code>x</service_code><attributes/></service_definition>"));
    }
}
