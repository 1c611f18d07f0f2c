//! Map coordinates: phones in China speak GCJ-02 (Amap, Tencent) or BD-09
//! (Baidu), hundreds of metres from GPS's WGS-84. Points are stored in WGS-84;
//! every point in and out says its system.

use gridline_tests::{app::problem, Ctx};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![a_gcj02_point_lands_in_its_true_grid_and_reads_back_in_any_system];

/// A point in Heping grid 1 (WGS-84 116.4025, 39.9025) as Amap shows it. Read
/// as WGS-84, the same numbers lie 600 m east, in Heping grid 2.
const GCJ: (f64, f64) = (116.408_743_083, 39.903_903_785);
const WGS: (f64, f64) = (116.4025, 39.9025);

fn close(v: &Value, (lon, lat): (f64, f64), tolerance: f64) -> bool {
    (v["lon"].as_f64().unwrap() - lon).abs() < tolerance && (v["lat"].as_f64().unwrap() - lat).abs() < tolerance
}

async fn a_gcj02_point_lands_in_its_true_grid_and_reads_back_in_any_system(ctx: Ctx) {
    let app = ctx.app().await;
    let (w1, dc) = (app.token("worker1").await, app.token("dispatcher_community").await);
    let report = |crs: Option<&str>| {
        let mut location = json!({"lon": GCJ.0, "lat": GCJ.1});
        if let Some(crs) = crs {
            location["crs"] = json!(crs);
        }
        json!({"category_code": "damaged_facility", "description": "井盖破损", "address": "和平路 9 号",
               "priority": "normal", "location": location})
    };
    // worker1 reports in his own grid only: the numbers read as WGS-84 lie outside it.
    problem(app.send_as(&w1, Method::POST, "/api/v1/cases", &report(None)).await, 422).await;
    let res = app.send_as(&w1, Method::POST, "/api/v1/cases", &report(Some("gcj02"))).await;
    assert_eq!(res.status(), 201);
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["labels"]["grid"], "和平一网格 Heping Grid 1", "its true grid");
    assert_eq!(case["location"]["crs"], "gcj02", "the answer speaks the report's system");
    assert!(close(&case["location"], GCJ, 1e-7), "{}", case["location"]);
    // The same numbers from a dispatcher, as WGS-84, are another place in another grid.
    let res = app.send_as(&dc, Method::POST, "/api/v1/cases", &report(None)).await;
    assert_eq!(res.json::<Value>().await.unwrap()["labels"]["grid"], "和平二网格 Heping Grid 2");

    let id = case["id"].as_str().unwrap();
    let wgs: Value = app.json_as(&w1, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(wgs["location"]["crs"], "wgs84");
    assert!(close(&wgs["location"], WGS, 1e-6), "stored in WGS-84: {}", wgs["location"]);
    let gcj: Value = app.json_as(&w1, &format!("/api/v1/cases/{id}?crs=gcj02")).await;
    assert!(close(&gcj["location"], GCJ, 1e-7));
    let bd: Value = app.json_as(&w1, &format!("/api/v1/cases/{id}?crs=bd09")).await;
    assert_eq!(bd["location"]["crs"], "bd09");
    // Baidu's published formula over the GCJ-02 point, worked out by hand.
    assert!(close(&bd["location"], (116.415_131_857, 39.910_215_736), 2e-7), "{}", bd["location"]);

    // Lists, boxes, nearby and locating speak the same systems.
    let gcj_box = format!("{},{},{},{}", GCJ.0 - 0.0003, GCJ.1 - 0.0003, GCJ.0 + 0.0003, GCJ.1 + 0.0003);
    let boxed: Value = app.json_as(&w1, &format!("/api/v1/cases?crs=gcj02&bbox={gcj_box}")).await;
    assert_eq!(boxed["items"].as_array().unwrap().len(), 1);
    assert!(close(&boxed["items"][0]["location"], GCJ, 1e-7));
    let as_wgs: Value = app.json_as(&w1, &format!("/api/v1/cases?bbox={gcj_box}")).await;
    assert!(as_wgs["items"].as_array().unwrap().is_empty(), "the same box in WGS-84 is elsewhere");
    let near: Value =
        app.json_as(&w1, &format!("/api/v1/cases/nearby?crs=gcj02&lat={}&lon={}&radius_m=50", GCJ.1, GCJ.0)).await;
    assert_eq!(near["items"][0]["case"]["id"], id);
    assert!(near["items"][0]["distance_m"].as_f64().unwrap() < 0.5);
    let grid: Value = app.json_as(&w1, &format!("/api/v1/grids/locate?crs=gcj02&lat={}&lon={}", GCJ.1, GCJ.0)).await;
    assert_eq!(grid["code"], "DEMO-E-C1-G1");
    let grid: Value = app.json_as(&w1, &format!("/api/v1/grids/locate?lat={}&lon={}", GCJ.1, GCJ.0)).await;
    assert_eq!(grid["code"], "DEMO-E-C1-G2");

    let body = problem(app.get_as(&w1, &format!("/api/v1/cases/{id}?crs=mars")).await, 400).await;
    assert_eq!(body["errors"][0]["parameter"], "crs");
}
