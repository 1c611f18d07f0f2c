//! Evidence files as a phone sends them: named by their SHA-256, stored
//! once, asked about before sending again, read back whole or in ranges,
//! and never shown to anyone but who sent them.

use gridline_api::media::samples::{self, exif::Tag};
use std::{sync::Arc, time::Duration};

use chrono::Utc;
use gridline_domain::time::ManualClock;
use gridline_tests::{app::problem, forms::multipart, s3::S3Server, Ctx, TestApp};
use reqwest::{Method, Response};
use serde_json::Value;

gridline_tests::tests![
    a_photo_is_stored_once_and_says_when_and_where_it_was_taken,
    a_phone_asks_before_sending_and_learns_nothing_of_others_files,
    what_a_file_is_comes_from_its_bytes,
    files_over_the_limit_and_image_bombs_are_refused,
    a_download_is_the_file_whole_or_in_a_range,
    a_form_upload_is_the_same_file_whatever_it_is_called,
    files_never_attached_and_abandoned_uploads_are_removed_after_a_day,
];
gridline_tests::tests![
    S3_TESTS: a_second_node_serves_the_same_files_from_the_bucket,
    files_never_attached_are_removed_from_the_bucket_too,
];

fn sha256(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

async fn put(app: &TestApp, token: &str, id: &str, bytes: &[u8]) -> Response {
    app.request(Method::PUT, &format!("/api/v1/media/{id}"))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .expect("PUT reaches the server")
}

async fn upload(app: &TestApp, token: &str, bytes: &[u8]) -> Response {
    put(app, token, &sha256(bytes), bytes).await
}

async fn head(app: &TestApp, token: &str, id: &str) -> Response {
    app.request(Method::HEAD, &format!("/api/v1/media/{id}")).bearer_auth(token).send().await.unwrap()
}

/// A photo as a phone takes it: 1600×1200, at a known time and place.
fn street_photo() -> Vec<u8> {
    samples::jpeg(
        1600,
        1200,
        &[
            samples::field(Tag::DateTimeOriginal, samples::text("2026:11:28 09:30:00")),
            samples::field(Tag::GPSLatitudeRef, samples::text("N")),
            samples::field(Tag::GPSLatitude, samples::dms(39, 54, 720)),
            samples::field(Tag::GPSLongitudeRef, samples::text("E")),
            samples::field(Tag::GPSLongitude, samples::dms(116, 24, 1440)),
        ],
    )
}

async fn a_photo_is_stored_once_and_says_when_and_where_it_was_taken(ctx: Ctx) {
    let app = ctx.app().await;
    let (w1, w2) = (app.token("worker1").await, app.token("worker2").await);
    let photo = street_photo();
    let id = sha256(&photo);

    let res = upload(&app, &w1, &photo).await;
    assert_eq!(res.status(), 201);
    let stored: Value = res.json().await.unwrap();
    assert_eq!(stored["media_id"], id.as_str());
    assert_eq!(stored["content_type"], "image/jpeg");
    assert_eq!(stored["bytes"], photo.len());
    assert_eq!((stored["width"].as_u64(), stored["height"].as_u64()), (Some(1600), Some(1200)));
    assert_eq!(stored["taken_at"], "2026-11-28T01:30:00Z", "the phone's local time is Beijing time");
    let (lat, lon) = (stored["gps"]["lat"].as_f64().unwrap(), stored["gps"]["lon"].as_f64().unwrap());
    assert!((lat - 39.902).abs() < 1e-6 && (lon - 116.404).abs() < 1e-6, "{lat} {lon}");
    assert_eq!(stored["thumbnail"], true);
    assert_eq!(stored["duration_s"], Value::Null);

    // The same bytes again, from the same phone or another: stored once.
    let again = upload(&app, &w1, &photo).await;
    assert_eq!(again.status(), 200, "nothing is stored twice");
    assert_eq!(again.json::<Value>().await.unwrap(), stored);
    assert_eq!(head(&app, &w2, &id).await.status(), 404, "worker2 never sent it");
    let theirs = upload(&app, &w2, &photo).await;
    assert_eq!(theirs.status(), 200);
    assert_eq!(head(&app, &w2, &id).await.status(), 200, "now he has");

    let original = app.get_as(&w1, &format!("/api/v1/media/{id}")).await;
    assert_eq!(original.status(), 200);
    assert_eq!(original.headers()["content-type"], "image/jpeg");
    assert_eq!(original.headers()["etag"], format!("\"{id}\"").as_str());
    assert_eq!(original.headers()["cache-control"], "private");
    assert_eq!(original.bytes().await.unwrap().as_ref(), photo.as_slice(), "the very bytes sent");

    let preview = app.get_as(&w1, &format!("/api/v1/media/{id}/thumbnail")).await;
    assert_eq!(preview.status(), 200);
    assert_eq!(preview.headers()["content-type"], "image/jpeg");
    let preview = preview.bytes().await.unwrap();
    let decoded = image::load_from_memory(&preview).expect("the preview is an image");
    assert_eq!((decoded.width(), decoded.height()), (320, 240));
    assert!(preview.len() < photo.len() / 4, "{} against {}", preview.len(), photo.len());
    assert!(!preview.windows(6).any(|w| w == b"Exif\0\0"), "the preview carries no EXIF");
}

async fn a_phone_asks_before_sending_and_learns_nothing_of_others_files(ctx: Ctx) {
    let app = ctx.app().await;
    let (w1, w3) = (app.token("worker1").await, app.token("worker3").await);
    let photo = samples::png(64, 48);
    let id = sha256(&photo);

    assert_eq!(head(&app, &w1, &id).await.status(), 404, "not held yet: send it");
    assert_eq!(upload(&app, &w1, &photo).await.status(), 201);
    let held = head(&app, &w1, &id).await;
    assert_eq!(held.status(), 200, "held: the phone need not send it again");
    assert_eq!(held.headers()["content-length"], photo.len().to_string().as_str());
    assert_eq!(held.headers()["content-type"], "image/png");
    assert_eq!(head(&app, &w1, &id.to_uppercase()).await.status(), 200, "either case names it");

    // A worker of another community: no sign the file exists.
    assert_eq!(head(&app, &w3, &id).await.status(), 404);
    problem(app.get_as(&w3, &format!("/api/v1/media/{id}")).await, 404).await;
    problem(app.get_as(&w3, &format!("/api/v1/media/{id}/thumbnail")).await, 404).await;
    problem(app.get(&format!("/api/v1/media/{id}")).await, 401).await;

    let body = problem(app.get_as(&w1, "/api/v1/media/not-a-digest").await, 400).await;
    assert_eq!(body["errors"][0]["parameter"], "media_id");
}

async fn what_a_file_is_comes_from_its_bytes(ctx: Ctx) {
    let app = ctx.app().await;
    let w1 = app.token("worker1").await;

    // Whatever name a phone gave it, a PNG is a PNG.
    let png = samples::png(20, 10);
    let stored: Value = upload(&app, &w1, &png).await.json().await.unwrap();
    assert_eq!(stored["content_type"], "image/png");
    assert_eq!(stored["thumbnail"], true);

    let html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>".to_vec();
    let body = problem(upload(&app, &w1, &html).await, 415).await;
    assert_eq!(body["code"], "unsupported_media_type");
    assert_eq!(head(&app, &w1, &sha256(&html)).await.status(), 404, "nothing stored");

    // Bytes that are not what the path names.
    let other = samples::png(21, 10);
    let body = problem(put(&app, &w1, &sha256(&png), &other).await, 422).await;
    assert_eq!(body["code"], "digest_mismatch");
    assert_eq!(body["errors"][0]["parameter"], "media_id");

    // A HEIC is stored but not decoded: no preview.
    let heic = heic_without_pixels();
    let stored: Value = upload(&app, &w1, &heic).await.json().await.unwrap();
    assert_eq!(stored["content_type"], "image/heic");
    assert_eq!(stored["thumbnail"], false);
    let id = stored["media_id"].as_str().unwrap();
    let body = problem(app.get_as(&w1, &format!("/api/v1/media/{id}/thumbnail")).await, 404).await;
    assert_eq!(body["code"], "no_thumbnail");
}

/// The start of an iPhone's HEIC: its `ftyp` box and an empty `meta`.
fn heic_without_pixels() -> Vec<u8> {
    let mut out = 24u32.to_be_bytes().to_vec();
    out.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    out.extend_from_slice(&12u32.to_be_bytes());
    out.extend_from_slice(b"meta\0\0\0\0");
    out
}

async fn files_over_the_limit_and_image_bombs_are_refused(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_MEDIA_MAX_BYTES", "4096"), ("GRIDLINE_MAX_BODY_BYTES", "100")]).await;
    let w1 = app.token("worker1").await;

    let small = samples::png(16, 16);
    assert!(small.len() > 100 && small.len() < 4096, "{}: over the JSON limit, within the media limit", small.len());
    assert_eq!(upload(&app, &w1, &small).await.status(), 201, "media are exempt from the JSON body limit");

    let large = samples::jpeg(200, 200, &[]);
    assert!(large.len() > 4096);
    let body = problem(upload(&app, &w1, &large).await, 413).await;
    assert_eq!(body["code"], "payload_too_large");

    // A few hundred bytes claiming a 100-megapixel canvas.
    let bomb = samples::png_header(10_000, 10_000);
    let body = problem(upload(&app, &w1, &bomb).await, 422).await;
    assert_eq!(body["code"], "too_many_pixels");
    assert_eq!(head(&app, &w1, &sha256(&bomb)).await.status(), 404, "nothing stored");
}

async fn a_download_is_the_file_whole_or_in_a_range(ctx: Ctx) {
    let app = ctx.app().await;
    let w1 = app.token("worker1").await;
    let photo = street_photo();
    let id = sha256(&photo);
    assert_eq!(upload(&app, &w1, &photo).await.status(), 201);
    let path = format!("/api/v1/media/{id}");
    let ranged = |range: &str| app.as_bearer(Method::GET, &path, &w1).header("range", range.to_owned()).send();

    let res = ranged("bytes=0-9").await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.headers()["content-range"], format!("bytes 0-9/{}", photo.len()).as_str());
    assert_eq!(res.bytes().await.unwrap().as_ref(), &photo[..10]);

    // A phone resuming a download it lost halfway.
    let half = photo.len() / 2;
    let res = ranged(&format!("bytes={half}-")).await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap().as_ref(), &photo[half..]);

    let res = ranged("bytes=-16").await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap().as_ref(), &photo[photo.len() - 16..]);

    let res = ranged(&format!("bytes={}-", photo.len())).await.unwrap();
    assert_eq!(res.headers()["content-range"], format!("bytes */{}", photo.len()).as_str());
    let body = problem(res, 416).await;
    assert_eq!(body["code"], "range_not_satisfiable");

    let res = app
        .as_bearer(Method::GET, &path, &w1)
        .header("range", reqwest::header::HeaderValue::from_bytes(b"bytes=\xc2\x84").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res, 400).await["errors"][0]["parameter"], "Range", "a control character is no range");

    let res = ranged("bytes=0-1,5-9").await.unwrap();
    assert_eq!(res.status(), 200, "several ranges: the whole file");
    assert_eq!(res.bytes().await.unwrap().len(), photo.len());

    let res = app.as_bearer(Method::GET, &path, &w1).header("if-none-match", format!("\"{id}\"")).send().await.unwrap();
    assert_eq!(res.status(), 304, "a phone holding it already downloads nothing");
}

async fn a_second_node_serves_the_same_files_from_the_bucket(ctx: Ctx) {
    let s3 = S3Server::start("gridline-evidence").await;
    let settings = s3.settings("district-a");
    let extra: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (a, b) = (ctx.app_with(&extra).await, ctx.app_with(&extra).await);
    let photo = street_photo();
    let id = sha256(&photo);

    let sender = a.token("worker1").await;
    assert_eq!(upload(&a, &sender, &photo).await.status(), 201);
    // The bytes are in the bucket under the installation's prefix, not on a node's disk.
    let listing = s3.listing().await;
    let original = format!("<Key>district-a/originals/{}/{id}</Key>", &id[..2]);
    let preview = format!("<Key>district-a/thumbnails/{}/{id}.jpg</Key>", &id[..2]);
    assert!(listing.contains(&original) && listing.contains(&preview), "{listing}");
    assert!(listing.contains(&format!("<Size>{}</Size>", photo.len())), "{listing}");
    assert!(!ctx.data_dir().join("media").exists(), "nothing written to the data directory");

    // Another node serves the same file, its preview and its ranges.
    let same_user = b.token("worker1").await;
    let res = b.get_as(&same_user, &format!("/api/v1/media/{id}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), photo.as_slice());
    let res = b.get_as(&same_user, &format!("/api/v1/media/{id}/thumbnail")).await;
    assert_eq!(res.status(), 200);
    let res = b
        .as_bearer(Method::GET, &format!("/api/v1/media/{id}"), &same_user)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap().as_ref(), &photo[100..200]);
    assert_eq!(upload(&b, &same_user, &photo).await.status(), 200, "held already, whichever node is asked");
}

async fn post_form(app: &TestApp, token: &str, parts: &[(&str, &str, &[u8])]) -> Response {
    let (content_type, body) = multipart(parts);
    app.request(Method::POST, "/api/v1/media")
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn a_form_upload_is_the_same_file_whatever_it_is_called(ctx: Ctx) {
    let app = ctx.app().await;
    let w1 = app.token("worker1").await;
    let png = samples::png(30, 20);

    // A PNG named .jpg and declared image/jpeg is a PNG.
    let res = post_form(&app, &w1, &[("file", "IMG_0001.jpg", &png)]).await;
    assert_eq!(res.status(), 201);
    let stored: Value = res.json().await.unwrap();
    assert_eq!(stored["content_type"], "image/png");
    assert_eq!(stored["media_id"], sha256(&png).as_str(), "named by its SHA-256, computed by the server");
    assert_eq!(upload(&app, &w1, &png).await.status(), 200, "the same file, whichever way it came");
    assert_eq!(post_form(&app, &w1, &[("file", "again.png", &png)]).await.status(), 200);

    let html = b"<html><body>not a photo</body></html>".as_slice();
    let body = problem(post_form(&app, &w1, &[("file", "photo.jpg", html)]).await, 415).await;
    assert_eq!(body["code"], "unsupported_media_type");

    let body = problem(post_form(&app, &w1, &[("picture", "a.png", &png)]).await, 422).await;
    assert_eq!(body["errors"][0]["pointer"], "/file");
    let two = [("file", "a.png", png.as_slice()), ("file", "b.png", png.as_slice())];
    let body = problem(post_form(&app, &w1, &two).await, 422).await;
    assert_eq!(body["errors"][0]["pointer"], "/file");

    let res = app.send_as(&w1, Method::POST, "/api/v1/media", &serde_json::json!({"file": "x"})).await;
    assert_eq!(problem(res, 415).await["code"], "unsupported_media_type");
}

/// Waits for the sweeper to have removed `id` (its sender no longer finds it).
async fn removed(app: &TestApp, token: &str, id: &str) -> bool {
    for _ in 0..100 {
        if head(app, token, id).await.status() == 404 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// A case of worker1's carrying `media_id`.
async fn report_with(app: &TestApp, token: &str, media_id: &str) -> Value {
    let body = serde_json::json!({
        "category_code": "neighbour_dispute",
        "description": "楼道堆物",
        "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402},
        "address": "和平路 5 号",
        "media": [{"media_id": media_id}],
    });
    let res = app.send_as(token, Method::POST, "/api/v1/cases", &body).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return found };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path.display().to_string());
        }
    }
    found
}

async fn files_never_attached_and_abandoned_uploads_are_removed_after_a_day(ctx: Ctx) {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = ctx.app_with_clock(&[("GRIDLINE_SWEEP_INTERVAL_MS", "50")], clock.clone()).await;
    let w1 = app.token("worker1").await;
    let (kept, orphan) = (samples::png(21, 13), samples::png(22, 13));
    let (kept_id, orphan_id) = (sha256(&kept), sha256(&orphan));
    assert_eq!(upload(&app, &w1, &kept).await.status(), 201);
    assert_eq!(upload(&app, &w1, &orphan).await.status(), 201);
    report_with(&app, &w1, &kept_id).await;
    // An upload begun and abandoned half-way.
    let res = app
        .request(Method::POST, "/api/v1/uploads")
        .bearer_auth(&w1)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", orphan.len().to_string())
        .send()
        .await
        .unwrap();
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let res = app
        .request(Method::PATCH, &location)
        .bearer_auth(&w1)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "0")
        .header("content-type", "application/offset+octet-stream")
        .body(orphan[..10].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    // Twenty-three hours on, nothing is removed.
    clock.advance(chrono::Duration::hours(23));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(head(&app, &w1, &orphan_id).await.status(), 200);

    clock.advance(chrono::Duration::hours(2));
    assert!(removed(&app, &w1, &orphan_id).await, "the file never attached was removed");
    let media_dir = ctx.data_dir().join("media");
    // The row goes first; the bytes a moment later.
    let mut left = files_under(&media_dir);
    for _ in 0..100 {
        if !left.iter().any(|f| f.contains(&orphan_id) || f.contains("/uploads/")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        left = files_under(&media_dir);
    }
    assert!(!left.iter().any(|f| f.contains(&orphan_id)), "its bytes and preview are gone: {left:?}");
    assert!(!left.iter().any(|f| f.contains("/uploads/")), "the abandoned upload's piece is gone: {left:?}");
    let abandoned =
        app.request(Method::HEAD, &location).bearer_auth(&w1).header("tus-resumable", "1.0.0").send().await.unwrap();
    assert_eq!(abandoned.status(), 404);
    // The attached file stays, bytes and all.
    let res = app.get_as(&w1, &format!("/api/v1/media/{kept_id}")).await;
    assert_eq!(res.bytes().await.unwrap().as_ref(), kept.as_slice());
    assert!(left.iter().any(|f| f.contains(&kept_id)));

    // Sent again, it is a new file, stored anew and whole.
    assert_eq!(upload(&app, &w1, &orphan).await.status(), 201);
    let res = app.get_as(&w1, &format!("/api/v1/media/{orphan_id}")).await;
    assert_eq!(res.bytes().await.unwrap().as_ref(), orphan.as_slice());
}

async fn files_never_attached_are_removed_from_the_bucket_too(ctx: Ctx) {
    let s3 = S3Server::start("gridline-janitor").await;
    let settings = s3.settings("district-c");
    let mut extra: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    extra.push(("GRIDLINE_SWEEP_INTERVAL_MS", "50"));
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = ctx.app_with_clock(&extra, clock.clone()).await;
    let w1 = app.token("worker1").await;
    let (kept, orphan) = (street_photo(), samples::png(23, 13));
    let (kept_id, orphan_id) = (sha256(&kept), sha256(&orphan));
    assert_eq!(upload(&app, &w1, &kept).await.status(), 201);
    assert_eq!(upload(&app, &w1, &orphan).await.status(), 201);
    report_with(&app, &w1, &kept_id).await;
    clock.advance(chrono::Duration::hours(25));
    assert!(removed(&app, &w1, &orphan_id).await);
    // The row goes first; the bytes a moment later.
    let mut listing = s3.listing().await;
    for _ in 0..100 {
        if !listing.contains(&orphan_id) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        listing = s3.listing().await;
    }
    assert!(!listing.contains(&orphan_id), "{listing}");
    assert!(listing.contains(&format!("district-c/originals/{}/{kept_id}", &kept_id[..2])), "{listing}");
    assert!(listing.contains(&format!("district-c/thumbnails/{}/{kept_id}.jpg", &kept_id[..2])), "{listing}");
}
