//! Middleware wrapped around every route.

mod fallback;
mod problem;
mod request_id;
mod slots;
mod traffic;

pub(crate) use fallback::{fallback, RouteTable};
pub(crate) use problem::{problem_json, OwnShape};
pub(crate) use request_id::{request_id, RequestId};
pub(crate) use traffic::{traffic, Load};
