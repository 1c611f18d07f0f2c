//! Evidence files as the server handles them. What a file is and how long it
//! plays is the domain's (`gridline_domain::media`); what a photo says about
//! itself, and its preview, is decoded here; the bytes live in a
//! [`store::MediaStore`].

pub(crate) mod intake;
pub(crate) mod janitor;
pub mod photo;
pub mod samples;
pub(crate) mod store;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use gridline_domain::media::MediaId;

use crate::{config::MediaSettings, error::ApiError};

/// What the media routes share: the store, the limit, and the permits for
/// decoding (a burst of photos must not take every core from the rest).
pub(crate) struct MediaDesk {
    pub store: store::MediaStore,
    pub max_bytes: usize,
    pub orphan_hours: u32,
    decodes: tokio::sync::Semaphore,
}

impl MediaDesk {
    pub(crate) fn new(store: store::MediaStore, settings: &MediaSettings) -> Self {
        Self {
            store,
            max_bytes: settings.max_bytes,
            orphan_hours: settings.orphan_hours,
            decodes: tokio::sync::Semaphore::new(settings.decode_concurrency),
        }
    }

    /// Reads a file in on a blocking thread, when a decode permit is free.
    pub(crate) async fn take(
        &self,
        id: MediaId,
        bytes: Bytes,
        zone: chrono_tz::Tz,
        at: DateTime<Utc>,
    ) -> Result<Result<intake::Taken, intake::Refused>, ApiError> {
        let _permit = self.decodes.acquire().await.map_err(|e| ApiError::Internal(e.into()))?;
        actix_web::web::block(move || intake::take(id, &bytes, zone, at))
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("a decode did not finish: {e}")))
    }
}
