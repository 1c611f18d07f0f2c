//! Gridline's domain: what a case, a grid, a department and a user are, which
//! steps a case may take, who may take them, and the ports through which the
//! domain reaches storage. Nothing here knows SQL, HTTP or a wire format.

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod crs;
pub mod error;
pub mod geo;
pub mod identity;
pub mod media;
pub mod notifications;
pub mod org;
pub mod policy;
pub mod ports;
pub mod push;
pub mod stats;
pub mod time;
pub mod validation;
pub mod webhooks;

pub use error::{RepoError, Taken};
