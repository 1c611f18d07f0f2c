//! Gridline's HTTP layer: configuration, routing, extractors, authentication,
//! error mapping, and the `gridline` command line.

pub mod auth;
pub mod bootstrap;
mod caches;
mod case_seed;
mod case_service;
mod case_views;
pub mod cli;
pub mod client_address;
pub mod config;
mod delivery;
pub mod demo;
mod drain;
pub mod error;
mod evidence;
pub mod extract;
mod idempotency;
pub mod media;
mod metrics;
mod middleware;
mod placement;
mod public_limit;
mod reference_data;
mod references;
pub mod routes;
pub mod startup;
mod state;
mod stream;
mod sweeper;
pub mod telemetry;
mod views;

pub use config::Settings;
pub use startup::Application;
