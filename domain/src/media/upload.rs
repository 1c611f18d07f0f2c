//! A file sent in pieces over a link that breaks (the tus protocol): what
//! has arrived so far is counted here; the pieces themselves are in the
//! media store, so that any node can take the next one.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{MediaId, Uploader};

#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub id: Uuid,
    pub uploader: Uploader,
    /// The whole file's length, declared when the upload began.
    pub length: u64,
    /// How many bytes have arrived.
    pub offset: u64,
    /// The client's name for the file, as it gave it (kept, never trusted).
    pub filename: Option<String>,
    /// The type the client declared (kept, never trusted: the bytes decide).
    pub declared_type: Option<String>,
    /// The stored file, once every byte has arrived.
    pub media_id: Option<MediaId>,
    pub created_at: DateTime<Utc>,
}

impl Upload {
    pub fn is_complete(&self) -> bool {
        self.offset == self.length && self.media_id.is_some()
    }
}
