//! Boundaries are stored as GeoJSON geometry text.

use gridline_domain::geo::{Boundary, Polygon, Position};
use serde_json::{json, Value};

pub(crate) fn encode(boundary: &Boundary) -> String {
    let polygon = |p: &Polygon| -> Value {
        Value::Array(
            p.rings.iter().map(|r| Value::Array(r.iter().map(|pos| json!([pos.lon, pos.lat])).collect())).collect(),
        )
    };
    match boundary {
        Boundary::Polygon(p) => json!({"type": "Polygon", "coordinates": polygon(p)}),
        Boundary::MultiPolygon(ps) => {
            json!({"type": "MultiPolygon", "coordinates": ps.iter().map(polygon).collect::<Vec<_>>()})
        }
    }
    .to_string()
}

pub(crate) fn decode(text: &str) -> anyhow::Result<Boundary> {
    let value: Value = serde_json::from_str(text)?;
    let polygon = |v: &Value| -> anyhow::Result<Polygon> {
        let rings = v.as_array().ok_or_else(|| anyhow::anyhow!("polygon is not an array"))?;
        let rings = rings
            .iter()
            .map(|ring| {
                ring.as_array()
                    .ok_or_else(|| anyhow::anyhow!("ring is not an array"))?
                    .iter()
                    .map(|pos| {
                        let lon = pos.get(0).and_then(Value::as_f64);
                        let lat = pos.get(1).and_then(Value::as_f64);
                        match (lon, lat) {
                            (Some(lon), Some(lat)) => Ok(Position { lon, lat }),
                            _ => Err(anyhow::anyhow!("bad position")),
                        }
                    })
                    .collect::<anyhow::Result<Vec<_>>>()
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Polygon { rings })
    };
    let coordinates = &value["coordinates"];
    match value["type"].as_str() {
        Some("Polygon") => Ok(Boundary::Polygon(polygon(coordinates)?)),
        Some("MultiPolygon") => Ok(Boundary::MultiPolygon(
            coordinates
                .as_array()
                .ok_or_else(|| anyhow::anyhow!("coordinates is not an array"))?
                .iter()
                .map(polygon)
                .collect::<anyhow::Result<_>>()?,
        )),
        other => Err(anyhow::anyhow!("unsupported geometry type {other:?}")),
    }
}
