//! Taking a file in: what it is (from its bytes), whether it is within the
//! limits, what it says about itself, and its preview. CPU-bound; run on a
//! blocking thread, at most `GRIDLINE_MEDIA_DECODE_CONCURRENCY` at once.

use chrono::{DateTime, Utc};
use gridline_domain::media::{duration_s, sniff, MediaClass, MediaId, StoredMedia};

use super::photo::{self, PhotoError};

/// A file ready to store: its row and its preview.
pub(crate) struct Taken {
    pub media: StoredMedia,
    pub preview: Option<Vec<u8>>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum Refused {
    #[error("the file is none of JPEG, PNG, WebP, HEIC/HEIF, MP4 video, or AAC, AMR or M4A voice")]
    Unsupported,
    #[error("the {what} plays {seconds:.1} s; at most {max} s are taken")]
    TooLong { what: &'static str, seconds: f64, max: f64 },
    #[error("the file's length of play cannot be read from its header")]
    NoDuration,
    #[error("the image is {0} pixels; at most {max} are taken", max = photo::MAX_PIXELS)]
    TooManyPixels(u64),
    #[error("the image cannot be read: {0}")]
    Unreadable(String),
}

impl From<PhotoError> for Refused {
    fn from(e: PhotoError) -> Self {
        match e {
            PhotoError::TooLarge(pixels) => Self::TooManyPixels(pixels),
            PhotoError::Unreadable(why) => Self::Unreadable(why),
        }
    }
}

/// Reads a file whose SHA-256 is `id`, received at `at`; a photo's local
/// times without an offset are read in `zone`.
pub(crate) fn take(id: MediaId, bytes: &[u8], zone: chrono_tz::Tz, at: DateTime<Utc>) -> Result<Taken, Refused> {
    let kind = sniff(&bytes[..bytes.len().min(64)]).ok_or(Refused::Unsupported)?;
    let mut media = StoredMedia {
        id,
        content_type: kind.content_type().to_owned(),
        bytes: bytes.len() as u64,
        width: None,
        height: None,
        duration_s: None,
        taken_at: None,
        gps: None,
        thumbnail: false,
        created_at: at,
    };
    let preview = match kind.class() {
        MediaClass::Image => {
            let facts = photo::inspect(kind, bytes, zone)?;
            (media.width, media.height, media.taken_at, media.gps) =
                (facts.width, facts.height, facts.taken_at, facts.gps);
            photo::thumbnail(kind, bytes)?
        }
        class => {
            let seconds = duration_s(kind, bytes).ok_or(Refused::NoDuration)?;
            let max = kind.max_duration_s().unwrap_or(f64::INFINITY);
            if seconds > max {
                let what = if class == MediaClass::Video { "video" } else { "voice note" };
                return Err(Refused::TooLong { what, seconds, max });
            }
            media.duration_s = Some((seconds * 10.0).round() / 10.0);
            None
        }
    };
    media.thumbnail = preview.is_some();
    Ok(Taken { media, preview })
}
