//! Open311 GeoReport v2 (issue 15): the specification's requests and
//! answers in JSON and XML, its error shape, filing with an API key, the
//! client's ticket number and `Idempotency-Key` replays, public categories
//! only, and nothing personal or internal in any answer.

use gridline_tests::{Ctx, TestApp};
use reqwest::{Method, Response};
use serde_json::{json, Value};

gridline_tests::tests![
    discovery_and_services_follow_the_specification_in_both_formats,
    a_request_is_filed_form_encoded_and_followed_in_both_formats,
    a_ticket_number_or_an_idempotency_key_sent_again_files_nothing_twice,
    errors_take_the_specifications_shape_with_the_right_status,
    only_public_categories_are_listed_and_nothing_private_leaves,
];

/// The fields of a request in GET requests, as the specification lists them.
const REQUEST_FIELDS: [&str; 17] = [
    "address",
    "address_id",
    "agency_responsible",
    "description",
    "expected_datetime",
    "lat",
    "long",
    "media_url",
    "requested_datetime",
    "service_code",
    "service_name",
    "service_notice",
    "service_request_id",
    "status",
    "status_notes",
    "updated_datetime",
    "zipcode",
];

const NAME_FIRST: &str = "john";
const NAME_LAST: &str = "smith";
const PHONE: &str = "13911112222";
const EMAIL: &str = "smit222@example.org";

/// The specification's example POST, placed in the demo district's first
/// grid, with Gridline's `external_ref` when given.
fn spec_form(key: &str, external_ref: Option<&str>) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("api_key", key.to_owned()),
        ("service_code", "sanitation".to_owned()),
        ("lat", "39.902".to_owned()),
        ("long", "116.402".to_owned()),
        ("address_string", "1234 5th street".to_owned()),
        ("email", EMAIL.to_owned()),
        ("device_id", "tt222111".to_owned()),
        ("account_id", "123456".to_owned()),
        ("first_name", NAME_FIRST.to_owned()),
        ("last_name", NAME_LAST.to_owned()),
        ("phone", PHONE.to_owned()),
        ("description", format!("A large sinkhole is destroying the street, call me at {PHONE}")),
        ("media_url", "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg".to_owned()),
    ];
    if let Some(r) = external_ref {
        form.push(("external_ref", r.to_owned()));
    }
    form
}

fn encode(form: &[(&str, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form {
        s.append_pair(k, v);
    }
    s.finish()
}

async fn post(app: &TestApp, format: &str, form: &[(&str, String)], idempotency_key: Option<&str>) -> Response {
    let mut req = app
        .request(Method::POST, &format!("/open311/v2/requests.{format}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode(form));
    if let Some(k) = idempotency_key {
        req = req.header("idempotency-key", k);
    }
    req.send().await.unwrap()
}

async fn get(app: &TestApp, path: &str) -> Response {
    app.request(Method::GET, path).send().await.unwrap()
}

/// A JSON answer with its status, checked to be JSON and not a problem.
async fn json_of(res: Response, status: u16) -> Value {
    assert_eq!(res.status(), status, "status");
    let media = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(media.starts_with("application/json"), "{media}");
    res.json().await.unwrap()
}

async fn xml_of(res: Response, status: u16) -> String {
    assert_eq!(res.status(), status, "status");
    let media = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(media.starts_with("text/xml"), "{media}");
    res.text().await.unwrap()
}

/// Each child element of `root`'s children, as (element name, [(field, text)]).
fn xml_items(text: &str, root: &str) -> Vec<(String, Vec<(String, String)>)> {
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(doc.root_element().tag_name().name(), root, "{text}");
    doc.root_element()
        .children()
        .filter(roxmltree::Node::is_element)
        .map(|item| {
            let fields = item
                .children()
                .filter(roxmltree::Node::is_element)
                .map(|f| (f.tag_name().name().to_owned(), f.text().unwrap_or_default().to_owned()))
                .collect();
            (item.tag_name().name().to_owned(), fields)
        })
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(n, _)| n == name).map_or_else(|| panic!("no {name} in {fields:?}"), |(_, v)| v.as_str())
}

fn keys(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

/// One error of Open311's shape, in JSON, with the status as its code.
async fn open311_error(res: Response, status: u16) -> String {
    let body = json_of(res, status).await;
    let errors = body.as_array().unwrap_or_else(|| panic!("a list of errors: {body}"));
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(keys(&errors[0]), ["code", "description"], "{body}");
    assert_eq!(errors[0]["code"], status, "{body}");
    errors[0]["description"].as_str().unwrap().to_owned()
}

fn w3c(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok() && s.ends_with("+08:00")
}

async fn discovery_and_services_follow_the_specification_in_both_formats(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_PUBLIC_URL", "https://gridline.example.gov.cn/")]).await;
    let d = json_of(get(&app, "/open311/v2/discovery.json").await, 200).await;
    assert_eq!(keys(&d), ["changeset", "contact", "endpoints", "key_service"]);
    let e = &d["endpoints"][0];
    assert_eq!(e["url"], "https://gridline.example.gov.cn/open311/v2");
    assert_eq!(e["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(e["formats"], json!(["application/json", "text/xml"]));
    let text = xml_of(get(&app, "/open311/v2/discovery.xml").await, 200).await;
    let doc = roxmltree::Document::parse(&text).unwrap();
    let url = doc.descendants().find(|n| n.has_tag_name("url")).and_then(|n| n.text());
    assert_eq!(url, Some("https://gridline.example.gov.cn/open311/v2"));
    let formats: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("format")).filter_map(|n| n.text()).collect();
    assert_eq!(formats, ["application/json", "text/xml"]);

    let res = get(&app, "/open311/v2/services.json").await;
    assert_eq!(res.headers()["cache-control"], "public, max-age=60", "the same for everyone");
    let services = json_of(res, 200).await;
    let codes: Vec<&str> = services.as_array().unwrap().iter().map(|s| s["service_code"].as_str().unwrap()).collect();
    for public in
        ["environment", "sanitation", "street_vending", "illegal_construction", "traffic", "disorderly_parking"]
    {
        assert!(codes.contains(&public), "{public} is offered: {codes:?}");
    }
    for private in ["neighbour_dispute", "red_errand", "community_affairs"] {
        assert!(!codes.contains(&private), "{private} is not offered");
    }
    let sanitation = services.as_array().unwrap().iter().find(|s| s["service_code"] == "sanitation").unwrap();
    assert_eq!(
        keys(sanitation),
        ["description", "group", "keywords", "metadata", "service_code", "service_name", "type"]
    );
    assert_eq!(sanitation["service_name"], "环境卫生");
    assert_eq!(sanitation["group"], "市容环境");
    assert_eq!(sanitation["metadata"], false);
    assert_eq!(sanitation["type"], "realtime");
    // The XML lists the same services, each with the same elements.
    let text = xml_of(get(&app, "/open311/v2/services.xml").await, 200).await;
    let items = xml_items(&text, "services");
    assert_eq!(items.iter().map(|(_, f)| field(f, "service_code")).collect::<Vec<_>>(), codes);
    let (name, fields) = items.iter().find(|(_, f)| field(f, "service_code") == "sanitation").unwrap();
    assert_eq!(name, "service");
    assert_eq!(field(fields, "group"), "市容环境");
    assert_eq!(field(fields, "metadata"), "false");

    let definition = json_of(get(&app, "/open311/v2/services/sanitation.json").await, 200).await;
    assert_eq!(definition, json!({"service_code": "sanitation", "attributes": []}));
    let text = xml_of(get(&app, "/open311/v2/services/sanitation.xml").await, 200).await;
    assert_eq!(roxmltree::Document::parse(&text).unwrap().root_element().tag_name().name(), "service_definition");
    open311_error(get(&app, "/open311/v2/services/neighbour_dispute.json").await, 404).await;

    // An admin makes a category public, or private again.
    let admin = app.token("admin").await;
    let res =
        app.send_as(&admin, Method::PATCH, "/api/v1/categories/neighbour_dispute", &json!({"public": true})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["public"], true);
    let res = app.send_as(&admin, Method::PATCH, "/api/v1/categories/sanitation", &json!({"public": false})).await;
    assert_eq!(res.status(), 200);
    let services = json_of(get(&app, "/open311/v2/services.json").await, 200).await;
    let codes: Vec<&str> = services.as_array().unwrap().iter().map(|s| s["service_code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"neighbour_dispute") && !codes.contains(&"sanitation"), "{codes:?}");

    // The jurisdiction is the district's code, or nothing.
    json_of(get(&app, "/open311/v2/services.json?jurisdiction_id=DEMO").await, 200).await;
    let d = open311_error(get(&app, "/open311/v2/services.json?jurisdiction_id=elsewhere").await, 404).await;
    assert!(d.contains("jurisdiction_id"), "{d}");
}

async fn a_request_is_filed_form_encoded_and_followed_in_both_formats(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let key = app.dispatcher_key(&admin, "12345 hotline").await;
    let created = json_of(post(&app, "json", &spec_form(&key, Some("HL-2026-0001")), None).await, 201).await;
    let created = &created.as_array().unwrap()[0];
    assert_eq!(keys(created), ["account_id", "service_notice", "service_request_id", "token"]);
    let number = created["service_request_id"].as_str().unwrap().to_owned();
    let token = created["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 12, "a tracking code");

    // Staff see a citizen's case, with what the form brought.
    let dc = app.token("dispatcher_community").await;
    let page = app.json_as(&dc, &format!("/api/v1/cases?q={number}")).await;
    let case = page["items"].as_array().unwrap().iter().find(|c| c["number"] == number.as_str()).unwrap().clone();
    assert_eq!(case["source"], "citizen");
    assert_eq!(case["category_code"], "sanitation");
    assert_eq!(case["tracking_code"], token.as_str());
    assert_eq!(case["external_ref"], "HL-2026-0001");
    assert_eq!(case["media_url"], "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg");
    assert_eq!(case["address"], "1234 5th street");
    assert_eq!(case["resident"], json!({"name": "john smith", "phone": PHONE, "email": EMAIL}));

    // GET requests/{id} in JSON: the specification's fields, nothing personal.
    let list = json_of(get(&app, &format!("/open311/v2/requests/{number}.json")).await, 200).await;
    let r = &list.as_array().unwrap()[0];
    assert_eq!(keys(r), REQUEST_FIELDS);
    assert_eq!(r["service_request_id"], number.as_str());
    assert_eq!(r["status"], "open");
    assert_eq!(r["service_code"], "sanitation");
    assert_eq!(r["service_name"], "环境卫生");
    assert_eq!(r["description"], "A large sinkhole is destroying the street, call me at ***");
    assert_eq!(r["address"], "1234 5th street");
    assert_eq!(r["lat"], 39.902);
    assert_eq!(r["long"], 116.402);
    assert_eq!(r["media_url"], "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg");
    assert!(w3c(r["requested_datetime"].as_str().unwrap()), "{r}");
    assert!(w3c(r["updated_datetime"].as_str().unwrap()), "{r}");
    assert!(w3c(r["expected_datetime"].as_str().unwrap()), "the stage deadline: {r}");
    // The same in XML: a <request> with the same elements and values.
    let text = xml_of(get(&app, &format!("/open311/v2/requests/{number}.xml")).await, 200).await;
    let items = xml_items(&text, "service_requests");
    let (name, fields) = &items[0];
    assert_eq!(name, "request");
    let mut names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, REQUEST_FIELDS);
    for (n, v) in fields {
        let expected = match &r[n] {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        assert_eq!(v, &expected, "{n}");
    }
    for text in [list.to_string(), text] {
        for private in [NAME_FIRST, NAME_LAST, PHONE, EMAIL, "tt222111", "123456"] {
            assert!(!text.contains(private), "{private} leaks: {text}");
        }
    }

    // The token leads back to the request, as typed; the resident follows it.
    let res = get(&app, &format!("/open311/v2/tokens/{token}.json")).await;
    assert_eq!(res.headers()["cache-control"], "private, no-cache", "a resident's key");
    let t = json_of(res, 200).await;
    assert_eq!(t, json!([{"service_request_id": number, "token": token}]));
    let typed = format!("{}-{}", &token[..6], &token[6..]).to_lowercase();
    let text = xml_of(get(&app, &format!("/open311/v2/tokens/{typed}.xml")).await, 200).await;
    assert_eq!(field(&xml_items(&text, "service_requests")[0].1, "service_request_id"), number);
    assert_eq!(get(&app, &format!("/public/v1/cases/{token}")).await.status(), 200);

    // Filed in XML, the answer is XML.
    let text = xml_of(post(&app, "xml", &spec_form(&key, None), None).await, 201).await;
    let items = xml_items(&text, "service_requests");
    let second = field(&items[0].1, "service_request_id").to_owned();
    assert_ne!(second, number);
    assert_eq!(field(&items[0].1, "token").len(), 12);

    // Both are open; once dispatched the lead department is responsible; closed when ended.
    let both =
        json_of(get(&app, &format!("/open311/v2/requests.json?service_request_id={number},{second}")).await, 200).await;
    assert_eq!(both.as_array().unwrap().len(), 2);
    let urban = app.department_id(&admin, "DEMO-URBAN").await;
    let staff = app.token("staff_urban").await;
    let case = app.step(&dc, &case, "accept", json!({})).await;
    let case = if case["status"] == "accepted" {
        app.step(&dc, &case, "dispatch", json!({"lead_department_id": urban})).await
    } else {
        case
    };
    let r = &json_of(get(&app, &format!("/open311/v2/requests/{number}.json")).await, 200).await[0];
    assert_eq!(r["status"], "open");
    assert_eq!(r["status_notes"], "dispatched");
    let lead = case["lead_department_id"].as_str().unwrap();
    let department = app.json_as(&admin, &format!("/api/v1/departments/{lead}")).await;
    assert_eq!(r["agency_responsible"], department["name"]);
    let case = app.step(&staff, &case, "start", json!({})).await;
    let (after, res) = app.put_media(&staff, &gridline_api::media::samples::png(3, 2)).await;
    assert!(res.status().is_success(), "the after photo");
    let case = app.step(&staff, &case, "resolve", json!({"note": "filled", "media": [{"media_id": after}]})).await;
    app.step(&dc, &case, "verify", json!({"passed": true})).await;
    let r = &json_of(get(&app, &format!("/open311/v2/requests/{number}.json")).await, 200).await[0];
    assert_eq!((r["status"].as_str(), r["status_notes"].as_str()), (Some("closed"), Some("closed")));
    let closed = json_of(get(&app, "/open311/v2/requests.json?status=closed").await, 200).await;
    let numbers: Vec<&str> =
        closed.as_array().unwrap().iter().map(|r| r["service_request_id"].as_str().unwrap()).collect();
    assert_eq!(numbers, [number.as_str()]);
    let open = json_of(get(&app, "/open311/v2/requests.json?status=open&service_code=sanitation").await, 200).await;
    let numbers: Vec<&str> =
        open.as_array().unwrap().iter().map(|r| r["service_request_id"].as_str().unwrap()).collect();
    assert_eq!(numbers, [second.as_str()]);
    // A window that ends before they were filed lists neither.
    let old =
        json_of(get(&app, "/open311/v2/requests.json?start_date=2020-01-01&end_date=2020-03-01").await, 200).await;
    assert_eq!(old, json!([]));
}

async fn a_ticket_number_or_an_idempotency_key_sent_again_files_nothing_twice(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let hotline = app.dispatcher_key(&admin, "12345 hotline").await;
    let mini_program = app.dispatcher_key(&admin, "mini-program").await;
    let first = json_of(post(&app, "json", &spec_form(&hotline, Some("T-7")), None).await, 201).await;
    // Sent again, with other words: the same request, not a second one.
    let mut again = spec_form(&hotline, Some("T-7"));
    again.retain(|(k, _)| *k != "description");
    again.push(("description", "重复来电 the same caller again".into()));
    let replay = json_of(post(&app, "json", &again, None).await, 200).await;
    assert_eq!(replay, first);
    // In XML too.
    let text = xml_of(post(&app, "xml", &again, None).await, 200).await;
    assert_eq!(field(&xml_items(&text, "service_requests")[0].1, "service_request_id"), first[0]["service_request_id"]);
    // Another sender's T-7 is its own.
    let other = json_of(post(&app, "json", &spec_form(&mini_program, Some("T-7")), None).await, 201).await;
    assert_ne!(other[0]["service_request_id"], first[0]["service_request_id"]);

    // An Idempotency-Key replays the first answer, and refuses another request.
    let res = post(&app, "json", &spec_form(&hotline, None), Some("call-881")).await;
    let filed = json_of(res, 201).await;
    let res = post(&app, "json", &spec_form(&hotline, None), Some("call-881")).await;
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    assert_eq!(json_of(res, 201).await, filed);
    let mut changed = spec_form(&hotline, None);
    changed.push(("address_string", "另一处 elsewhere".into()));
    open311_error(post(&app, "json", &changed, Some("call-881")).await, 400).await;

    let all = json_of(get(&app, "/open311/v2/requests.json").await, 200).await;
    assert_eq!(all.as_array().unwrap().len(), 3, "three requests filed: {all}");
}

async fn errors_take_the_specifications_shape_with_the_right_status(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_PUBLIC_RATE_PER_MIN", "40")]).await;
    let admin = app.token("admin").await;
    let key = app.dispatcher_key(&admin, "12345 hotline").await;
    let without = |name: &str| {
        let mut form = spec_form(&key, None);
        form.retain(|(k, _)| *k != name);
        form
    };
    let with = |name: &'static str, value: &str| {
        let mut form = without(name);
        form.push((name, value.to_owned()));
        form
    };
    let d = open311_error(post(&app, "json", &without("api_key"), None).await, 400).await;
    assert!(d.contains("api_key"), "{d}");
    let d = open311_error(post(&app, "json", &with("api_key", "glk_not-a-key"), None).await, 403).await;
    assert!(d.contains("api_key"), "{d}");
    let d = open311_error(post(&app, "json", &with("service_code", "no_such"), None).await, 400).await;
    assert!(d.contains("service_code"), "{d}");
    let d = open311_error(post(&app, "json", &with("service_code", "neighbour_dispute"), None).await, 400).await;
    assert!(d.contains("service_code"), "not a public service: {d}");
    let d = open311_error(post(&app, "json", &without("lat"), None).await, 400).await;
    assert!(d.contains("lat"), "{d}");
    let d = open311_error(post(&app, "json", &with("email", "not-an-address"), None).await, 400).await;
    assert!(d.contains("email"), "{d}");
    let d = open311_error(post(&app, "json", &with("lat", "31.2304"), None).await, 400).await;
    assert!(d.contains("lat/long"), "a point outside the district: {d}");
    let d = open311_error(post(&app, "json", &with("jurisdiction_id", "elsewhere"), None).await, 404).await;
    assert!(d.contains("jurisdiction_id"), "{d}");
    let res =
        app.request(Method::POST, "/open311/v2/requests.json").json(&json!({"api_key": key})).send().await.unwrap();
    open311_error(res, 415).await;
    // A key revoked, or of a role that may not report: 403.
    let leader_key = {
        let district = app.unit_id(&admin, "DEMO").await;
        let body = json!({"name": "figures", "role": "leader", "unit_id": district});
        let res = app.send_as(&admin, Method::POST, "/api/v1/api-keys", &body).await;
        res.json::<Value>().await.unwrap()["key"].as_str().unwrap().to_owned()
    };
    open311_error(post(&app, "json", &with("api_key", &leader_key), None).await, 403).await;

    // The XML form of an error.
    let text = xml_of(post(&app, "xml", &with("api_key", "glk_not-a-key"), None).await, 403).await;
    let items = xml_items(&text, "errors");
    assert_eq!(items[0].0, "error");
    assert_eq!(field(&items[0].1, "code"), "403");
    assert!(field(&items[0].1, "description").contains("api_key"));

    for (path, status, word) in [
        ("/open311/v2/requests.json?start_date=2026-01-01&end_date=2026-06-01", 400, "90 days"),
        ("/open311/v2/requests.json?start_date=yesterday", 400, "start_date"),
        ("/open311/v2/requests.json?status=pending", 400, "status"),
        ("/open311/v2/requests.json?service_code=no_such", 400, "service_code"),
        ("/open311/v2/requests/2026-999999.json", 404, "service_request_id"),
        ("/open311/v2/tokens/AAAA.json", 404, "token"),
        ("/open311/v2/services/no_such.json", 404, "service_code"),
    ] {
        let d = open311_error(get(&app, path).await, status).await;
        assert!(d.contains(word), "{path}: {d}");
    }

    // The public limit per address answers in Open311's shape too.
    let mut last = None;
    for _ in 0..60 {
        let res = get(&app, "/open311/v2/services.json").await;
        if res.status() == 429 {
            last = Some(res);
            break;
        }
    }
    let res = last.expect("the limit is reached");
    assert!(res.headers().get("retry-after").is_some());
    open311_error(res, 429).await;
}

async fn only_public_categories_are_listed_and_nothing_private_leaves(ctx: Ctx) {
    let app = ctx.app().await;
    let worker = app.token("worker1").await;
    let dc = app.token("dispatcher_community").await;
    let report = |category: &str| {
        json!({
            "category_code": category,
            "description": "王阿姨说楼下垃圾没人收, 电话 13812345678, mail wang@example.cn",
            "priority": "normal",
            "location": {"lat": 39.902, "lon": 116.402},
            "address": "和平路 5 号",
            "resident": {"name": "王阿姨", "phone": "13812345678"}
        })
    };
    let res = app.send_as(&worker, Method::POST, "/api/v1/cases", &report("sanitation")).await;
    assert_eq!(res.status(), 201);
    let public: Value = res.json().await.unwrap();
    let res = app.send_as(&worker, Method::POST, "/api/v1/cases", &report("neighbour_dispute")).await;
    let private: Value = res.json().await.unwrap();
    app.step(&dc, &public, "comments", json!({"text": "内部：楼长 dispatcher_community 知情", "internal": true})).await;

    let list = json_of(get(&app, "/open311/v2/requests.json").await, 200).await;
    let numbers: Vec<&str> =
        list.as_array().unwrap().iter().map(|r| r["service_request_id"].as_str().unwrap()).collect();
    assert_eq!(numbers, [public["number"].as_str().unwrap()], "the dispute is not listed");
    let p = private["number"].as_str().unwrap();
    open311_error(get(&app, &format!("/open311/v2/requests/{p}.json")).await, 404).await;
    let t = private["tracking_code"].as_str().unwrap();
    open311_error(get(&app, &format!("/open311/v2/tokens/{t}.json")).await, 404).await;
    let by_number = json_of(get(&app, &format!("/open311/v2/requests.json?service_request_id={p}")).await, 200).await;
    assert_eq!(by_number, json!([]));

    // Field by field, in every public operation's answers: nothing of the
    // resident's, no staff, no internal note.
    let r = &list[0];
    assert_eq!(keys(r), REQUEST_FIELDS);
    assert_eq!(r["description"], "***说楼下垃圾没人收, 电话 ***, mail ***");
    let number = public["number"].as_str().unwrap();
    let token = public["tracking_code"].as_str().unwrap();
    let mut answers = Vec::new();
    for path in [
        "/open311/v2/requests.json".to_owned(),
        "/open311/v2/requests.xml".to_owned(),
        format!("/open311/v2/requests/{number}.json"),
        format!("/open311/v2/requests/{number}.xml"),
        format!("/open311/v2/tokens/{token}.json"),
        format!("/open311/v2/tokens/{token}.xml"),
        "/open311/v2/services.json".to_owned(),
        "/open311/v2/services.xml".to_owned(),
        "/open311/v2/discovery.json".to_owned(),
        format!("/public/v1/cases/{token}"),
        "/public/v1/grids/locate?lat=39.902&lon=116.402".to_owned(),
    ] {
        let res = get(&app, &path).await;
        assert_eq!(res.status(), 200, "{path}");
        answers.push((path, res.text().await.unwrap()));
    }
    for (path, text) in answers {
        for private in [
            "王阿姨",
            "13812345678",
            "138****5678",
            "wang@example.cn",
            "worker1",
            "dispatcher_community",
            "内部",
            "楼长",
        ] {
            assert!(!text.contains(private), "{private} leaks through {path}: {text}");
        }
    }
}
