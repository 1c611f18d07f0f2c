//! The GeoJSON (RFC 7946) shapes Gridline accepts and returns.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A Polygon or MultiPolygon geometry; positions are `[longitude, latitude]`.
///
/// `coordinates` is read by the server itself rather than by a generic
/// decoder, so that a fault is reported at its exact place
/// (`/boundary/coordinates/0/3`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Geometry {
    /// `Polygon` or `MultiPolygon`.
    #[serde(rename = "type")]
    #[schema(max_length = 32, pattern = "^(Polygon|MultiPolygon)$")]
    pub type_: String,
    /// Polygon: an array of linear rings, each an array of `[lon, lat]`
    /// positions, first equal to last. MultiPolygon: an array of those.
    #[schema(schema_with = coordinates_schema)]
    pub coordinates: serde_json::Value,
}

/// Rings of positions (Polygon) or polygons of them (MultiPolygon): three
/// levels of arrays whose members are a position's numbers or positions.
fn coordinates_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
    let number = || ObjectBuilder::new().schema_type(Type::Number);
    let position = ArrayBuilder::new().items(number()).min_items(Some(2)).max_items(Some(3));
    let member = OneOfBuilder::new().item(number()).item(position);
    ArrayBuilder::new()
        .items(ArrayBuilder::new().items(ArrayBuilder::new().items(member)))
        .description(Some(
            "Polygon: an array of linear rings, each an array of `[lon, lat]` positions, first equal to last. \
             MultiPolygon: an array of those.",
        ))
        .build()
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = crate::examples::import_grids)]
pub struct FeatureCollection {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    #[schema(pattern = "^FeatureCollection$")]
    pub type_: String,
    #[schema(min_items = 1)]
    pub features: Vec<Feature>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Feature {
    /// `Feature`.
    #[serde(rename = "type")]
    #[schema(pattern = "^Feature$")]
    pub type_: String,
    pub geometry: Option<Geometry>,
    pub properties: GridProperties,
}

/// What a grid feature must carry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GridProperties {
    pub code: String,
    pub name: String,
    /// The code of the community the grid belongs to.
    pub parent_code: String,
    #[serde(default)]
    pub responsible_person: Option<String>,
    #[serde(default)]
    pub contact_phone: Option<String>,
}
