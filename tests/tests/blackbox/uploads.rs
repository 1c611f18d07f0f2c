//! Resumable uploads as a tus client on a weak signal sends them: a photo
//! cut off half-way goes on from where it broke, on any node, and ends as
//! the same stored file a whole upload would make.

use std::time::Duration;

use base64::Engine;
use gridline_api::media::samples;
use gridline_tests::{app::problem, s3::S3Server, Ctx, TestApp};
use reqwest::{Method, Response};
use tokio::io::AsyncWriteExt;

gridline_tests::tests![
    a_photo_cut_off_mid_upload_goes_on_from_where_it_broke,
    an_upload_speaks_tus_and_keeps_to_its_length,
    what_an_upload_is_comes_from_its_bytes_when_it_is_whole,
];
gridline_tests::tests![S3_TESTS: an_upload_begun_on_one_node_is_finished_on_another];

fn sha256(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A photo of a few hundred kilobytes: noise does not compress.
fn big_photo() -> Vec<u8> {
    samples::noisy_png(400, 300)
}

async fn create(app: &TestApp, token: &str, length: usize) -> Response {
    app.request(Method::POST, "/api/v1/uploads")
        .bearer_auth(token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", length.to_string())
        .header("upload-metadata", format!("filename {},content_type {}", b64("现场.jpg"), b64("image/jpeg")))
        .send()
        .await
        .unwrap()
}

async fn begin(app: &TestApp, token: &str, length: usize) -> String {
    let res = create(app, token, length).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["tus-resumable"], "1.0.0");
    res.headers()["location"].to_str().unwrap().to_owned()
}

async fn offset(app: &TestApp, token: &str, location: &str) -> Response {
    app.request(Method::HEAD, location).bearer_auth(token).header("tus-resumable", "1.0.0").send().await.unwrap()
}

async fn patch(app: &TestApp, token: &str, location: &str, from: usize, bytes: &[u8]) -> Response {
    app.request(Method::PATCH, location)
        .bearer_auth(token)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", from.to_string())
        .header("content-type", "application/offset+octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

fn header(res: &Response, name: &str) -> Option<String> {
    res.headers().get(name).map(|v| v.to_str().unwrap().to_owned())
}

/// A `PATCH` whose link breaks after `sent` of the `bytes` it announced.
async fn patch_cut_off(app: &TestApp, token: &str, location: &str, bytes: &[u8], sent: usize) {
    let mut link = tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let head = format!(
        "PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\n\
         Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: {}\r\n\r\n",
        bytes.len()
    );
    link.write_all(head.as_bytes()).await.unwrap();
    link.write_all(&bytes[..sent]).await.unwrap();
    link.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(link);
}

/// How many bytes the server counts once it has dealt with a broken piece.
async fn settled_offset(app: &TestApp, token: &str, location: &str) -> usize {
    for _ in 0..100 {
        let res = offset(app, token, location).await;
        assert_eq!(res.status(), 200);
        let n: usize = header(&res, "upload-offset").unwrap().parse().unwrap();
        if n > 0 {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the bytes that arrived before the cut were not kept");
}

async fn a_photo_cut_off_mid_upload_goes_on_from_where_it_broke(ctx: Ctx) {
    let app = ctx.app().await;
    let (w1, w2) = (app.token("worker1").await, app.token("worker2").await);
    let photo = big_photo();
    assert!(photo.len() > 300_000, "{}", photo.len());
    let location = begin(&app, &w1, photo.len()).await;
    assert!(location.starts_with("/api/v1/uploads/"), "{location}");
    let fresh = offset(&app, &w1, &location).await;
    assert_eq!(
        (header(&fresh, "upload-offset"), header(&fresh, "upload-length")),
        (Some("0".into()), Some(photo.len().to_string()))
    );
    assert_eq!(header(&fresh, "cache-control").as_deref(), Some("no-store"));

    // The signal drops 60% of the way through.
    patch_cut_off(&app, &w1, &location, &photo, photo.len() * 3 / 5).await;
    let kept = settled_offset(&app, &w1, &location).await;
    assert!(kept <= photo.len() * 3 / 5, "{kept}");
    assert!(kept > photo.len() / 4, "most of what was sent before the cut is kept: {kept}");

    // Nobody else learns the upload exists, or adds to it.
    assert_eq!(offset(&app, &w2, &location).await.status(), 404);
    assert_eq!(patch(&app, &w2, &location, kept, &photo[kept..]).await.status(), 404);

    // Going on from the wrong place is refused; the answer says where.
    let wrong = patch(&app, &w1, &location, 0, &photo).await;
    assert_eq!(wrong.status(), 409);
    assert_eq!(header(&wrong, "tus-resumable").as_deref(), Some("1.0.0"));
    let body = problem(wrong, 409).await;
    assert_eq!(body["code"], "offset_mismatch");
    assert_eq!(body["errors"][0]["parameter"], "Upload-Offset");

    // The rest, in two pieces: the last names the stored file.
    let middle = kept + (photo.len() - kept) / 2;
    let res = patch(&app, &w1, &location, kept, &photo[kept..middle]).await;
    assert_eq!(res.status(), 204);
    assert_eq!(header(&res, "upload-offset"), Some(middle.to_string()));
    assert_eq!(header(&res, "gridline-media-id"), None, "not whole yet");
    let res = patch(&app, &w1, &location, middle, &photo[middle..]).await;
    assert_eq!(res.status(), 204);
    let id = sha256(&photo);
    assert_eq!(header(&res, "gridline-media-id"), Some(id.clone()));
    assert_eq!(header(&res, "upload-offset"), Some(photo.len().to_string()));

    // The stored file is the very bytes, held for its sender, stored once.
    let original = app.get_as(&w1, &format!("/api/v1/media/{id}")).await;
    assert_eq!(original.status(), 200);
    assert_eq!(original.headers()["content-type"], "image/png");
    assert!(original.bytes().await.unwrap().as_ref() == photo.as_slice(), "the file joined is the file sent");
    let put = app
        .request(Method::PUT, &format!("/api/v1/media/{id}"))
        .bearer_auth(&w1)
        .body(photo.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200, "already stored");

    // The phone lost the last answer: asking again names the file, once.
    let asked = offset(&app, &w1, &location).await;
    assert_eq!(header(&asked, "gridline-media-id"), Some(id.clone()));
    let again = patch(&app, &w1, &location, photo.len(), &[]).await;
    assert_eq!(again.status(), 204);
    assert_eq!(header(&again, "gridline-media-id"), Some(id));

    // No piece is left behind in the store.
    let upload_id = location.rsplit('/').next().unwrap();
    let parts = ctx.data_dir().join("media/uploads").join(upload_id);
    let left = std::fs::read_dir(&parts).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "the parts were removed from {}", parts.display());
}

async fn an_upload_speaks_tus_and_keeps_to_its_length(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_MEDIA_MAX_BYTES", "100000")]).await;
    let w1 = app.token("worker1").await;

    let discovery = app.request(Method::OPTIONS, "/api/v1/uploads").send().await.unwrap();
    assert_eq!(discovery.status(), 204);
    assert_eq!(header(&discovery, "tus-version").as_deref(), Some("1.0.0"));
    assert_eq!(header(&discovery, "tus-extension").as_deref(), Some("creation"));
    assert_eq!(header(&discovery, "tus-max-size").as_deref(), Some("100000"));

    let old = app
        .request(Method::POST, "/api/v1/uploads")
        .bearer_auth(&w1)
        .header("tus-resumable", "0.2.2")
        .header("upload-length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&old, "tus-version").as_deref(), Some("1.0.0"));
    assert_eq!(problem(old, 412).await["code"], "unsupported_tus_version");

    let too_big = create(&app, &w1, 100_001).await;
    assert_eq!(header(&too_big, "tus-resumable").as_deref(), Some("1.0.0"));
    assert_eq!(problem(too_big, 413).await["code"], "payload_too_large");
    assert_eq!(create(&app, &w1, 100_000).await.status(), 201, "the limit itself is taken");

    let unnamed = app
        .request(Method::POST, "/api/v1/uploads")
        .bearer_auth(&w1)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    let body = problem(unnamed, 400).await;
    assert_eq!(
        (body["code"].as_str(), body["errors"][0]["parameter"].as_str()),
        (Some("invalid_header"), Some("Upload-Length"))
    );
    let garbled = app
        .request(Method::POST, "/api/v1/uploads")
        .bearer_auth(&w1)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", "10")
        .header("upload-metadata", "filename not-base64!")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(garbled, 400).await["errors"][0]["parameter"], "Upload-Metadata");
    let anonymous = app
        .request(Method::POST, "/api/v1/uploads")
        .header("tus-resumable", "1.0.0")
        .header("upload-length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&anonymous, "tus-resumable").as_deref(), Some("1.0.0"));
    problem(anonymous, 401).await;

    // A piece past the declared length is refused whole; nothing of it is counted.
    let png = samples::png(20, 10);
    let location = begin(&app, &w1, png.len()).await;
    let mut longer = png.clone();
    longer.extend_from_slice(b"trailing");
    assert_eq!(problem(patch(&app, &w1, &location, 0, &longer).await, 413).await["code"], "payload_too_large");
    assert_eq!(header(&offset(&app, &w1, &location).await, "upload-offset").as_deref(), Some("0"));
    let plain = app
        .request(Method::PATCH, &location)
        .bearer_auth(&w1)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "0")
        .header("content-type", "application/octet-stream")
        .body(png.clone())
        .send()
        .await
        .unwrap();
    problem(plain, 415).await;
    let res = patch(&app, &w1, &location, 0, &png).await;
    assert_eq!(res.status(), 204);
    assert_eq!(header(&res, "gridline-media-id"), Some(sha256(&png)));

    let unknown = "/api/v1/uploads/7d0b3a5e-1c2f-4e3d-8b9a-0a1b2c3d4e5f";
    assert_eq!(offset(&app, &w1, unknown).await.status(), 404);
    assert_eq!(
        problem(patch(&app, &w1, "/api/v1/uploads/not-an-id", 0, &png).await, 400).await["code"],
        "invalid_path_parameter"
    );
}

async fn what_an_upload_is_comes_from_its_bytes_when_it_is_whole(ctx: Ctx) {
    let app = ctx.app().await;
    let w1 = app.token("worker1").await;
    // Declared a JPEG, named .jpg: HTML all the same.
    let html = b"<html><body>not a photo at all, whatever its name says</body></html>".to_vec();
    let location = begin(&app, &w1, html.len()).await;
    assert_eq!(patch(&app, &w1, &location, 0, &html[..20]).await.status(), 204, "a piece is not judged");
    let refused = patch(&app, &w1, &location, 20, &html[20..]).await;
    assert_eq!(problem(refused, 415).await["code"], "unsupported_media_type");
    assert_eq!(offset(&app, &w1, &location).await.status(), 404, "a refused upload is gone");
    assert_eq!(app.get_as(&w1, &format!("/api/v1/media/{}", sha256(&html))).await.status(), 404);

    let empty = create(&app, &w1, 0).await;
    assert_eq!(problem(empty, 415).await["code"], "unsupported_media_type");
}

async fn an_upload_begun_on_one_node_is_finished_on_another(ctx: Ctx) {
    let s3 = S3Server::start("gridline-uploads").await;
    let settings = s3.settings("district-b");
    let extra: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (a, b) = (ctx.app_with(&extra).await, ctx.app_with(&extra).await);
    let photo = big_photo();
    let token = a.token("worker1").await;

    let location = begin(&a, &token, photo.len()).await;
    let half = photo.len() / 2;
    assert_eq!(patch(&a, &token, &location, 0, &photo[..half]).await.status(), 204);
    let upload_id = location.rsplit('/').next().unwrap();
    let listing = s3.listing().await;
    assert!(
        listing.contains(&format!("<Key>district-b/uploads/{upload_id}/")),
        "the piece is in the bucket: {listing}"
    );
    assert!(!ctx.data_dir().join("media").exists(), "nothing written to a node's disk");

    // The load balancer sends the rest to the other node.
    assert_eq!(header(&offset(&b, &token, &location).await, "upload-offset"), Some(half.to_string()));
    let res = patch(&b, &token, &location, half, &photo[half..]).await;
    assert_eq!(res.status(), 204);
    let id = sha256(&photo);
    assert_eq!(header(&res, "gridline-media-id"), Some(id.clone()));
    let stored = a.get_as(&token, &format!("/api/v1/media/{id}")).await;
    assert!(stored.bytes().await.unwrap().as_ref() == photo.as_slice());
    assert!(!s3.listing().await.contains("/uploads/"), "the pieces were removed");
}
