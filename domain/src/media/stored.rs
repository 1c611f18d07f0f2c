//! A file as the store keeps it: named by the SHA-256 of its bytes, so the
//! same photo sent twice (or by two people) is one file, and a phone can
//! ask whether the server already holds what it is about to send.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::geo::Position;

/// What is known of a stored file, read from its bytes when it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMedia {
    /// The lowercase hex SHA-256 of the bytes.
    pub id: MediaId,
    pub content_type: String,
    pub bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration_s: Option<f64>,
    /// When the photo says it was taken (EXIF).
    pub taken_at: Option<DateTime<Utc>>,
    /// Where the photo says it was taken (EXIF), WGS-84.
    pub gps: Option<Position>,
    /// Whether a preview was made (JPEG, PNG and WebP).
    pub thumbnail: bool,
    pub created_at: DateTime<Utc>,
}

/// Who sent a file: a user, or a system through its API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploader {
    User(Uuid),
    ApiKey(Uuid),
}

/// A file's name: the lowercase hex SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MediaId(String);

impl MediaId {
    /// The id of these bytes' digest.
    pub fn of_digest(digest: &[u8; 32]) -> Self {
        Self(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// An id as a client writes it: 64 hex digits, either case (the id is
    /// lowercase).
    pub fn parse(text: &str) -> Option<Self> {
        let hex = text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit());
        hex.then(|| Self(text.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MediaId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::MediaId;

    #[test]
    fn an_id_is_sixty_four_hex_digits_in_lowercase() {
        let upper = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert_eq!(MediaId::parse(upper).unwrap().as_str(), upper.to_ascii_lowercase());
        assert_eq!(MediaId::of_digest(&[0xab; 32]).as_str(), "ab".repeat(32));
        for bad in ["", "e3b0", &"g".repeat(64), &"a".repeat(65), "../../etc/passwd"] {
            assert!(MediaId::parse(bad).is_none(), "{bad}");
        }
    }
}
