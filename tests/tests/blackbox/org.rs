//! The organisation: units, departments, grid import and location, users and
//! grants.

use gridline_tests::{
    app::{fields_at_fault, problem},
    Ctx, TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    the_demo_district_has_its_tree_and_published_contacts,
    a_point_is_located_in_its_grid,
    grids_import_all_or_nothing_naming_the_failing_feature,
    unclosed_and_self_intersecting_polygons_are_refused,
    a_unit_must_sit_under_the_level_above,
    departments_are_created_and_listed_by_kind,
    roles_are_granted_with_a_fitting_scope_and_revoked,
    admin_actions_are_audited,
];

fn square(west: f64, south: f64, size: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]]]})
}

fn grid_feature(code: &str, parent: &str, geometry: Value) -> Value {
    json!({"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": format!("Grid {code}"), "parent_code": parent}})
}

async fn locate(app: &TestApp, token: &str, lat: f64, lon: f64) -> reqwest::Response {
    app.get_as(token, &format!("/api/v1/grids/locate?lat={lat}&lon={lon}")).await
}

async fn the_demo_district_has_its_tree_and_published_contacts(ctx: Ctx) {
    let app = ctx.app().await;
    let token = app.token("leader").await;
    let district = app.unit_id(&token, "DEMO").await;
    let tree = app.json_as(&token, &format!("/api/v1/org-units/{district}/subtree")).await;
    let kinds: Vec<&str> = tree.as_array().unwrap().iter().map(|u| u["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "district").count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == "street").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == "community").count(), 3);
    assert_eq!(kinds.iter().filter(|k| **k == "grid").count(), 6);
    assert_eq!(tree[0]["id"], district.as_str(), "the unit itself comes first");
    for unit in tree.as_array().unwrap() {
        assert!(unit["responsible_person"].is_string() && unit["contact_phone"].is_string(), "公示: {unit}");
        if unit["kind"] == "grid" {
            assert_eq!(unit["boundary"]["type"], "Polygon");
        }
    }
    let community = app.unit_id(&token, "DEMO-E-C1").await;
    let grids = app.json_as(&token, &format!("/api/v1/org-units?kind=grid&parent_id={community}")).await;
    assert_eq!(grids.as_array().unwrap().len(), 2);
    let depts = app.json_as(&token, "/api/v1/departments?kind=urban_management").await;
    assert_eq!(depts.as_array().unwrap().len(), 1, "one urban management department in the demo");
}

async fn a_point_is_located_in_its_grid(ctx: Ctx) {
    let app = ctx.app().await;
    let token = app.token("worker1").await;
    let grid: Value = locate(&app, &token, 39.902, 116.402).await.json().await.unwrap();
    assert_eq!(grid["code"], "DEMO-E-C1-G1");
    let grid: Value = locate(&app, &token, 39.9025, 116.417).await.json().await.unwrap();
    assert_eq!(grid["code"], "DEMO-W-C1-G2");
    let body = problem(locate(&app, &token, 31.23, 121.47).await, 404).await;
    assert_eq!(body["code"], "not_found");
}

async fn grids_import_all_or_nothing_naming_the_failing_feature(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let bad = json!({"type": "FeatureCollection", "features": [
        grid_feature("IMP-1", "DEMO-E-C2", square(116.50, 39.95, 0.01)),
        grid_feature("IMP-2", "DEMO-E-C2", square(116.52, 39.95, 0.01)),
        grid_feature("IMP-3", "NO-SUCH-COMMUNITY", square(116.54, 39.95, 0.01)),
    ]});
    let res = app.send_as(&admin, Method::POST, "/api/v1/org-units/import", &bad).await;
    let body = problem(res, 422).await;
    assert_eq!(fields_at_fault(&body), ["/features/2/properties/parent_code"]);
    problem(locate(&app, &admin, 39.955, 116.505).await, 404).await;
    let units = app.json_as(&admin, "/api/v1/org-units?kind=grid").await;
    assert_eq!(units.as_array().unwrap().len(), 6, "nothing was written");

    let good = json!({"type": "FeatureCollection", "features": [
        grid_feature("IMP-1", "DEMO-E-C2", square(116.50, 39.95, 0.01)),
        grid_feature("IMP-2", "DEMO-E-C2", square(116.52, 39.95, 0.01)),
    ]});
    let res = app.send_as(&admin, Method::POST, "/api/v1/org-units/import", &good).await;
    assert_eq!(res.status(), 200);
    let result: Value = res.json().await.unwrap();
    assert_eq!((result["created"].as_u64(), result["updated"].as_u64()), (Some(2), Some(0)));
    let mut found = None;
    for _ in 0..30 {
        let res = locate(&app, &admin, 39.955, 116.525).await;
        if res.status() == 200 {
            found = Some(res.json::<Value>().await.unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found.expect("the new grid is located")["code"], "IMP-2");
    // Importing again replaces by code.
    let res = app.send_as(&admin, Method::POST, "/api/v1/org-units/import", &good).await;
    let result: Value = res.json().await.unwrap();
    assert_eq!((result["created"].as_u64(), result["updated"].as_u64()), (Some(0), Some(2)));
}

async fn unclosed_and_self_intersecting_polygons_are_refused(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let unclosed =
        json!({"type": "Polygon", "coordinates": [[[116.5, 39.9], [116.6, 39.9], [116.6, 40.0], [116.5, 40.0]]]});
    let bow_tie = json!({"type": "Polygon", "coordinates": [[[116.5, 39.9], [116.6, 40.0], [116.6, 39.9], [116.5, 40.0], [116.5, 39.9]]]});
    let collection = json!({"type": "FeatureCollection", "features": [
        grid_feature("BAD-1", "DEMO-E-C2", unclosed),
        grid_feature("BAD-2", "DEMO-E-C2", bow_tie.clone()),
    ]});
    let res = app.send_as(&admin, Method::POST, "/api/v1/org-units/import", &collection).await;
    let body = problem(res, 422).await;
    assert_eq!(fields_at_fault(&body), ["/features/0/geometry/coordinates/0", "/features/1/geometry/coordinates/0"]);
    let details = body["errors"].to_string();
    assert!(details.contains("not closed") && details.contains("intersects itself"), "{details}");
    let community = app.unit_id(&admin, "DEMO-E-C2").await;
    let res = app
        .send_as(
            &admin,
            Method::POST,
            "/api/v1/org-units",
            &json!({"kind": "grid", "code": "BAD-3", "name": "Bad", "parent_id": community, "boundary": bow_tie}),
        )
        .await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/boundary/coordinates/0"]);
}

async fn a_unit_must_sit_under_the_level_above(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let district = app.unit_id(&admin, "DEMO").await;
    let res = app
        .send_as(
            &admin,
            Method::POST,
            "/api/v1/org-units",
            &json!({"kind": "grid", "code": "G-X", "name": "X", "parent_id": district}),
        )
        .await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/parent_id"]);
    let res = app
        .send_as(&admin, Method::POST, "/api/v1/org-units", &json!({"kind": "street", "code": "DEMO-N", "name": "North Street", "parent_id": district, "contact_phone": "010-1234"}))
        .await;
    assert_eq!(res.status(), 201);
    let street: Value = res.json().await.unwrap();
    assert_eq!(street["parent_id"], district.as_str());
    let res = app
        .send_as(
            &admin,
            Method::POST,
            "/api/v1/org-units",
            &json!({"kind": "street", "code": "DEMO-N", "name": "Again", "parent_id": district}),
        )
        .await;
    let body = problem(res, 409).await;
    assert_eq!(fields_at_fault(&body), ["/code"]);
    let id = street["id"].as_str().unwrap();
    let res = app
        .send_as(
            &admin,
            Method::PATCH,
            &format!("/api/v1/org-units/{id}"),
            &json!({"responsible_person": "新主任", "contact_phone": null}),
        )
        .await;
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["responsible_person"], "新主任");
    assert!(changed["contact_phone"].is_null());
    assert_eq!(changed["name"], "North Street");
}

async fn departments_are_created_and_listed_by_kind(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let community = app.unit_id(&admin, "DEMO-E-C2").await;
    let res = app
        .send_as(
            &admin,
            Method::POST,
            "/api/v1/departments",
            &json!({"kind": "property", "code": "GM-PROP", "name": "Guangming Property", "unit_id": community}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let dept: Value = res.json().await.unwrap();
    let res = app
        .send_as(
            &admin,
            Method::POST,
            "/api/v1/departments",
            &json!({"kind": "bakery", "code": "", "name": "B", "unit_id": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/kind"], "a value outside the document's enum first");
    let res = app
        .send_as(
            &admin,
            Method::POST,
            "/api/v1/departments",
            &json!({"kind": "property", "code": "no spaces", "name": "B", "unit_id": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/code", "/unit_id"]);
    let properties = app.json_as(&admin, "/api/v1/departments?kind=property").await;
    assert_eq!(properties.as_array().unwrap().len(), 3);
    let id = dept["id"].as_str().unwrap();
    let res =
        app.send_as(&admin, Method::PATCH, &format!("/api/v1/departments/{id}"), &json!({"name": "光明物业"})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["name"], "光明物业");
    problem(app.get_as(&admin, &format!("/api/v1/departments/{}", uuid::Uuid::new_v4())).await, 404).await;
}

async fn roles_are_granted_with_a_fitting_scope_and_revoked(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let res = app
        .send_as(
            &admin,
            Method::POST,
            "/api/v1/users",
            &json!({"username": "multi", "display_name": "一员多能", "password": "multi-password"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let user: Value = res.json().await.unwrap();
    let id = user["id"].as_str().unwrap();
    let roles = format!("/api/v1/users/{id}/roles");
    let community = app.unit_id(&admin, "DEMO-E-C1").await;
    let grid = app.unit_id(&admin, "DEMO-E-C1-G2").await;
    let res = app.send_as(&admin, Method::POST, &roles, &json!({"role": "grid_worker", "unit_id": community})).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/unit_id"], "a grid worker's scope is a grid");
    let res =
        app.send_as(&admin, Method::POST, &roles, &json!({"role": "department_staff", "unit_id": community})).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/unit_id", "/department_id"]);
    let res = app.send_as(&admin, Method::POST, &roles, &json!({"role": "grid_worker", "unit_id": grid})).await;
    assert_eq!(res.status(), 201);
    let res = app.send_as(&admin, Method::POST, &roles, &json!({"role": "dispatcher", "unit_id": community})).await;
    assert_eq!(res.status(), 201);
    let dispatcher: Value = res.json().await.unwrap();
    problem(app.send_as(&admin, Method::POST, &roles, &json!({"role": "grid_worker", "unit_id": grid})).await, 409)
        .await;

    let session = app.login_with("multi", "multi-password").await;
    let me = app.json_as(&session.access, "/api/v1/me").await;
    assert_eq!(me["grants"].as_array().unwrap().len(), 2);
    let res = app
        .send_as(&admin, Method::DELETE, &format!("{roles}/{}", dispatcher["id"].as_str().unwrap()), &json!({}))
        .await;
    assert_eq!(res.status(), 204);
    let me = app.json_as(&session.access, "/api/v1/me").await;
    assert_eq!(me["grants"].as_array().unwrap().len(), 1, "revocation reaches a token already issued");
    assert_eq!(me["grants"][0]["role"], "grid_worker");
}

async fn admin_actions_are_audited(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let res = app
        .send_as(
            &admin,
            Method::POST,
            "/api/v1/users",
            &json!({"username": "audited", "display_name": "A", "password": "audited-password"}),
        )
        .await;
    let user: Value = res.json().await.unwrap();
    let entries = app.json_as(&admin, "/api/v1/audit?action=user_created").await;
    let last = entries.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor_label"], "admin");
    assert_eq!(last["target_id"], user["id"]);
    assert!(!last.to_string().contains("audited-password"));
    let page = app.json_as(&admin, &format!("/api/v1/audit?after={}", last["seq"])).await;
    assert!(page.as_array().unwrap().iter().all(|e| e["seq"].as_i64() > last["seq"].as_i64()));
    problem(app.get_as(&admin, "/api/v1/audit?action=made_up").await, 400).await;
    let leader = app.token("leader").await;
    problem(app.get_as(&leader, "/api/v1/audit").await, 403).await;
}
