//! Photos as evidence on a case: the "before" photos go with the report, the
//! "after" photos with the resolution, what the verifier saw with the
//! verification; only those who may see the case see its photos, and a
//! photo that looks reused is marked.

use chrono::{Duration, Utc};
use gridline_api::media::samples::{self, exif::Tag};
use gridline_tests::{
    app::{fields_at_fault, problem},
    Ctx, TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    before_and_after_photos_go_with_the_report_the_resolution_and_the_verification,
    only_those_who_see_a_case_see_its_photos,
    a_category_may_require_an_after_photo_to_resolve,
    evidence_is_added_later_by_whoever_may_comment,
    a_photo_taken_long_ago_or_far_away_is_suspicious,
];

fn sha256(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Stores a file as `token`'s upload; answers its id.
async fn upload(app: &TestApp, token: &str, bytes: &[u8]) -> String {
    let id = sha256(bytes);
    let res = app
        .request(Method::PUT, &format!("/api/v1/media/{id}"))
        .bearer_auth(token)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "upload: {}", res.status());
    id
}

/// A photo as a phone takes it, at `taken` (Beijing time) and a point.
fn photo_at(taken: chrono::DateTime<Utc>, lat: f64, lon: f64, seed: u32) -> Vec<u8> {
    let local = taken.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y:%m:%d %H:%M:%S").to_string();
    let dms = |v: f64| {
        let d = v.trunc() as u32;
        let m = ((v - f64::from(d)) * 60.0).trunc() as u32;
        let s = ((v - f64::from(d)) * 3600.0 - f64::from(m) * 60.0) * 100.0;
        samples::dms(d, m, s.round() as u32)
    };
    samples::jpeg(
        64 + seed,
        48,
        &[
            samples::field(Tag::DateTimeOriginal, samples::text(&local)),
            samples::field(Tag::GPSLatitudeRef, samples::text("N")),
            samples::field(Tag::GPSLatitude, dms(lat)),
            samples::field(Tag::GPSLongitudeRef, samples::text("E")),
            samples::field(Tag::GPSLongitude, dms(lon)),
        ],
    )
}

/// A fresh photo taken just now beside the demo case's point.
fn fresh_photo(seed: u32) -> Vec<u8> {
    photo_at(Utc::now() - Duration::minutes(5), 39.902, 116.402, seed)
}

fn report(category: &str, media: Value) -> Value {
    json!({
        "category_code": category,
        "description": "垃圾满溢 overflowing bins",
        "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402},
        "address": "和平路 5 号",
        "media": media,
    })
}

async fn new_case(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = app.send_as(token, Method::POST, "/api/v1/cases", body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 201, "report: {text}");
    serde_json::from_str(&text).unwrap()
}

fn stages(case: &Value) -> Vec<(String, String)> {
    case["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["stage"].as_str().unwrap().to_owned(), a["media_id"].as_str().unwrap().to_owned()))
        .collect()
}

async fn before_and_after_photos_go_with_the_report_the_resolution_and_the_verification(ctx: Ctx) {
    let app = ctx.app().await;
    let (w1, staff, admin) = (app.token("worker1").await, app.token("staff_urban").await, app.token("admin").await);
    let w1_id = app.user_id(&admin, "worker1").await;
    let (before, voice) = (fresh_photo(1), samples::png(30, 20));
    let (before, second) = (upload(&app, &w1, &before).await, upload(&app, &w1, &voice).await);

    // 环境卫生 is accepted and dispatched at once.
    let media = json!([{"media_id": before, "caption": "满溢的垃圾桶"}, {"media_id": second.to_uppercase()}]);
    let case = new_case(&app, &w1, &report("sanitation", media)).await;
    assert_eq!(case["status"], "dispatched");
    let first = &case["attachments"][0];
    assert_eq!(first["media_id"], before.as_str());
    assert_eq!(first["stage"], "report");
    assert_eq!(first["caption"], "满溢的垃圾桶");
    assert_eq!(first["content_type"], "image/jpeg");
    assert_eq!(first["thumbnail"], true);
    assert_eq!(first["suspicious"], false, "taken minutes ago on the spot");
    assert_eq!(first["uploaded_by"]["id"], w1_id.as_str());
    assert_eq!(first["uploaded_by"]["kind"], "user");
    assert_eq!(case["attachments"][1]["media_id"], second.as_str(), "the id is lowercase whatever was sent");
    assert_eq!(case["attachments"][1]["caption"], Value::Null);

    // The handler's "after" photo goes with his resolution.
    let case = app.step(&staff, &case, "start", json!({})).await;
    let after = upload(&app, &staff, &fresh_photo(2)).await;
    let case = app
        .step(&staff, &case, "resolve", json!({"note": "已清运", "media": [{"media_id": after, "caption": "清运后"}]}))
        .await;
    assert_eq!(case["status"], "resolved");
    // What the verifier saw, with his verification.
    let seen = upload(&app, &w1, &fresh_photo(3)).await;
    let case = app.step(&w1, &case, "verify", json!({"passed": true, "media": [{"media_id": seen}]})).await;
    assert_eq!(case["status"], "closed");
    assert_eq!(
        stages(&case),
        [("report", &before), ("report", &second), ("resolution", &after), ("verification", &seen)]
            .map(|(s, id)| (s.to_owned(), id.clone()))
    );

    // One media_attached event per request that attached files, after the step's own.
    let events = app.json_as(&w1, &format!("/api/v1/cases/{}/events", case["id"].as_str().unwrap())).await;
    let attached: Vec<&Value> = events.as_array().unwrap().iter().filter(|e| e["type"] == "media_attached").collect();
    assert_eq!(attached.len(), 3);
    assert_eq!(attached[0]["changes"]["stage"], "report");
    assert_eq!(attached[0]["changes"]["media"], format!("{before},{second}").as_str());
    assert_eq!(attached[1]["changes"]["stage"], "resolution");
    assert_eq!(attached[2]["changes"]["stage"], "verification");
    let types: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    let resolved_at = types.iter().position(|t| *t == "resolved").unwrap();
    assert_eq!(types[resolved_at + 1], "media_attached");

    // The handler reads the reporter's photo: the case is his to see.
    let res = app.get_as(&staff, &format!("/api/v1/media/{before}")).await;
    assert_eq!(res.status(), 200);
}

async fn only_those_who_see_a_case_see_its_photos(ctx: Ctx) {
    let app = ctx.app().await;
    let (w1, w3, dc) =
        (app.token("worker1").await, app.token("worker3").await, app.token("dispatcher_community").await);
    let photo = fresh_photo(4);
    let id = upload(&app, &w1, &photo).await;
    let private = upload(&app, &w1, &fresh_photo(5)).await;

    // Before it is attached, only its sender reads it.
    assert_eq!(app.get_as(&dc, &format!("/api/v1/media/{id}")).await.status(), 404);
    let case = new_case(&app, &w1, &report("neighbour_dispute", json!([{"media_id": id}]))).await;

    // The community's dispatcher sees the case, so its photo, preview and HEAD.
    let res = app.get_as(&dc, &format!("/api/v1/media/{id}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), photo.as_slice());
    assert_eq!(app.get_as(&dc, &format!("/api/v1/media/{id}/thumbnail")).await.status(), 200);
    let head = app.request(Method::HEAD, &format!("/api/v1/media/{id}")).bearer_auth(&dc).send().await.unwrap();
    assert_eq!(head.status(), 200, "he may download it: he need not send it");
    // A worker of another community does not, and learns nothing.
    problem(app.get_as(&w3, &format!("/api/v1/media/{id}")).await, 404).await;
    problem(app.get_as(&w3, &format!("/api/v1/media/{id}/thumbnail")).await, 404).await;
    let head = app.request(Method::HEAD, &format!("/api/v1/media/{id}")).bearer_auth(&w3).send().await.unwrap();
    assert_eq!(head.status(), 404);

    // Nor may he attach it to a case of his own: that would be reading it.
    let res = app.send_as(&w3, Method::POST, "/api/v1/cases", &report_in_w3_grid(&id)).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/media/0/media_id"]);

    // A file of an internal comment is hidden from integrations with the comment.
    let res = app
        .try_step(
            &dc,
            &case,
            "comments",
            json!({"text": "内部: 当事人有前科", "internal": true, "media": [{"media_id": private}]}),
        )
        .await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/media/0/media_id"], "not his to attach: he never saw it");
    let admin = app.token("admin").await;
    let key = app.dispatcher_key(&admin, "12345 热线").await;
    // The hotline files a case (an integration sees the cases it filed); the grid worker adds to it.
    let hotline = new_case(&app, &key, &report("neighbour_dispute", json!([]))).await;
    let res = app.try_step(&w1, &hotline, "comments", json!({"text": "现场照片", "media": [{"media_id": id}]})).await;
    assert_eq!(res.status(), 201);
    let res = app
        .try_step(
            &w1,
            &hotline,
            "comments",
            json!({"text": "内部: 当事人有前科", "internal": true, "media": [{"media_id": private}]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let case_url = format!("/api/v1/cases/{}", hotline["id"].as_str().unwrap());
    let inside = app.json_as(&dc, &case_url).await;
    assert_eq!(stages(&inside).len(), 2, "the platform's own people see both");
    let outside = app.json_as(&key, &case_url).await;
    assert_eq!(stages(&outside), [("comment".to_owned(), id.clone())], "an integration does not see the internal file");
    assert_eq!(app.get_as(&key, &format!("/api/v1/media/{private}")).await.status(), 404);
    assert_eq!(app.get_as(&key, &format!("/api/v1/media/{id}")).await.status(), 200);
    assert_eq!(app.get_as(&dc, &format!("/api/v1/media/{private}")).await.status(), 200);
}

fn report_in_w3_grid(media_id: &str) -> Value {
    let mut body = report("neighbour_dispute", json!([{"media_id": media_id}]));
    body["location"] = json!({"lat": 39.902, "lon": 116.412});
    body
}

async fn a_category_may_require_an_after_photo_to_resolve(ctx: Ctx) {
    let app = ctx.app().await;
    let (w1, staff, admin) = (app.token("worker1").await, app.token("staff_urban").await, app.token("admin").await);
    let categories = app.json_as(&admin, "/api/v1/categories").await;
    let mut required: Vec<&str> = categories
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["requires_resolution_photo"] == true)
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    required.sort_unstable();
    assert_eq!(required, ["damaged_facility", "illegal_construction", "sanitation", "street_vending"]);

    let case = new_case(&app, &w1, &report("sanitation", json!([]))).await;
    let case = app.step(&staff, &case, "start", json!({})).await;
    let res = app.try_step(&staff, &case, "resolve", json!({"note": "已清运"})).await;
    let body = problem(res, 422).await;
    assert_eq!(fields_at_fault(&body), ["/media"]);
    // worker1's photo is nobody else's to attach, and a made-up id is nobody's.
    let theirs = upload(&app, &w1, &fresh_photo(6)).await;
    let res = app
        .try_step(
            &staff,
            &case,
            "resolve",
            json!({"note": "已清运", "media": [{"media_id": theirs}, {"media_id": "ab".repeat(32)}]}),
        )
        .await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/media/0/media_id", "/media/1/media_id"]);
    let after = upload(&app, &staff, &fresh_photo(7)).await;
    let res = app
        .try_step(
            &staff,
            &case,
            "resolve",
            json!({"note": "已清运", "media": [{"media_id": after}, {"media_id": after}]}),
        )
        .await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/media/1/media_id"], "the same file twice");
    let ten: Vec<Value> = (0..10).map(|_| json!({"media_id": after})).collect();
    let res = app.try_step(&staff, &case, "resolve", json!({"note": "已清运", "media": ten})).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/media"], "at most nine");
    let unchanged = app.json_as(&staff, &format!("/api/v1/cases/{}", case["id"].as_str().unwrap())).await;
    assert_eq!(unchanged["status"], "in_progress", "nothing was written by a refused resolution");
    let case = app.step(&staff, &case, "resolve", json!({"note": "已清运", "media": [{"media_id": after}]})).await;
    assert_eq!(case["status"], "resolved");

    // An admin turns the requirement off for a category; a 邻里纠纷 never needed one.
    let res = app
        .send_as(&admin, Method::PATCH, "/api/v1/categories/sanitation", &json!({"requires_resolution_photo": false}))
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["requires_resolution_photo"], false);
    let case = new_case(&app, &w1, &report("sanitation", json!([]))).await;
    let case = app.step(&staff, &case, "start", json!({})).await;
    assert_eq!(app.step(&staff, &case, "resolve", json!({"note": "已清运"})).await["status"], "resolved");
}

async fn evidence_is_added_later_by_whoever_may_comment(ctx: Ctx) {
    let app = ctx.app().await;
    let (w1, w3, staff, dc) = (
        app.token("worker1").await,
        app.token("worker3").await,
        app.token("staff_urban").await,
        app.token("dispatcher_community").await,
    );
    let case = new_case(&app, &w1, &report("sanitation", json!([]))).await;
    let more = upload(&app, &w1, &fresh_photo(8)).await;
    let res = app
        .try_step(&w1, &case, "media", json!({"media": [{"media_id": more, "caption": "另一角度"}], "stage": "report"}))
        .await;
    assert_eq!(res.status(), 201);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let case = res.json::<Value>().await.unwrap();
    assert_eq!(stages(&case), [("report".to_owned(), more.clone())]);
    assert!(etag.contains(&case["version"].to_string()), "the case's version moved: {etag}");

    // Only the reporter adds report photos; the handler adds his own as comments.
    let progress = upload(&app, &staff, &fresh_photo(9)).await;
    let res = app.try_step(&staff, &case, "media", json!({"media": [{"media_id": progress}], "stage": "report"})).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/stage"]);
    let case = app.step(&staff, &case, "media", json!({"media": [{"media_id": progress}]})).await;
    assert_eq!(case["attachments"][1]["stage"], "comment");
    let res = app.try_step(&staff, &case, "media", json!({"media": []})).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/media"]);

    // Not by someone who cannot see the case, nor once it is final.
    problem(app.try_step(&w3, &case, "media", json!({"media": [{"media_id": more}]})).await, 404).await;
    let case = app.step(&staff, &case, "start", json!({})).await;
    let after = upload(&app, &staff, &fresh_photo(10)).await;
    let case = app.step(&staff, &case, "resolve", json!({"note": "好了", "media": [{"media_id": after}]})).await;
    let case = app.step(&w1, &case, "verify", json!({"passed": true})).await;
    let res = app.try_step(&dc, &case, "media", json!({"media": [{"media_id": more}]})).await;
    assert_eq!(problem(res, 409).await["code"], "invalid_state");
}

async fn a_photo_taken_long_ago_or_far_away_is_suspicious(ctx: Ctx) {
    let app = ctx.app().await;
    let w1 = app.token("worker1").await;
    let old = upload(&app, &w1, &photo_at(Utc::now() - Duration::days(3), 39.902, 116.402, 11)).await;
    // 39.92 is two kilometres north of the case.
    let far = upload(&app, &w1, &photo_at(Utc::now() - Duration::minutes(3), 39.92, 116.402, 12)).await;
    let near = upload(&app, &w1, &fresh_photo(13)).await;
    let plain = upload(&app, &w1, &samples::png(12, 12)).await;
    let media = json!([{"media_id": old}, {"media_id": far}, {"media_id": near}, {"media_id": plain}]);
    let case = new_case(&app, &w1, &report("neighbour_dispute", media)).await;
    let flags: Vec<bool> =
        case["attachments"].as_array().unwrap().iter().map(|a| a["suspicious"].as_bool().unwrap()).collect();
    assert_eq!(flags, [true, true, false, false], "a photo that says nothing of itself proves nothing");
}
