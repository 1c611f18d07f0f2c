//! Every error answer is problem+json with a stable code, whatever caused it.

use gridline_tests::{
    app::{fields_at_fault, problem},
    Ctx,
};
use reqwest::Method;
use serde_json::json;

gridline_tests::tests![
    unknown_route_is_a_problem_404,
    wrong_method_is_a_problem_405_naming_the_allowed_ones,
    a_body_over_the_limit_is_a_problem_413,
    malformed_json_is_a_problem_400,
    a_body_that_is_not_json_is_a_problem_415,
    a_malformed_uuid_in_a_path_is_a_problem_400_naming_the_parameter,
    a_bad_query_value_is_a_problem_400_naming_the_parameter,
    every_invalid_field_is_listed_with_a_json_pointer,
    fields_a_caller_may_not_set_are_refused_not_dropped,
    a_value_of_the_wrong_type_points_at_its_field,
];

async fn unknown_route_is_a_problem_404(ctx: Ctx) {
    let app = ctx.app().await;
    let body = problem(app.get("/api/v1/nothing-here").await, 404).await;
    assert_eq!(body["code"], "not_found");
}

async fn wrong_method_is_a_problem_405_naming_the_allowed_ones(ctx: Ctx) {
    let app = ctx.app().await;
    let res = app.request(Method::DELETE, "/healthz").send().await.unwrap();
    assert_eq!(res.headers()["allow"], "GET");
    let body = problem(res, 405).await;
    assert_eq!(body["code"], "method_not_allowed");
    let res = app.request(Method::PUT, "/api/v1/audit").send().await.unwrap();
    assert_eq!(problem(res, 405).await["code"], "method_not_allowed", "the audit log cannot be edited");
}

async fn a_body_over_the_limit_is_a_problem_413(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_MAX_BODY_BYTES", "2048")]).await;
    let big = json!({"username": "x".repeat(4096), "password": "y"});
    let body = problem(app.post_json("/api/v1/auth/login", &big).await, 413).await;
    assert_eq!(body["code"], "payload_too_large");
    // A chunked body without Content-Length is cut off as it streams in.
    let stream = futures::stream::iter((0..8).map(|_| Ok::<_, std::io::Error>(vec![b' '; 1024])));
    let res = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res, 413).await["code"], "payload_too_large");
}

async fn malformed_json_is_a_problem_400(ctx: Ctx) {
    let app = ctx.app().await;
    let res = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(r#"{"username": "worker1", "password": "#)
        .send()
        .await
        .unwrap();
    let body = problem(res, 400).await;
    assert_eq!(body["code"], "malformed_json");
}

async fn a_body_that_is_not_json_is_a_problem_415(ctx: Ctx) {
    let app = ctx.app().await;
    let res = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("content-type", "text/plain")
        .body("username=worker1")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res, 415).await["code"], "unsupported_media_type");
}

async fn a_malformed_uuid_in_a_path_is_a_problem_400_naming_the_parameter(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let body = problem(app.get_as(&admin, "/api/v1/users/not-a-uuid").await, 400).await;
    assert_eq!(body["code"], "invalid_path_parameter");
    assert_eq!(fields_at_fault(&body), ["id"]);
    // Without credentials the caller learns nothing else first.
    problem(app.get("/api/v1/users/not-a-uuid").await, 401).await;
}

async fn a_bad_query_value_is_a_problem_400_naming_the_parameter(ctx: Ctx) {
    let app = ctx.app().await;
    let token = app.token("worker1").await;
    let body = problem(app.get_as(&token, "/api/v1/grids/locate?lat=north&lon=116.4").await, 400).await;
    assert_eq!(body["code"], "invalid_query_parameter");
    assert_eq!(fields_at_fault(&body), ["lat"]);
    let body = problem(app.get_as(&token, "/api/v1/grids/locate?lon=116.4").await, 400).await;
    assert_eq!(fields_at_fault(&body), ["lat"]);
    let body = problem(app.get_as(&token, "/api/v1/grids/locate?lat=95&lon=200").await, 400).await;
    assert_eq!(fields_at_fault(&body), ["lat", "lon"]);
}

async fn every_invalid_field_is_listed_with_a_json_pointer(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let res = app
        .send_as(
            &admin,
            Method::POST,
            "/api/v1/users",
            &json!({"username": "No Spaces", "display_name": "  ", "phone": "call me", "password": "short"}),
        )
        .await;
    let body = problem(res, 422).await;
    assert_eq!(body["code"], "validation_failed");
    assert_eq!(fields_at_fault(&body), ["/username", "/display_name", "/phone", "/password"]);
}

async fn fields_a_caller_may_not_set_are_refused_not_dropped(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let res = app
        .send_as(
            &admin,
            Method::POST,
            "/api/v1/users",
            &json!({"username": "newbie", "display_name": "N", "password": "long enough", "active": false}),
        )
        .await;
    let body = problem(res, 422).await;
    assert_eq!(fields_at_fault(&body), ["/active"]);
    let res = app
        .send_as(
            &admin,
            Method::POST,
            "/api/v1/users",
            &json!({"id": "7d6e3d1e-8a47-4a35-9b43-0f3c6f0c7d1a", "username": "newbie", "display_name": "N", "password": "long enough"}),
        )
        .await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/id"]);
}

async fn a_value_of_the_wrong_type_points_at_its_field(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let res = app
        .send_as(
            &admin,
            Method::POST,
            "/api/v1/org-units",
            &json!({"kind": "grid", "code": "X1", "name": "X", "boundary": {"type": "Polygon", "coordinates": "oops"}}),
        )
        .await;
    let body = problem(res, 422).await;
    assert_eq!(fields_at_fault(&body), ["/boundary/coordinates", "/parent_id"], "every field at fault");
    let res =
        app.send_as(&admin, Method::POST, "/api/v1/users", &json!({"username": "newbie", "display_name": "N"})).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/password"]);
}
