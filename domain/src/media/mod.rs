//! Evidence files (photos, short videos, voice notes): what a file is, judged
//! from its bytes and never from its name, and how long it plays. Storage
//! and HTTP live elsewhere; everything here reads a byte slice.

mod duration;
mod stored;
mod upload;

use chrono::{DateTime, Duration, Utc};

use crate::geo::{distance_m, Position};

pub use duration::duration_s;
pub use stored::{MediaId, StoredMedia, Uploader};
pub use upload::Upload;

/// A photo taken longer before it was attached than this is suspicious.
pub const SUSPICIOUS_AGE_H: i64 = 24;
/// A photo taken farther from the case's point than this is suspicious.
pub const SUSPICIOUS_DISTANCE_M: f64 = 500.0;

/// Whether an attached photo looks reused (the classic fraud of photo-based
/// reporting): its EXIF says it was taken more than a day before it was
/// attached, or more than 500 m from the case. A photo that says neither
/// is not suspicious: most phones strip location from shared pictures, and
/// an absence proves nothing.
pub fn suspicious(
    taken_at: Option<DateTime<Utc>>,
    taken_where: Option<Position>,
    attached_at: DateTime<Utc>,
    case_point: Position,
) -> bool {
    let old = taken_at.is_some_and(|t| attached_at - t > Duration::hours(SUSPICIOUS_AGE_H));
    let far = taken_where.is_some_and(|p| distance_m(p, case_point) > SUSPICIOUS_DISTANCE_M);
    old || far
}

/// The kinds of file a case may carry. Anything else is refused (415).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Jpeg,
    Png,
    Webp,
    /// HEIC/HEIF, what iPhones take by default: stored, not decoded.
    Heic,
    /// MP4 video (ISO base media).
    Mp4,
    /// AAC in an MP4 container, as phones record voice notes.
    M4a,
    /// Raw AAC in ADTS frames.
    Aac,
    /// AMR narrow- or wide-band, the voice-note format of older phones.
    Amr,
}

/// What a kind is for: its limits and handling differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaClass {
    Image,
    Video,
    Voice,
}

impl MediaKind {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Heic => "image/heic",
            Self::Mp4 => "video/mp4",
            Self::M4a => "audio/mp4",
            Self::Aac => "audio/aac",
            Self::Amr => "audio/amr",
        }
    }

    pub fn class(self) -> MediaClass {
        match self {
            Self::Jpeg | Self::Png | Self::Webp | Self::Heic => MediaClass::Image,
            Self::Mp4 => MediaClass::Video,
            Self::M4a | Self::Aac | Self::Amr => MediaClass::Voice,
        }
    }

    /// The longest a file of this kind may play, in seconds.
    pub fn max_duration_s(self) -> Option<f64> {
        match self.class() {
            MediaClass::Image => None,
            MediaClass::Video => Some(60.0),
            MediaClass::Voice => Some(120.0),
        }
    }
}

/// Brands of an ISO base media file (`ftyp`) that mark HEIC/HEIF images.
const HEIF_BRANDS: [&[u8; 4]; 8] = [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"];
/// Brands that mark MP4 video. QuickTime (`qt  `) is not among them.
const MP4_BRANDS: [&[u8; 4]; 7] = [b"isom", b"iso2", b"iso4", b"iso5", b"mp41", b"mp42", b"avc1"];

/// The kind of a file from its first bytes (at least the first 64 are
/// needed for an ISO base media file's brands), or `None` for any other.
pub fn sniff(head: &[u8]) -> Option<MediaKind> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(MediaKind::Jpeg);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(MediaKind::Png);
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some(MediaKind::Webp);
    }
    if head.starts_with(b"#!AMR\n") || head.starts_with(b"#!AMR-WB\n") {
        return Some(MediaKind::Amr);
    }
    if head.len() >= 2 && head[0] == 0xFF && head[1] & 0xF6 == 0xF0 {
        return Some(MediaKind::Aac);
    }
    iso_brands(head).and_then(|brands| {
        // The major brand decides where it is one of ours; otherwise any
        // compatible brand, HEIF before video (a HEIF may list `iso*` too).
        let major = brands[0];
        let is = |set: &[&[u8; 4]]| set.iter().any(|b| **b == major);
        if is(&HEIF_BRANDS) {
            return Some(MediaKind::Heic);
        }
        if &major == b"M4A " {
            return Some(MediaKind::M4a);
        }
        if is(&MP4_BRANDS) {
            return Some(MediaKind::Mp4);
        }
        let any = |set: &[&[u8; 4]]| brands.iter().any(|b| set.contains(&b));
        if any(&HEIF_BRANDS) {
            Some(MediaKind::Heic)
        } else if any(&MP4_BRANDS) {
            Some(MediaKind::Mp4)
        } else {
            None
        }
    })
}

/// The major and compatible brands of an ISO base media file's leading
/// `ftyp` box, as far as `head` holds them.
fn iso_brands(head: &[u8]) -> Option<Vec<[u8; 4]>> {
    if head.len() < 16 || &head[4..8] != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes(head[..4].try_into().ok()?) as usize;
    let end = size.min(head.len());
    if size < 16 {
        return None;
    }
    let major: [u8; 4] = head[8..12].try_into().ok()?;
    // Bytes 12..16 are the minor version; compatible brands follow.
    let mut brands = vec![major];
    brands.extend(head[16..end].chunks_exact(4).filter_map(|c| <[u8; 4]>::try_from(c).ok()));
    Some(brands)
}

#[cfg(test)]
pub(crate) mod fixture {
    /// An ISO base media file: `ftyp` with the brands, then the boxes given.
    pub fn iso(major: &[u8; 4], compatible: &[&[u8; 4]], boxes: &[Vec<u8>]) -> Vec<u8> {
        let mut ftyp = Vec::new();
        ftyp.extend_from_slice(major);
        ftyp.extend_from_slice(&[0, 0, 2, 0]);
        for b in compatible {
            ftyp.extend_from_slice(*b);
        }
        let mut out = boxed(b"ftyp", &ftyp);
        for b in boxes {
            out.extend_from_slice(b);
        }
        out
    }

    pub fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{fixture::iso, *};

    #[test]
    fn images_are_known_by_their_signatures() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE1, 0, 0]), Some(MediaKind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(MediaKind::Png));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(MediaKind::Webp));
        assert_eq!(sniff(&iso(b"heic", &[b"mif1", b"heic"], &[])), Some(MediaKind::Heic));
        assert_eq!(sniff(&iso(b"mif1", &[b"heic"], &[])), Some(MediaKind::Heic));
    }

    #[test]
    fn video_and_voice_are_known_by_their_containers() {
        assert_eq!(sniff(&iso(b"isom", &[b"isom", b"avc1"], &[])), Some(MediaKind::Mp4));
        assert_eq!(sniff(&iso(b"mp42", &[b"mp41"], &[])), Some(MediaKind::Mp4));
        assert_eq!(sniff(&iso(b"M4A ", &[b"isom"], &[])), Some(MediaKind::M4a));
        assert_eq!(sniff(b"#!AMR\n\x3c"), Some(MediaKind::Amr));
        assert_eq!(sniff(b"#!AMR-WB\n\x04"), Some(MediaKind::Amr));
        assert_eq!(sniff(&[0xFF, 0xF1, 0x50, 0x80]), Some(MediaKind::Aac));
    }

    #[test]
    fn anything_else_is_nothing_we_take() {
        assert_eq!(sniff(b"<!DOCTYPE html><html>"), None, "HTML named .jpg");
        assert_eq!(sniff(b"%PDF-1.7"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(&[0xFF, 0xD8]), None, "two bytes are not a JPEG");
        assert_eq!(sniff(&iso(b"qt  ", &[b"qt  "], &[])), None, "QuickTime is not MP4");
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), None, "WAV");
    }

    #[test]
    fn a_photo_from_yesterday_or_another_street_is_suspicious() {
        let now = Utc::now();
        let case = Position { lat: 39.9, lon: 116.4 };
        let near = Position { lat: 39.901, lon: 116.4 };
        let far = Position { lat: 39.91, lon: 116.4 };
        assert!(!suspicious(Some(now - Duration::hours(23)), Some(near), now, case));
        assert!(suspicious(Some(now - Duration::hours(25)), Some(near), now, case), "taken a day before");
        assert!(suspicious(Some(now), Some(far), now, case), "1.1 km away");
        assert!(!suspicious(None, None, now, case), "a photo that says nothing proves nothing");
        assert!(!suspicious(Some(now + Duration::minutes(5)), None, now, case), "a phone clock a little ahead");
    }

    #[test]
    fn each_kind_says_its_type_and_limit() {
        assert_eq!(MediaKind::Png.content_type(), "image/png");
        assert_eq!(MediaKind::Heic.class(), MediaClass::Image);
        assert_eq!(MediaKind::Mp4.max_duration_s(), Some(60.0));
        assert_eq!(MediaKind::Amr.max_duration_s(), Some(120.0));
        assert_eq!(MediaKind::Jpeg.max_duration_s(), None);
    }
}
