//! What a photo says about itself: its size, when and where it was taken
//! (EXIF), and a small preview for lists. Decoding is pure Rust; a HEIC is
//! read for its EXIF only and gets no preview.

use std::io::Cursor;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use gridline_domain::{geo::Position, media::MediaKind};
use image::{codecs::jpeg::JpegEncoder, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Larger images are refused (422): a small file can claim a huge canvas
/// and exhaust memory when decoded (a decompression bomb).
pub const MAX_PIXELS: u64 = 40_000_000;
/// The longest side of a preview.
pub const THUMBNAIL_SIDE: u32 = 320;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhotoFacts {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub taken_at: Option<DateTime<Utc>>,
    pub gps: Option<Position>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PhotoError {
    #[error("the image is {0} pixels; at most {MAX_PIXELS} are taken")]
    TooLarge(u64),
    #[error("the image cannot be read: {0}")]
    Unreadable(String),
}

fn format(kind: MediaKind) -> Option<ImageFormat> {
    match kind {
        MediaKind::Jpeg => Some(ImageFormat::Jpeg),
        MediaKind::Png => Some(ImageFormat::Png),
        MediaKind::Webp => Some(ImageFormat::WebP),
        _ => None,
    }
}

/// The photo's size and EXIF facts. A time without an offset is read in
/// the district's `zone`, as phones write their local time.
pub fn inspect(kind: MediaKind, bytes: &[u8], zone: chrono_tz::Tz) -> Result<PhotoFacts, PhotoError> {
    let exif = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)).ok();
    let (width, height) = match format(kind) {
        Some(f) => {
            let (w, h) = ImageReader::with_format(Cursor::new(bytes), f)
                .into_dimensions()
                .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
            (Some(w), Some(h))
        }
        None => {
            let dimension = |tag| exif.as_ref().and_then(|e| e.get_field(tag, exif::In::PRIMARY)?.value.get_uint(0));
            (dimension(exif::Tag::PixelXDimension), dimension(exif::Tag::PixelYDimension))
        }
    };
    if let (Some(w), Some(h)) = (width, height) {
        let pixels = u64::from(w) * u64::from(h);
        if pixels > MAX_PIXELS {
            return Err(PhotoError::TooLarge(pixels));
        }
    }
    let (taken_at, gps) = exif.as_ref().map_or((None, None), |e| (taken_at(e, zone), gps(e)));
    Ok(PhotoFacts { width, height, taken_at, gps })
}

fn ascii(e: &exif::Exif, tag: exif::Tag) -> Option<Vec<u8>> {
    match &e.get_field(tag, exif::In::PRIMARY)?.value {
        exif::Value::Ascii(parts) => parts.first().cloned(),
        _ => None,
    }
}

fn taken_at(e: &exif::Exif, zone: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let mut t = exif::DateTime::from_ascii(&ascii(e, exif::Tag::DateTimeOriginal)?).ok()?;
    if let Some(offset) = ascii(e, exif::Tag::OffsetTimeOriginal) {
        t.parse_offset(&offset).ok()?;
    }
    let local = NaiveDate::from_ymd_opt(i32::from(t.year), u32::from(t.month), u32::from(t.day))?.and_hms_opt(
        u32::from(t.hour),
        u32::from(t.minute),
        u32::from(t.second),
    )?;
    match t.offset {
        Some(minutes) => FixedOffset::east_opt(i32::from(minutes) * 60)?.from_local_datetime(&local).single(),
        None => zone.from_local_datetime(&local).earliest().map(|t| t.fixed_offset()),
    }
    .map(|t| t.with_timezone(&Utc))
}

fn gps(e: &exif::Exif) -> Option<Position> {
    let degrees = |tag, reference, negative: u8| {
        let exif::Value::Rational(parts) = &e.get_field(tag, exif::In::PRIMARY)?.value else {
            return None;
        };
        let [d, m, s] = parts.as_slice() else {
            return None;
        };
        let value = d.to_f64() + m.to_f64() / 60.0 + s.to_f64() / 3600.0;
        let sign = if ascii(e, reference)?.first() == Some(&negative) { -1.0 } else { 1.0 };
        value.is_finite().then_some(sign * value)
    };
    let lat = degrees(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, b'S')?;
    let lon = degrees(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, b'W')?;
    // A phone without a fix writes zeros.
    let usable = (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) && (lat, lon) != (0.0, 0.0);
    usable.then_some(Position { lon, lat })
}

/// A JPEG preview, longest side `THUMBNAIL_SIDE`, turned as the photo's
/// orientation says and carrying no metadata (it is encoded afresh); `None`
/// for kinds not decoded here.
pub fn thumbnail(kind: MediaKind, bytes: &[u8]) -> Result<Option<Vec<u8>>, PhotoError> {
    let Some(f) = format(kind) else {
        return Ok(None);
    };
    let unreadable = |e: image::ImageError| PhotoError::Unreadable(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), f);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(PhotoError::TooLarge(u64::from(w) * u64::from(h)));
    }
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    img.apply_orientation(orientation);
    if img.width().max(img.height()) > THUMBNAIL_SIDE {
        img = img.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE);
    }
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 80).encode_image(&img.to_rgb8()).map_err(unreadable)?;
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::samples::{dms, field, jpeg, png_header, text};

    fn shanghai() -> chrono_tz::Tz {
        chrono_tz::Asia::Shanghai
    }

    #[test]
    fn a_photo_says_its_size_when_and_where() {
        let fields = [
            field(exif::Tag::DateTimeOriginal, text("2026:11:28 09:30:00")),
            field(exif::Tag::GPSLatitudeRef, text("N")),
            field(exif::Tag::GPSLatitude, dms(39, 54, 3600)),
            field(exif::Tag::GPSLongitudeRef, text("E")),
            field(exif::Tag::GPSLongitude, dms(116, 24, 0)),
        ];
        let facts = inspect(MediaKind::Jpeg, &jpeg(640, 480, &fields), shanghai()).unwrap();
        assert_eq!((facts.width, facts.height), (Some(640), Some(480)));
        assert_eq!(facts.taken_at, Some(Utc.with_ymd_and_hms(2026, 11, 28, 1, 30, 0).unwrap()), "Beijing time");
        let at = facts.gps.unwrap();
        assert!((at.lat - 39.91).abs() < 1e-9 && (at.lon - 116.4).abs() < 1e-9, "{at:?}");
    }

    #[test]
    fn an_offset_in_the_photo_wins_over_the_district_zone() {
        let fields = [
            field(exif::Tag::DateTimeOriginal, text("2026:11:28 09:30:00")),
            field(exif::Tag::OffsetTimeOriginal, text("+00:00")),
        ];
        let facts = inspect(MediaKind::Jpeg, &jpeg(16, 16, &fields), shanghai()).unwrap();
        assert_eq!(facts.taken_at, Some(Utc.with_ymd_and_hms(2026, 11, 28, 9, 30, 0).unwrap()));
        assert_eq!(facts.gps, None);
    }

    #[test]
    fn a_photo_without_exif_says_only_its_size() {
        let facts = inspect(MediaKind::Jpeg, &jpeg(32, 8, &[]), shanghai()).unwrap();
        assert_eq!(facts, PhotoFacts { width: Some(32), height: Some(8), taken_at: None, gps: None });
        let zeros = [
            field(exif::Tag::GPSLatitudeRef, text("N")),
            field(exif::Tag::GPSLatitude, dms(0, 0, 0)),
            field(exif::Tag::GPSLongitudeRef, text("E")),
            field(exif::Tag::GPSLongitude, dms(0, 0, 0)),
        ];
        assert_eq!(inspect(MediaKind::Jpeg, &jpeg(8, 8, &zeros), shanghai()).unwrap().gps, None, "no fix");
    }

    #[test]
    fn the_preview_is_small_and_carries_no_exif() {
        let fields = [field(exif::Tag::DateTimeOriginal, text("2026:11:28 09:30:00"))];
        let original = jpeg(1200, 900, &fields);
        let preview = thumbnail(MediaKind::Jpeg, &original).unwrap().unwrap();
        let (w, h) = ImageReader::with_format(Cursor::new(&preview), ImageFormat::Jpeg).into_dimensions().unwrap();
        assert_eq!((w, h), (320, 240));
        assert!(preview.len() < original.len());
        assert!(exif::Reader::new().read_from_container(&mut Cursor::new(&preview)).is_err(), "stripped");
        assert_eq!(thumbnail(MediaKind::Heic, b"whatever"), Ok(None), "not decoded here");
    }

    #[test]
    fn a_canvas_over_forty_megapixels_is_refused_before_decoding() {
        let bomb = png_header(10_000, 10_000);
        assert_eq!(inspect(MediaKind::Png, &bomb, shanghai()), Err(PhotoError::TooLarge(100_000_000)));
        assert_eq!(thumbnail(MediaKind::Png, &bomb), Err(PhotoError::TooLarge(100_000_000)));
        assert!(inspect(MediaKind::Png, &png_header(4000, 3000), shanghai()).is_ok(), "12 MP is a phone photo");
    }

    #[test]
    fn bytes_that_are_not_the_image_they_claim_are_unreadable() {
        assert!(matches!(
            inspect(MediaKind::Jpeg, &[0xFF, 0xD8, 0xFF, 0x00], shanghai()),
            Err(PhotoError::Unreadable(_))
        ));
    }
}
