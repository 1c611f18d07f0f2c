//! Start-up through the real binary: a bad setting stops it with one line
//! naming the variable.

use std::process::Command;

use gridline_tests::Ctx;

gridline_tests::tests![a_bad_setting_stops_start_up_with_one_line_naming_it, openapi_subcommand_prints_the_document,];

const BINARY: &str = env!("CARGO_BIN_EXE_gridline-under-test");

async fn a_bad_setting_stops_start_up_with_one_line_naming_it(ctx: Ctx) {
    let cases = [
        ("GRIDLINE_LISTEN", "not-an-address", "gridline: GRIDLINE_LISTEN: 'not-an-address' is not a socket address like 127.0.0.1:8080"),
        ("GRIDLINE_WORKERS", "0", "gridline: GRIDLINE_WORKERS: must be at least 1"),
        ("GRIDLINE_LOG_FORMAT", "xml", "gridline: GRIDLINE_LOG_FORMAT: 'xml' is not a log format (expected text or json)"),
        ("GRIDLINE_DATABASE_URL", "mysql://localhost/x", "gridline: GRIDLINE_DATABASE_URL: 'mysql://localhost/x' is not a supported database URL (expected postgres://… or sqlite://…)"),
    ];
    for (variable, value, expected) in cases {
        let out = Command::new(BINARY)
            .arg("serve")
            .env("GRIDLINE_DATA_DIR", ctx.data_dir())
            .env("GRIDLINE_LISTEN", "127.0.0.1:0")
            .env(variable, value)
            .output()
            .expect("run the binary");
        assert!(!out.status.success(), "{variable}={value} must stop start-up");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim_end(), expected, "exactly one line naming {variable}");
    }
}

async fn openapi_subcommand_prints_the_document(_ctx: Ctx) {
    let out = Command::new(BINARY).arg("openapi").output().expect("run the binary");
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert!(doc["paths"]["/healthz"].is_object());
}
