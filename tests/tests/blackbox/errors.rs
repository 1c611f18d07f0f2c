//! Every error answer is problem+json with a stable code, whatever caused it.

use gridline_tests::{app::problem, Ctx};
use reqwest::Method;

gridline_tests::tests![unknown_route_is_a_problem_404, wrong_method_is_a_problem_405_naming_the_allowed_ones,];

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
}
