//! Gridline's black-box suite: one binary, every test on SQLite and on
//! PostgreSQL. `GRIDLINE_TEST_SKIP_PG=1` reports the PostgreSQL half as ignored.

mod errors;
mod operations;
mod startup;

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
    libtest_mimic::run(&args, all).exit();
}
