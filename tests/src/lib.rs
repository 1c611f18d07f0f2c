//! Support for Gridline's black-box tests: fresh databases on both backends,
//! the real server on a free port, an HTTP client, and the harness that runs
//! every test once per backend.

pub mod app;
pub mod database;
pub mod exposition;
pub mod forge;
pub mod forms;
pub mod harness;
pub mod process;
pub mod proxy;
pub mod receiver;
pub mod s3;
pub mod signing;
pub mod sse;

pub use app::TestApp;
pub use database::Backend;
pub use harness::Ctx;
