//! Extractors that turn every malformed input into a problem+json answer
//! naming the field or parameter at fault.

pub mod hostile;
mod json;
mod limits;
mod path;
mod query;

pub use json::{canonical_digest, parse as parse_json, BodyLimit, ValidJson};
pub use limits::BodySchemas;
pub use path::{path_error, path_text, path_uuid};
pub use query::ValidQuery;

/// Turns a `serde_path_to_error` path (`location.lat`, `items[0].name`) and
/// the error message into a JSON Pointer. Serde reports a missing field at
/// its parent, so that field's name is taken from the message.
pub(crate) fn pointer_for(path: &str, message: &str) -> String {
    let mut pointer = String::new();
    if path != "." {
        for segment in path.split('.') {
            let mut rest = segment;
            if let Some(i) = rest.find('[') {
                push_segment(&mut pointer, &rest[..i]);
                rest = &rest[i..];
                while let Some(end) = rest.find(']') {
                    push_segment(&mut pointer, &rest[1..end]);
                    rest = &rest[end + 1..];
                }
            } else {
                push_segment(&mut pointer, rest);
            }
        }
    }
    if let Some(field) = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
        push_segment(&mut pointer, field);
    }
    pointer
}

fn push_segment(pointer: &mut String, segment: &str) {
    if segment.is_empty() {
        return;
    }
    pointer.push('/');
    pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
}

/// The field a "missing field `x`" or "unknown field `x`" message names.
pub(crate) fn field_named_in(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `").or_else(|| message.strip_prefix("unknown field `"))?;
    rest.split('`').next()
}

/// The message without serde's position suffix (" at line 1 column 20").
pub(crate) fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::pointer_for;

    #[test]
    fn paths_become_json_pointers() {
        assert_eq!(pointer_for("location.lat", "invalid type"), "/location/lat");
        assert_eq!(pointer_for("items[0].name", "invalid type"), "/items/0/name");
        assert_eq!(pointer_for("location", "missing field `lat`"), "/location/lat");
        assert_eq!(pointer_for(".", "missing field `description`"), "/description");
        assert_eq!(pointer_for("active", "unknown field `active`, expected one of"), "/active");
        assert_eq!(pointer_for(".", "invalid type: integer"), "");
    }
}
