//! A body's sizes judged against the OpenAPI document itself: the
//! `maxLength`, `maxItems`, `uniqueItems`, `enum`, `minimum` and `maximum`
//! the document publishes are the ones enforced, before any other work, so
//! the contract and the server cannot drift apart.

use std::collections::HashMap;

use gridline_openapi::FieldError;
use serde_json::Value;

/// The document's component schemas, by name.
#[derive(Debug, Default)]
pub struct BodySchemas {
    schemas: HashMap<String, Value>,
}

/// Nesting deeper than this is not followed (schemas may refer to themselves).
const MAX_DEPTH: usize = 32;

impl BodySchemas {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let value = serde_json::to_value(doc).unwrap_or_default();
        let schemas = value["components"]["schemas"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        Self { schemas }
    }

    /// Every size fault of `value` as the schema `name` describes it.
    pub fn check(&self, name: &str, value: &Value) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(schema) = self.schemas.get(name) {
            self.walk(value, schema, &mut String::new(), &mut errors, 0);
        }
        errors
    }

    fn walk(&self, value: &Value, schema: &Value, pointer: &mut String, errors: &mut Vec<FieldError>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        if let Some(target) = schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
            if let Some(resolved) = self.schemas.get(target) {
                self.walk(value, resolved, pointer, errors, depth + 1);
            }
            return;
        }
        for combinator in ["allOf", "oneOf", "anyOf"] {
            for alternative in schema[combinator].as_array().into_iter().flatten() {
                if value.is_null() || alternative["type"] == "null" {
                    continue;
                }
                self.walk(value, alternative, pointer, errors, depth + 1);
            }
        }
        if let Some(allowed) = schema["enum"].as_array() {
            if !value.is_null() && !allowed.contains(value) {
                let names: Vec<String> =
                    allowed.iter().map(|v| v.as_str().map_or(v.to_string(), str::to_owned)).collect();
                errors.push(FieldError::pointer(pointer.clone(), format!("must be one of: {}", names.join(", "))));
                return;
            }
        }
        match value {
            Value::String(s) => string(s, schema, pointer, errors),
            Value::Number(n) => number(n.as_f64().unwrap_or_default(), schema, pointer, errors),
            Value::Array(items) => {
                // serde would read a struct from an array of its fields in order.
                if schema["type"] == "object" {
                    errors.push(FieldError::pointer(pointer.clone(), "must be an object"));
                    return;
                }
                if !array(items, schema, pointer, errors) {
                    return;
                }
                for (i, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push_str(&format!("/{i}"));
                    self.walk(item, &schema["items"], pointer, errors, depth + 1);
                    pointer.truncate(len);
                }
            }
            Value::Object(fields) => {
                let Some(properties) = schema["properties"].as_object() else { return };
                for (key, item) in fields {
                    if let Some(property) = properties.get(key) {
                        let len = pointer.len();
                        pointer.push('/');
                        pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                        self.walk(item, property, pointer, errors, depth + 1);
                        pointer.truncate(len);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Only the maximum: it is what must be judged before any other work. A
/// minimum (and a pattern) is judged by the handler, together with every other
/// fault of the body, so that one answer lists them all.
fn string(s: &str, schema: &Value, pointer: &str, errors: &mut Vec<FieldError>) {
    let chars = s.chars().count() as u64;
    if let Some(max) = schema["maxLength"].as_u64().filter(|max| chars > *max) {
        errors.push(FieldError::pointer(pointer, format!("must be at most {max} characters")));
    }
}

fn number(n: f64, schema: &Value, pointer: &str, errors: &mut Vec<FieldError>) {
    if let Some(min) = schema["minimum"].as_f64().filter(|min| n < *min) {
        errors.push(FieldError::pointer(pointer, format!("must be at least {min}")));
    } else if let Some(max) = schema["maximum"].as_f64().filter(|max| n > *max) {
        errors.push(FieldError::pointer(pointer, format!("must be at most {max}")));
    }
}

/// Whether the items are worth walking: not too many, none repeated.
fn array(items: &[Value], schema: &Value, pointer: &str, errors: &mut Vec<FieldError>) -> bool {
    if let Some(max) = schema["maxItems"].as_u64().filter(|max| items.len() as u64 > *max) {
        errors.push(FieldError::pointer(pointer, format!("must have at most {max} items")));
        return false;
    }
    if schema["uniqueItems"] == true {
        for (i, item) in items.iter().enumerate() {
            if items[..i].contains(item) {
                errors.push(FieldError::pointer(format!("{pointer}/{i}"), "repeats an earlier item"));
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schemas() -> BodySchemas {
        let mut schemas = HashMap::new();
        schemas.insert(
            "Body".to_owned(),
            json!({"type": "object", "properties": {
                "name": {"type": "string", "maxLength": 3},
                "ids": {"type": "array", "maxItems": 2, "uniqueItems": true, "items": {"type": "string"}},
                "inner": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Inner"}]}
            }}),
        );
        schemas.insert(
            "Inner".to_owned(),
            json!({"type": "object", "properties": {"n": {"type": "integer", "maximum": 5}}}),
        );
        BodySchemas { schemas }
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        assert!(schemas().check("Body", &json!({"name": "网格员"})).is_empty());
        let errors = schemas().check("Body", &json!({"name": "网格员们"}));
        assert_eq!(errors[0].pointer.as_deref(), Some("/name"));
    }

    #[test]
    fn lists_are_bounded_and_free_of_repeats() {
        assert_eq!(schemas().check("Body", &json!({"ids": ["a", "b", "c"]}))[0].pointer.as_deref(), Some("/ids"));
        assert_eq!(schemas().check("Body", &json!({"ids": ["a", "a"]}))[0].pointer.as_deref(), Some("/ids/1"));
    }

    #[test]
    fn references_are_followed() {
        assert_eq!(schemas().check("Body", &json!({"inner": {"n": 6}}))[0].pointer.as_deref(), Some("/inner/n"));
        assert!(schemas().check("Body", &json!({"inner": null})).is_empty());
    }

    #[test]
    fn an_array_where_an_object_is_expected_is_refused() {
        let errors = schemas().check("Body", &json!([null, null]));
        assert_eq!((errors[0].pointer.as_deref(), errors[0].detail.as_str()), (Some(""), "must be an object"));
        assert_eq!(schemas().check("Body", &json!({"inner": [1]}))[0].pointer.as_deref(), Some("/inner"));
    }
}
