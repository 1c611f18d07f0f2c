//! How long a video or voice note plays, read from its container: an MP4's
//! movie header, or by counting an AAC or AMR stream's frames. A file whose
//! length cannot be read is refused like one that plays too long.

use super::MediaKind;

/// Seconds the file plays, or `None` when its structure cannot be read
/// (or it is not a kind that plays).
pub fn duration_s(kind: MediaKind, bytes: &[u8]) -> Option<f64> {
    match kind {
        MediaKind::Mp4 | MediaKind::M4a => mp4(bytes),
        MediaKind::Aac => adts(bytes),
        MediaKind::Amr => amr(bytes),
        MediaKind::Jpeg | MediaKind::Png | MediaKind::Webp | MediaKind::Heic => None,
    }
}

/// The boxes at one level: (type, body).
fn boxes(mut data: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    std::iter::from_fn(move || {
        if data.len() < 8 {
            return None;
        }
        let size = u32::from_be_bytes(data[..4].try_into().ok()?) as u64;
        let kind: [u8; 4] = data[4..8].try_into().ok()?;
        let (header, size) = match size {
            0 => (8, data.len() as u64),
            1 => (16, u64::from_be_bytes(data.get(8..16)?.try_into().ok()?)),
            n => (8, n),
        };
        let size = usize::try_from(size).ok()?;
        if size < header || size > data.len() {
            return None;
        }
        let body = &data[header..size];
        data = &data[size..];
        Some((kind, body))
    })
}

/// `moov/mvhd`: duration over timescale.
fn mp4(bytes: &[u8]) -> Option<f64> {
    let (_, moov) = boxes(bytes).find(|(k, _)| k == b"moov")?;
    let (_, mvhd) = boxes(moov).find(|(k, _)| k == b"mvhd")?;
    let be32 = |at: usize| mvhd.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_be_bytes);
    let (timescale, duration) = match mvhd.first()? {
        0 => (be32(12)?, u64::from(be32(16)?)),
        1 => (be32(20)?, u64::from_be_bytes(mvhd.get(24..32)?.try_into().ok()?)),
        _ => return None,
    };
    (timescale > 0).then(|| duration as f64 / f64::from(timescale))
}

const ADTS_RATES: [u32; 13] = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/// ADTS frames, 1,024 samples per raw data block.
fn adts(bytes: &[u8]) -> Option<f64> {
    let (mut at, mut seconds, mut frames) = (0usize, 0f64, 0u32);
    while at < bytes.len() {
        let h = bytes.get(at..at + 7)?;
        if h[0] != 0xFF || h[1] & 0xF6 != 0xF0 {
            return None;
        }
        let rate = *ADTS_RATES.get(usize::from((h[2] >> 2) & 0x0F))?;
        let length = (usize::from(h[3] & 0x03) << 11) | (usize::from(h[4]) << 3) | usize::from(h[5] >> 5);
        if length < 7 {
            return None;
        }
        let blocks = f64::from((h[6] & 0x03) + 1);
        seconds += blocks * 1024.0 / f64::from(rate);
        frames += 1;
        at += length;
    }
    (frames > 0).then_some(seconds)
}

/// Bytes after the table-of-contents byte, by frame type; `None` for types
/// the standard leaves unused.
const AMR_NB_SIZES: [Option<usize>; 16] = [
    Some(12),
    Some(13),
    Some(15),
    Some(17),
    Some(19),
    Some(20),
    Some(26),
    Some(31),
    Some(5),
    None,
    None,
    None,
    None,
    None,
    None,
    Some(0),
];
const AMR_WB_SIZES: [Option<usize>; 16] = [
    Some(17),
    Some(23),
    Some(32),
    Some(36),
    Some(40),
    Some(46),
    Some(50),
    Some(58),
    Some(60),
    Some(5),
    None,
    None,
    None,
    None,
    Some(0),
    Some(0),
];

/// AMR storage format (RFC 4867 §5): a magic line, then 20 ms frames.
fn amr(bytes: &[u8]) -> Option<f64> {
    let (sizes, mut at) = if bytes.starts_with(b"#!AMR-WB\n") {
        (&AMR_WB_SIZES, 9)
    } else if bytes.starts_with(b"#!AMR\n") {
        (&AMR_NB_SIZES, 6)
    } else {
        return None;
    };
    let mut frames = 0u32;
    while at < bytes.len() {
        let size = sizes[usize::from((bytes[at] >> 3) & 0x0F)]?;
        at += 1 + size;
        frames += 1;
    }
    (at == bytes.len() && frames > 0).then(|| f64::from(frames) * 0.02)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::fixture::{boxed, iso};

    fn mvhd_v0(timescale: u32, duration: u32) -> Vec<u8> {
        let mut body = vec![0u8; 4 + 8];
        body.extend_from_slice(&timescale.to_be_bytes());
        body.extend_from_slice(&duration.to_be_bytes());
        body.extend_from_slice(&[0; 80]);
        boxed(b"mvhd", &body)
    }

    #[test]
    fn an_mp4_says_its_length_in_its_movie_header() {
        let moov = boxed(b"moov", &mvhd_v0(1000, 61_500));
        let file = iso(b"isom", &[b"isom"], &[boxed(b"mdat", &[0; 32]), moov]);
        assert_eq!(duration_s(MediaKind::Mp4, &file), Some(61.5));
        let mut body = vec![1u8, 0, 0, 0];
        body.extend_from_slice(&[0; 16]);
        body.extend_from_slice(&600u32.to_be_bytes());
        body.extend_from_slice(&(600u64 * 30).to_be_bytes());
        let v1 = iso(b"M4A ", &[], &[boxed(b"moov", &boxed(b"mvhd", &body))]);
        assert_eq!(duration_s(MediaKind::M4a, &v1), Some(30.0));
    }

    #[test]
    fn an_mp4_without_a_readable_header_has_no_length() {
        assert_eq!(duration_s(MediaKind::Mp4, &iso(b"isom", &[], &[boxed(b"mdat", &[1; 8])])), None);
        let mut cut = iso(b"isom", &[], &[boxed(b"moov", &mvhd_v0(1000, 5000))]);
        cut.truncate(cut.len() - 50);
        assert_eq!(duration_s(MediaKind::Mp4, &cut), None, "a box longer than the file");
        assert_eq!(duration_s(MediaKind::Mp4, &iso(b"isom", &[], &[boxed(b"moov", &mvhd_v0(0, 5))])), None);
    }

    fn adts_frame(rate_index: u8) -> Vec<u8> {
        let length = 7 + 10;
        let mut f = vec![0xFF, 0xF1, rate_index << 2, 0x80, 0, 0, 0];
        f[3] |= ((length >> 11) & 0x03) as u8;
        f[4] = ((length >> 3) & 0xFF) as u8;
        f[5] = (((length & 0x07) << 5) | 0x1F) as u8;
        f[6] = 0xFC;
        f.extend_from_slice(&[0; 10]);
        f
    }

    #[test]
    fn an_aac_stream_is_as_long_as_its_frames() {
        // 16 kHz (index 8): 1,024 samples a frame, 64 ms.
        let file: Vec<u8> = (0..250).flat_map(|_| adts_frame(8)).collect();
        let s = duration_s(MediaKind::Aac, &file).unwrap();
        assert!((s - 16.0).abs() < 1e-9, "{s}");
        let mut broken = file.clone();
        broken.push(0x42);
        assert_eq!(duration_s(MediaKind::Aac, &broken), None, "trailing garbage");
    }

    #[test]
    fn an_amr_note_is_twenty_milliseconds_a_frame() {
        let mut nb = b"#!AMR\n".to_vec();
        for _ in 0..6000 {
            nb.push(7 << 3 | 0x04);
            nb.extend_from_slice(&[0; 31]);
        }
        assert_eq!(duration_s(MediaKind::Amr, &nb), Some(120.0));
        let mut wb = b"#!AMR-WB\n".to_vec();
        for _ in 0..50 {
            wb.push(2 << 3 | 0x04);
            wb.extend_from_slice(&[0; 32]);
        }
        assert_eq!(duration_s(MediaKind::Amr, &wb), Some(1.0));
        nb.pop();
        assert_eq!(duration_s(MediaKind::Amr, &nb), None, "a cut frame");
    }

    #[test]
    fn images_do_not_play() {
        assert_eq!(duration_s(MediaKind::Jpeg, &[0xFF, 0xD8, 0xFF]), None);
    }
}
