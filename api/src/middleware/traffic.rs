//! Admits, counts and times every request. A node serves at most
//! `GRIDLINE_MAX_IN_FLIGHT` requests at once and refuses the rest at once
//! with 503 `overloaded`: a refusal in a millisecond lets a client or load
//! balancer try elsewhere, where a queue would hold every request until
//! clients time out and keep the node busy with work nobody waits for.
//! Some requests are neither counted nor refused: event streams (long-lived,
//! cheap while idle), the probes (a node under load is still ready), and
//! those with a bound of their own that would otherwise hold slots while
//! they wait: logins (the password hashing slots) and files (their bytes
//! arrive at the phone's pace; decoding has its own bound).

use std::{
    sync::atomic::{AtomicBool, AtomicUsize, Ordering},
    time::Instant,
};

use actix_web::{
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::ConnectionType,
    middleware::Next,
    web, Error, ResponseError,
};

use crate::{error::ApiError, state::AppState};

/// The node's load, shared by its workers.
pub(crate) struct Load {
    in_flight: AtomicUsize,
    max: usize,
    draining: AtomicBool,
}

impl Load {
    pub(crate) fn new(max: usize) -> Self {
        Self { in_flight: AtomicUsize::new(0), max, draining: AtomicBool::new(false) }
    }

    /// The node was told to stop: `/readyz` answers 503 from now on.
    pub(crate) fn drain(&self) {
        self.draining.store(true, Ordering::Release);
    }

    pub(crate) fn draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    fn admit(&self) -> Option<Admitted<'_>> {
        let before = self.in_flight.fetch_add(1, Ordering::AcqRel);
        let admitted = Admitted(&self.in_flight);
        (before < self.max).then_some(admitted)
    }
}

/// A request counted in flight until dropped (also when refused).
struct Admitted<'a>(&'a AtomicUsize);

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Paths never refused or counted.
fn exempt(path: &str) -> bool {
    matches!(path, "/api/v1/me/stream" | "/healthz" | "/readyz" | "/api/v1/auth/login")
        || path.starts_with("/api/v1/media/")
        || path.starts_with("/api/v1/uploads")
}

pub(crate) async fn traffic(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let started = Instant::now();
    let method = req.method().clone();
    let counted = !exempt(req.path());
    let route = state.metrics.routes.of(req.path());
    let mut res = if counted {
        let admitted = state.load.admit();
        state.metrics.in_flight.inc();
        let res = match admitted {
            Some(_slot) => next.call(req).await.map(ServiceResponse::map_into_boxed_body),
            None => Ok(req.into_response(ApiError::Overloaded.error_response())),
        };
        state.metrics.in_flight.dec();
        res?
    } else {
        next.call(req).await?.map_into_boxed_body()
    };
    // Clients on a kept-alive connection move to another node.
    if state.load.draining() {
        res.response_mut().head_mut().set_connection_type(ConnectionType::Close);
    }
    state.metrics.answered(method.as_str(), route, res.status().as_u16(), started.elapsed());
    Ok(res)
}
