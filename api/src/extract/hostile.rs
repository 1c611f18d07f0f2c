//! Characters no field of Gridline may hold: NUL and the other C0 controls
//! except tab, LF and CR, DEL, the C1 controls, and the bidirectional
//! overrides and isolates that make text read differently from what it is.
//! They are refused wherever text enters: bodies, paths and queries.

use gridline_openapi::FieldError;
use serde_json::Value;

/// Whether `c` may never appear in any text.
pub fn forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// What is wrong with `text`, if it holds a forbidden character.
pub fn fault(text: &str) -> Option<String> {
    text.chars().find(|c| forbidden(*c)).map(|c| {
        format!("must not contain control or bidirectional-override characters (found U+{:04X})", u32::from(c))
    })
}

/// Every string (and object key) of a JSON body holding a forbidden character.
pub fn scan(value: &Value, pointer: &mut String, errors: &mut Vec<FieldError>) {
    match value {
        Value::String(s) => {
            if let Some(detail) = fault(s) {
                errors.push(FieldError::pointer(pointer.clone(), detail));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                scan(item, pointer, errors);
                pointer.truncate(len);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let len = pointer.len();
                pointer.push('/');
                // A key's refused characters are named, not echoed.
                pointer.push_str(&escape_refused(&key.replace('~', "~0").replace('/', "~1")));
                if let Some(detail) = fault(key) {
                    errors.push(FieldError::pointer(pointer.clone(), detail));
                } else {
                    scan(item, pointer, errors);
                }
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// Query parameters (decoded) holding a forbidden character, by name.
pub fn scan_query(query: &str) -> Vec<FieldError> {
    form_urlencoded::parse(query.as_bytes())
        .filter_map(|(name, value)| {
            fault(&name).or_else(|| fault(&value)).map(|detail| {
                let name: String = name.chars().filter(|c| !forbidden(*c)).take(64).collect();
                FieldError::parameter(name, detail)
            })
        })
        .collect()
}

/// `key` with each refused character written as `\u{XXXX}`.
fn escape_refused(key: &str) -> String {
    key.chars().map(|c| if forbidden(c) { format!("\\u{{{:04X}}}", u32::from(c)) } else { c.to_string() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_overrides_are_forbidden_but_tab_and_newlines_are_not() {
        for c in ['\u{0}', '\u{1b}', '\u{7f}', '\u{85}', '\u{202e}', '\u{2066}'] {
            assert!(forbidden(c), "{c:?}");
        }
        for c in ['\t', '\n', '\r', 'a', '中', '\u{200b}'] {
            assert!(!forbidden(c), "{c:?}");
        }
    }

    #[test]
    fn the_scan_points_at_the_field() {
        let body = serde_json::json!({"a": {"b": ["ok", "bad\u{0}"]}});
        let mut errors = Vec::new();
        scan(&body, &mut String::new(), &mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].pointer.as_deref(), Some("/a/b/1"));
    }
}
