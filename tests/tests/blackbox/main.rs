//! Gridline's black-box suite: one binary, every test on SQLite and on
//! PostgreSQL. `GRIDLINE_TEST_SKIP_PG=1` reports the PostgreSQL half as ignored.

mod abuse;
mod access;
mod allowed_actions;
mod attachments;
mod backups;
mod behind_a_proxy;
mod cases;
mod clocks;
mod crash;
mod errors;
mod exactly_once;
mod examples;
mod export;
mod finding;
mod follow_up;
mod maps;
mod media;
mod nodes;
mod notifications;
mod open311;
mod operations;
mod org;
mod push;
mod running;
mod secrets_in_logs;
mod seeding;
mod startup;
mod stats;
mod stream;
mod sweeper;
mod sync;
mod territory;
mod tokens;
mod uploads;
mod webhooks;

use gridline_tests::harness::{trials, BOTH, POSTGRES_ONLY, SQLITE_ONLY};

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    if gridline_tests::database::skip_pg() {
        eprintln!("GRIDLINE_TEST_SKIP_PG=1: the PostgreSQL tests are reported as ignored, not run");
    }
    let mut all = Vec::new();
    all.extend(trials("operations", operations::TESTS, BOTH));
    all.extend(trials("operations", operations::PG_TESTS, POSTGRES_ONLY));
    all.extend(trials("errors", errors::TESTS, BOTH));
    all.extend(trials("startup", startup::TESTS, SQLITE_ONLY));
    all.extend(trials("tokens", tokens::TESTS, BOTH));
    all.extend(trials("org", org::TESTS, BOTH));
    all.extend(trials("access", access::TESTS, BOTH));
    all.extend(trials("cases", cases::TESTS, BOTH));
    all.extend(trials("clocks", clocks::TESTS, BOTH));
    all.extend(trials("sweeper", sweeper::TESTS, BOTH));
    all.extend(trials("stats", stats::TESTS, BOTH));
    all.extend(trials("finding", finding::TESTS, BOTH));
    all.extend(trials("maps", maps::TESTS, BOTH));
    all.extend(trials("sync", sync::TESTS, BOTH));
    all.extend(trials("export", export::TESTS, BOTH));
    all.extend(trials("export", export::SQLITE_TESTS, SQLITE_ONLY));
    all.extend(trials("seeding", seeding::TESTS, BOTH));
    all.extend(trials("exactly_once", exactly_once::TESTS, BOTH));
    all.extend(trials("examples", examples::TESTS, BOTH));
    all.extend(trials("crash", crash::TESTS, BOTH));
    all.extend(trials("exactly_once", exactly_once::PG_TESTS, POSTGRES_ONLY));
    all.extend(trials("allowed_actions", allowed_actions::TESTS, BOTH));
    all.extend(trials("nodes", nodes::TESTS, POSTGRES_ONLY));
    all.extend(trials("secrets_in_logs", secrets_in_logs::TESTS, BOTH));
    all.extend(trials("territory", territory::TESTS, BOTH));
    all.extend(trials("abuse", abuse::TESTS, BOTH));
    all.extend(trials("media", media::TESTS, BOTH));
    all.extend(trials("attachments", attachments::TESTS, BOTH));
    all.extend(trials("notifications", notifications::TESTS, BOTH));
    all.extend(trials("stream", stream::TESTS, BOTH));
    all.extend(trials("push", push::TESTS, BOTH));
    all.extend(trials("webhooks", webhooks::TESTS, BOTH));
    all.extend(trials("behind_a_proxy", behind_a_proxy::TESTS, BOTH));
    all.extend(trials("running", running::TESTS, BOTH));
    all.extend(trials("follow_up", follow_up::TESTS, BOTH));
    all.extend(trials("open311", open311::TESTS, BOTH));
    all.extend(trials("running", running::PG_TESTS, POSTGRES_ONLY));
    all.extend(trials("running", running::SQLITE_TESTS, SQLITE_ONLY));
    all.extend(trials("backups", backups::TESTS, SQLITE_ONLY));
    all.extend(trials("webhooks", webhooks::PG_TESTS, POSTGRES_ONLY));
    all.extend(trials("stream", stream::PG_TESTS, POSTGRES_ONLY));
    let no_s3 = gridline_tests::s3::moto_server().is_none();
    if no_s3 {
        eprintln!("no moto_server: the S3 media tests are reported as ignored (.ci/run installs it)");
    }
    all.extend(trials("uploads", uploads::TESTS, BOTH));
    let s3_trials =
        trials("media", media::S3_TESTS, BOTH).into_iter().chain(trials("uploads", uploads::S3_TESTS, BOTH));
    all.extend(s3_trials.map(|t| {
        let ignored = t.has_ignored_flag() || no_s3;
        t.with_ignored_flag(ignored)
    }));
    libtest_mimic::run(&args, all).exit();
}
