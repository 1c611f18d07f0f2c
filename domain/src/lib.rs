//! Gridline's domain: what a case, a grid, a department and a user are, which
//! steps a case may take, who may take them, and the ports through which the
//! domain reaches storage. Nothing here knows SQL, HTTP or a wire format.

pub mod error;
pub mod ports;

pub use error::RepoError;
