//! `gridline admin backup` while the server writes, `gridline admin restore`
//! into an empty data directory: the restored installation holds exactly
//! what the original held at one instant.

use std::{
    collections::BTreeSet,
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use gridline_tests::{app::test_env, Ctx, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![a_backup_taken_while_writing_restores_every_case_event_user_and_file];

fn report_body(note: &str, media: Option<&str>) -> Value {
    let mut body = json!({
        "category_code": "neighbour_dispute",
        "description": format!("楼道堆物 {note}"),
        "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402},
        "address": "和平路 5 号",
    });
    if let Some(id) = media {
        body["media"] = json!([{"media_id": id}]);
    }
    body
}

/// Runs `gridline admin <args>` against a data directory and database.
async fn admin(data_dir: &Path, database_url: &str, args: &[&str]) -> String {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gridline-under-test"));
    command.arg("admin").args(args).env_clear().envs(test_env(database_url, data_dir, &[]));
    let out = tokio::task::spawn_blocking(move || command.output().expect("run gridline admin")).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "gridline admin {args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// Every case the caller sees, by id.
async fn all_cases(app: &TestApp, token: &str) -> Vec<Value> {
    let mut cases = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/cases?limit=200&cursor={c}"),
            None => "/api/v1/cases?limit=200".to_owned(),
        };
        let page = app.json_as(token, &path).await;
        cases.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    cases
}

async fn a_backup_taken_while_writing_restores_every_case_event_user_and_file(ctx: Ctx) {
    let original = ctx.app().await;
    let admin_token = original.token("admin").await;
    let worker = original.token("worker1").await;
    let photo = gridline_api::media::samples::jpeg(800, 600, &[]);
    let (photo_id, res) = original.put_media(&worker, &photo).await;
    assert_eq!(res.status(), 201);
    let res =
        original.send_as(&worker, Method::POST, "/api/v1/cases", &report_body("with a photo", Some(&photo_id))).await;
    assert_eq!(res.status(), 201);
    let mut before = BTreeSet::new();
    before.insert(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    for n in 0..10 {
        let res = original.send_as(&worker, Method::POST, "/api/v1/cases", &report_body(&format!("#{n}"), None)).await;
        before.insert(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }

    // A phone goes on reporting while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (client, url, worker, stop) =
            (original.client.clone(), original.url("/api/v1/cases"), worker.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let res = client.post(&url).bearer_auth(&worker).json(&report_body(&format!("during #{n}"), None));
                assert_eq!(res.send().await.unwrap().status(), 201);
            }
            n
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let archive = ctx.data_dir().parent().unwrap().join(format!("backup-{}.tar", uuid::Uuid::new_v4().simple()));
    let said = admin(ctx.data_dir(), ctx.database_url(), &["backup", archive.to_str().unwrap()]).await;
    assert!(said.contains("the installation secret") && said.contains("media files"), "{said}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let written_during = writer.await.unwrap();
    assert!(written_during > 3, "the server was writing while the backup ran: {written_during}");

    let restored_dir = ctx.data_dir().parent().unwrap().join(format!("restored-{}", uuid::Uuid::new_v4().simple()));
    let restored_url = format!("sqlite://{}", restored_dir.join("gridline.db").display());
    admin(&restored_dir, &restored_url, &["restore", archive.to_str().unwrap()]).await;
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_gridline-under-test"))
        .args(["admin", "restore", archive.to_str().unwrap()])
        .env_clear()
        .envs(test_env(&restored_url, &restored_dir, &[]))
        .output()
        .unwrap();
    assert!(!refused.status.success(), "a restore never overwrites an installation");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("empty data directory"));

    let restored = ctx
        .app_with(&[("GRIDLINE_DATA_DIR", restored_dir.to_str().unwrap()), ("GRIDLINE_DATABASE_URL", &restored_url)])
        .await;
    // The same installation secret: tokens the original signed are good here.
    assert_eq!(restored.get_as(&admin_token, "/api/v1/me").await.status(), 200);

    let now_there = all_cases(&restored, &admin_token).await;
    let ids: BTreeSet<String> = now_there.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    assert!(before.is_subset(&ids), "every case acknowledged before the backup is restored");
    assert!(ids.len() > before.len(), "some written during the backup made it in: {}", ids.len());
    for case in &now_there {
        let id = case["id"].as_str().unwrap();
        let there = restored.json_as(&admin_token, &format!("/api/v1/cases/{id}")).await;
        let here = original.json_as(&admin_token, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(there, here, "case {id} is restored as it was");
        let path = format!("/api/v1/cases/{id}/events");
        assert_eq!(restored.json_as(&admin_token, &path).await, original.json_as(&admin_token, &path).await);
    }
    assert_eq!(
        restored.json_as(&admin_token, "/api/v1/users").await,
        original.json_as(&admin_token, "/api/v1/users").await,
        "every user"
    );
    let res = restored.get_as(&worker, &format!("/api/v1/media/{photo_id}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), photo.as_slice(), "the photo, byte for byte");
    restored.stop().await;
    let _ = std::fs::remove_file(archive);
    let _ = std::fs::remove_dir_all(restored_dir);
}
