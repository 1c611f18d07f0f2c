//! Grid boundaries: polygons in WGS 84 (longitude, latitude), their validation,
//! and point location.

use thiserror::Error;

/// A position as GeoJSON orders it: longitude, then latitude.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    pub lon: f64,
    pub lat: f64,
}

/// A closed ring: first and last positions equal, at least four positions.
pub type Ring = Vec<Position>;

/// An outer ring followed by any holes.
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    pub rings: Vec<Ring>,
}

/// A boundary: a polygon, or several (a grid split by a road or a river).
#[derive(Debug, Clone, PartialEq)]
pub enum Boundary {
    Polygon(Polygon),
    MultiPolygon(Vec<Polygon>),
}

/// Why a boundary was refused; `path` locates the fault inside the geometry
/// (e.g. `coordinates/0/3`) so callers can build a JSON Pointer.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{path}: {problem}")]
pub struct GeometryError {
    pub path: String,
    pub problem: String,
}

fn fault(path: String, problem: impl Into<String>) -> GeometryError {
    GeometryError { path, problem: problem.into() }
}

impl Boundary {
    /// Checks every ring: coordinates in range, closed, at least four
    /// positions, not self-intersecting.
    ///
    /// # Errors
    /// The first fault found, with its path.
    pub fn validate(&self) -> Result<(), GeometryError> {
        match self {
            Self::Polygon(p) => validate_polygon(p, "coordinates"),
            Self::MultiPolygon(ps) => {
                if ps.is_empty() {
                    return Err(fault("coordinates".into(), "a MultiPolygon needs at least one polygon"));
                }
                ps.iter().enumerate().try_for_each(|(i, p)| validate_polygon(p, &format!("coordinates/{i}")))
            }
        }
    }

    pub fn polygons(&self) -> &[Polygon] {
        match self {
            Self::Polygon(p) => std::slice::from_ref(p),
            Self::MultiPolygon(ps) => ps,
        }
    }

    /// Whether the point lies inside (holes excluded; points on an edge may go either way).
    pub fn contains(&self, point: Position) -> bool {
        self.polygons().iter().any(|p| p.contains(point))
    }

    /// The bounding box: (min lon, min lat, max lon, max lat).
    pub fn bbox(&self) -> BBox {
        let mut b = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        for p in self.polygons() {
            for pos in p.rings.first().into_iter().flatten() {
                b = (b.0.min(pos.lon), b.1.min(pos.lat), b.2.max(pos.lon), b.3.max(pos.lat));
            }
        }
        b
    }

    /// Planar area in square degrees; only for choosing the smaller of two
    /// overlapping grids.
    pub fn area(&self) -> f64 {
        self.polygons()
            .iter()
            .map(|p| {
                let mut rings = p.rings.iter();
                let outer = rings.next().map_or(0.0, |r| ring_area(r).abs());
                outer - rings.map(|r| ring_area(r).abs()).sum::<f64>()
            })
            .sum()
    }
}

/// Metres per degree of latitude, near enough for a tolerance of metres.
const METRES_PER_DEGREE: f64 = 111_320.0;

/// The great-circle distance between two points, in metres (haversine on a
/// sphere of the Earth's mean radius: within 0.5% of the ellipsoid).
pub fn distance_m(a: Position, b: Position) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let (dlat, dlon) = ((b.lat - a.lat).to_radians(), (b.lon - a.lon).to_radians());
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().asin()
}

/// The box around `center` that holds every point within `radius_m`.
pub fn box_around(center: Position, radius_m: f64) -> BBox {
    let dlat = radius_m / METRES_PER_DEGREE;
    let dlon = radius_m / (METRES_PER_DEGREE * center.lat.to_radians().cos().max(0.01));
    (center.lon - dlon, center.lat - dlat, center.lon + dlon, center.lat + dlat)
}

impl Boundary {
    /// How far the point lies outside the boundary, in metres (0 inside).
    pub fn distance_m(&self, point: Position) -> f64 {
        if self.contains(point) {
            return 0.0;
        }
        self.polygons()
            .iter()
            .flat_map(|p| p.rings.iter())
            .flat_map(|r| r.windows(2))
            .map(|w| segment_distance_m(point, w[0], w[1]))
            .fold(f64::INFINITY, f64::min)
    }
}

/// Distance from `p` to the segment a–b on a local flat projection around `p`.
fn segment_distance_m(p: Position, a: Position, b: Position) -> f64 {
    let k = p.lat.to_radians().cos();
    let project = |q: Position| ((q.lon - p.lon) * k * METRES_PER_DEGREE, (q.lat - p.lat) * METRES_PER_DEGREE);
    let ((ax, ay), (bx, by)) = (project(a), project(b));
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 { 0.0 } else { (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0) };
    let (cx, cy) = (ax + t * dx, ay + t * dy);
    (cx * cx + cy * cy).sqrt()
}

impl Polygon {
    pub fn contains(&self, point: Position) -> bool {
        let mut rings = self.rings.iter();
        match rings.next() {
            Some(outer) if ring_contains(outer, point) => !rings.any(|hole| ring_contains(hole, point)),
            _ => false,
        }
    }
}

fn validate_polygon(p: &Polygon, path: &str) -> Result<(), GeometryError> {
    if p.rings.is_empty() {
        return Err(fault(path.to_owned(), "a polygon needs an outer ring"));
    }
    for (i, ring) in p.rings.iter().enumerate() {
        let ring_path = format!("{path}/{i}");
        for (j, pos) in ring.iter().enumerate() {
            if !(pos.lon.is_finite() && (-180.0..=180.0).contains(&pos.lon)) {
                return Err(fault(format!("{ring_path}/{j}/0"), "longitude must be between -180 and 180"));
            }
            if !(pos.lat.is_finite() && (-90.0..=90.0).contains(&pos.lat)) {
                return Err(fault(format!("{ring_path}/{j}/1"), "latitude must be between -90 and 90"));
            }
        }
        if ring.len() < 4 {
            return Err(fault(ring_path, "a ring needs at least four positions"));
        }
        if ring.first() != ring.last() {
            return Err(fault(ring_path, "the ring is not closed: its last position must equal its first"));
        }
        if let Some((a, b)) = self_intersection(ring) {
            return Err(fault(ring_path, format!("the ring intersects itself (edges {a} and {b})")));
        }
        if ring_area(ring) == 0.0 {
            return Err(fault(ring_path, "the ring encloses no area"));
        }
    }
    Ok(())
}

/// Shoelace formula: twice the signed area, halved.
fn ring_area(ring: &[Position]) -> f64 {
    ring.windows(2).map(|w| w[0].lon * w[1].lat - w[1].lon * w[0].lat).sum::<f64>() / 2.0
}

fn ring_contains(ring: &[Position], p: Position) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (a.lat > p.lat) != (b.lat > p.lat) {
            let x = a.lon + (p.lat - a.lat) / (b.lat - a.lat) * (b.lon - a.lon);
            if p.lon < x {
                inside = !inside;
            }
        }
    }
    inside
}

/// The first pair of non-adjacent edges that touch or cross, if any.
fn self_intersection(ring: &[Position]) -> Option<(usize, usize)> {
    let edges = ring.len() - 1;
    for i in 0..edges {
        for j in i + 1..edges {
            let adjacent = j == i + 1 || (i == 0 && j == edges - 1);
            if adjacent {
                // Adjacent edges share an end; they are faulty only if they fold back onto each other.
                if collinear_overlap(ring[i], ring[i + 1], ring[j], ring[j + 1]) {
                    return Some((i, j));
                }
                continue;
            }
            if segments_intersect(ring[i], ring[i + 1], ring[j], ring[j + 1]) {
                return Some((i, j));
            }
        }
    }
    None
}

fn orient(a: Position, b: Position, c: Position) -> f64 {
    (b.lon - a.lon) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lon - a.lon)
}

fn on_segment(a: Position, b: Position, p: Position) -> bool {
    p.lon >= a.lon.min(b.lon) && p.lon <= a.lon.max(b.lon) && p.lat >= a.lat.min(b.lat) && p.lat <= a.lat.max(b.lat)
}

fn segments_intersect(p1: Position, p2: Position, p3: Position, p4: Position) -> bool {
    let d1 = orient(p3, p4, p1);
    let d2 = orient(p3, p4, p2);
    let d3 = orient(p1, p2, p3);
    let d4 = orient(p1, p2, p4);
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0)) && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0)) {
        return true;
    }
    (d1 == 0.0 && on_segment(p3, p4, p1))
        || (d2 == 0.0 && on_segment(p3, p4, p2))
        || (d3 == 0.0 && on_segment(p1, p2, p3))
        || (d4 == 0.0 && on_segment(p1, p2, p4))
}

fn collinear_overlap(a: Position, b: Position, c: Position, d: Position) -> bool {
    // Edges a-b and c-d share one end; they overlap when all four points are
    // collinear and the edges point back along each other.
    if orient(a, b, c) != 0.0 || orient(a, b, d) != 0.0 {
        return false;
    }
    let dot = (b.lon - a.lon) * (d.lon - c.lon) + (b.lat - a.lat) * (d.lat - c.lat);
    dot < 0.0
}

/// (min lon, min lat, max lon, max lat).
pub type BBox = (f64, f64, f64, f64);

/// Grids by boundary, in memory, for locating a point without a table scan.
#[derive(Debug, Default, Clone)]
pub struct GridIndex {
    entries: Vec<(uuid::Uuid, BBox, Boundary)>,
}

impl GridIndex {
    pub fn new(grids: impl IntoIterator<Item = (uuid::Uuid, Boundary)>) -> Self {
        let mut entries: Vec<_> = grids.into_iter().map(|(id, b)| (id, b.bbox(), b)).collect();
        // Smallest first, so a point in two overlapping grids goes to the finer one.
        entries.sort_by(|a, b| a.2.area().total_cmp(&b.2.area()).then(a.0.cmp(&b.0)));
        Self { entries }
    }

    /// The grid containing the point, if any.
    pub fn locate(&self, point: Position) -> Option<uuid::Uuid> {
        self.entries
            .iter()
            .filter(|(_, (x0, y0, x1, y1), _)| {
                point.lon >= *x0 && point.lon <= *x1 && point.lat >= *y0 && point.lat <= *y1
            })
            .find(|(_, _, b)| b.contains(point))
            .map(|(id, _, _)| *id)
    }

    /// The boundary of one grid, if it has one.
    pub fn boundary(&self, id: uuid::Uuid) -> Option<&Boundary> {
        self.entries.iter().find(|(g, _, _)| *g == id).map(|(_, _, b)| b)
    }

    /// Grids within `tolerance_m` of the point, nearest first, with their distance.
    pub fn near(&self, point: Position, tolerance_m: f64) -> Vec<(uuid::Uuid, f64)> {
        let margin_lat = tolerance_m / METRES_PER_DEGREE;
        let margin_lon = margin_lat / point.lat.to_radians().cos().max(0.01);
        let mut found: Vec<(uuid::Uuid, f64)> = self
            .entries
            .iter()
            .filter(|(_, (x0, y0, x1, y1), _)| {
                point.lon >= x0 - margin_lon
                    && point.lon <= x1 + margin_lon
                    && point.lat >= y0 - margin_lat
                    && point.lat <= y1 + margin_lat
            })
            .map(|(id, _, b)| (*id, b.distance_m(point)))
            .filter(|(_, d)| *d <= tolerance_m)
            .collect();
        found.sort_by(|a, b| a.1.total_cmp(&b.1));
        found
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(points: &[(f64, f64)]) -> Ring {
        points.iter().map(|&(lon, lat)| Position { lon, lat }).collect()
    }

    fn square() -> Boundary {
        Boundary::Polygon(Polygon { rings: vec![ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)])] })
    }

    #[test]
    fn a_closed_square_is_valid_and_contains_its_centre() {
        let b = square();
        assert_eq!(b.validate(), Ok(()));
        assert!(b.contains(Position { lon: 0.5, lat: 0.5 }));
        assert!(!b.contains(Position { lon: 1.5, lat: 0.5 }));
    }

    #[test]
    fn distance_outside_a_boundary_is_in_metres_and_zero_inside() {
        let b = square();
        assert_eq!(b.distance_m(Position { lon: 0.5, lat: 0.5 }), 0.0);
        // 0.0002 degrees of latitude south of the edge: about 22 m.
        let d = b.distance_m(Position { lon: 0.5, lat: -0.0002 });
        assert!((d - 22.264).abs() < 0.1, "{d}");
        let index = GridIndex::new([(uuid::Uuid::from_u128(1), square())]);
        assert_eq!(index.near(Position { lon: 0.5, lat: -0.0002 }, 30.0).len(), 1);
        assert!(index.near(Position { lon: 0.5, lat: -0.0004 }, 30.0).is_empty());
    }

    #[test]
    fn an_unclosed_ring_is_refused() {
        let b = Boundary::Polygon(Polygon { rings: vec![ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)])] });
        let err = b.validate().unwrap_err();
        assert_eq!(err.path, "coordinates/0");
        assert!(err.problem.contains("not closed"));
    }

    #[test]
    fn a_bow_tie_is_refused() {
        let b = Boundary::Polygon(Polygon {
            rings: vec![ring(&[(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)])],
        });
        assert!(b.validate().unwrap_err().problem.contains("intersects itself"));
    }

    #[test]
    fn a_point_in_a_hole_is_outside() {
        let b = Boundary::Polygon(Polygon {
            rings: vec![
                ring(&[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)]),
                ring(&[(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 2.0), (1.0, 1.0)]),
            ],
        });
        assert_eq!(b.validate(), Ok(()));
        assert!(!b.contains(Position { lon: 1.5, lat: 1.5 }));
        assert!(b.contains(Position { lon: 3.0, lat: 3.0 }));
    }

    #[test]
    fn the_index_finds_the_grid() {
        let id = uuid::Uuid::new_v4();
        let index = GridIndex::new([(id, square())]);
        assert_eq!(index.locate(Position { lon: 0.2, lat: 0.7 }), Some(id));
        assert_eq!(index.locate(Position { lon: 2.0, lat: 0.7 }), None);
    }
}
