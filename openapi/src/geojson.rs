//! The GeoJSON (RFC 7946) shapes Gridline accepts and returns.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A Polygon or MultiPolygon geometry; positions are `[longitude, latitude]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Geometry {
    Polygon {
        #[schema(value_type = Vec<Vec<Vec<f64>>>)]
        coordinates: Vec<Vec<Vec<f64>>>,
    },
    MultiPolygon {
        #[schema(value_type = Vec<Vec<Vec<Vec<f64>>>>)]
        coordinates: Vec<Vec<Vec<Vec<f64>>>>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FeatureCollection {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    pub type_: String,
    pub features: Vec<Feature>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Feature {
    /// `Feature`.
    #[serde(rename = "type")]
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
