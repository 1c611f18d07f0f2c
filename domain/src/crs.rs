//! The coordinate systems phones in China report in. Amap and Tencent maps
//! give GCJ-02 (the "Mars" offset of the national survey bureau), Baidu gives
//! BD-09 (a further offset over GCJ-02); both are hundreds of metres from the
//! WGS-84 of GPS, enough to put a case in the wrong grid. Points are stored in
//! WGS-84 and converted at the edge.
//!
//! The GCJ-02 offset is the published approximation every Chinese map SDK
//! agrees with (krasovsky ellipsoid parameters, polynomial offsets); it is
//! the identity outside China. Its inverse has no closed form and is found by
//! fixed-point iteration to well under a millimetre.

use std::f64::consts::PI;

use crate::geo::Position;

/// A coordinate reference system a client speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Crs {
    #[default]
    Wgs84,
    Gcj02,
    Bd09,
}

impl Crs {
    pub const ALL: [Self; 3] = [Self::Wgs84, Self::Gcj02, Self::Bd09];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wgs84 => "wgs84",
            Self::Gcj02 => "gcj02",
            Self::Bd09 => "bd09",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// A point given in this system, in WGS-84.
    pub fn to_wgs84(self, p: Position) -> Position {
        match self {
            Self::Wgs84 => p,
            Self::Gcj02 => gcj02_to_wgs84(p),
            Self::Bd09 => gcj02_to_wgs84(bd09_to_gcj02(p)),
        }
    }

    /// A WGS-84 point in this system.
    pub fn from_wgs84(self, p: Position) -> Position {
        match self {
            Self::Wgs84 => p,
            Self::Gcj02 => wgs84_to_gcj02(p),
            Self::Bd09 => gcj02_to_bd09(wgs84_to_gcj02(p)),
        }
    }
}

/// Krasovsky 1940: the semi-major axis and eccentricity squared GCJ-02 uses.
const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;
/// BD-09's own constant.
const X_PI: f64 = PI * 3000.0 / 180.0;

fn outside_china(p: Position) -> bool {
    !(72.004..=137.8347).contains(&p.lon) || !(0.8293..=55.8271).contains(&p.lat)
}

fn offset_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn offset_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

pub fn wgs84_to_gcj02(p: Position) -> Position {
    if outside_china(p) {
        return p;
    }
    let (x, y) = (p.lon - 105.0, p.lat - 35.0);
    let rad = p.lat / 180.0 * PI;
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    let dlat = offset_lat(x, y) * 180.0 / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let dlon = offset_lon(x, y) * 180.0 / (A / sqrt_magic * rad.cos() * PI);
    Position { lat: p.lat + dlat, lon: p.lon + dlon }
}

pub fn gcj02_to_wgs84(g: Position) -> Position {
    if outside_china(g) {
        return g;
    }
    // The offset changes slowly: move the guess by what it misses until it hits.
    let mut w = g;
    for _ in 0..10 {
        let t = wgs84_to_gcj02(w);
        let (dlat, dlon) = (t.lat - g.lat, t.lon - g.lon);
        w = Position { lat: w.lat - dlat, lon: w.lon - dlon };
        if dlat.abs() < 1e-10 && dlon.abs() < 1e-10 {
            break;
        }
    }
    w
}

pub fn gcj02_to_bd09(g: Position) -> Position {
    let (x, y) = (g.lon, g.lat);
    let z = (x * x + y * y).sqrt() + 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) + 0.000003 * (x * X_PI).cos();
    Position { lon: z * theta.cos() + 0.0065, lat: z * theta.sin() + 0.006 }
}

/// Baidu's published inverse is within a few microdegrees; the same
/// iteration as for GCJ-02 makes it exact, so that a point goes there and back.
pub fn bd09_to_gcj02(b: Position) -> Position {
    let (x, y) = (b.lon - 0.0065, b.lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
    let mut g = Position { lon: z * theta.cos(), lat: z * theta.sin() };
    for _ in 0..10 {
        let t = gcj02_to_bd09(g);
        let (dlat, dlon) = (t.lat - b.lat, t.lon - b.lon);
        g = Position { lat: g.lat - dlat, lon: g.lon - dlon };
        if dlat.abs() < 1e-10 && dlon.abs() < 1e-10 {
            break;
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lon: f64, lat: f64) -> Position {
        Position { lon, lat }
    }

    fn near(a: Position, b: Position, tolerance: f64) -> bool {
        (a.lon - b.lon).abs() <= tolerance && (a.lat - b.lat).abs() <= tolerance
    }

    /// The reference pairs published with wandergis/coordtransform
    /// (test/app.js), the conversion most Chinese web maps use.
    #[test]
    fn published_reference_pairs() {
        let at = p(116.404, 39.915);
        assert!(near(wgs84_to_gcj02(at), p(116.41024449916938, 39.91640428150164), 1e-5));
        assert!(near(gcj02_to_wgs84(at), p(116.39775550083061, 39.91359571849836), 1e-5));
        assert!(near(gcj02_to_bd09(at), p(116.41036949371029, 39.92133699351021), 2e-5));
        assert!(near(bd09_to_gcj02(at), p(116.39762729119315, 39.90865673957631), 2e-5));
    }

    #[test]
    fn every_system_goes_there_and_back() {
        for at in [p(116.404, 39.915), p(121.4737, 31.2304), p(113.2644, 23.1291), p(87.6168, 43.8256)] {
            for crs in Crs::ALL {
                assert!(near(crs.to_wgs84(crs.from_wgs84(at)), at, 1e-7), "{crs:?} at {at:?}");
            }
        }
    }

    #[test]
    fn outside_china_nothing_moves() {
        let paris = p(2.3522, 48.8566);
        assert_eq!(Crs::Gcj02.to_wgs84(paris), paris);
        assert_eq!(wgs84_to_gcj02(paris), paris);
    }
}
