//! Rules for values people type. Each returns the cleaned value or says,
//! in a sentence fit for a client, what is wrong.

/// 3 to 64 characters: lower-case letters, digits, `_`, `.`, `-`.
///
/// # Errors
/// What is wrong with it.
pub fn username(raw: &str) -> Result<String, &'static str> {
    let ok_len = (3..=64).contains(&raw.len());
    let ok_chars = raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'));
    if ok_len && ok_chars {
        Ok(raw.to_owned())
    } else {
        Err("must be 3 to 64 characters of a-z, 0-9, '_', '.' or '-'")
    }
}

/// 8 to 256 characters.
///
/// # Errors
/// What is wrong with it.
pub fn password(raw: &str) -> Result<&str, &'static str> {
    match raw.chars().count() {
        0..=7 => Err("must be at least 8 characters"),
        257.. => Err("must be at most 256 characters"),
        _ => Ok(raw),
    }
}

/// Trimmed, 1 to `max` characters.
///
/// # Errors
/// What is wrong with it.
pub fn text(raw: &str, max: usize) -> Result<String, &'static str> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        Err("must not be empty")
    } else if trimmed.chars().count() > max {
        Err("is too long")
    } else {
        Ok(trimmed.to_owned())
    }
}

/// Like [`text`], and on one line: no tab, LF or CR (names, addresses).
///
/// # Errors
/// What is wrong with it.
pub fn line(raw: &str, max: usize) -> Result<String, &'static str> {
    if raw.contains(['\t', '\n', '\r']) {
        return Err("must be one line: no tab, line feed or carriage return");
    }
    text(raw, max)
}

/// A code such as `JD-01-C02`: 1 to 64 characters of letters, digits, `_`, `-`, `.`.
///
/// # Errors
/// What is wrong with it.
pub fn code(raw: &str) -> Result<String, &'static str> {
    let ok = (1..=64).contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(raw.to_owned())
    } else {
        Err("must be 1 to 64 characters of letters, digits, '_', '-' or '.'")
    }
}

/// A phone number: 3 to 32 characters of digits, spaces, `+`, `-`, `(`, `)`.
///
/// # Errors
/// What is wrong with it.
pub fn phone(raw: &str) -> Result<String, &'static str> {
    let trimmed = raw.trim();
    let digits = trimmed.bytes().filter(u8::is_ascii_digit).count();
    let ok_chars = trimmed.bytes().all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'+' | b'-' | b'(' | b')'));
    if ok_chars && digits >= 3 && trimmed.len() <= 32 {
        Ok(trimmed.to_owned())
    } else {
        Err("must be a phone number: digits, spaces, '+', '-', '(' or ')'")
    }
}

/// An e-mail address as people type it: one `@`, a dotted domain, no spaces.
pub fn email(raw: &str) -> Result<String, &'static str> {
    let trimmed = raw.trim();
    let well_formed = trimmed.len() <= 254
        && !trimmed.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
        && matches!(trimmed.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.contains('@') && domain.contains('.')
                && !domain.starts_with('.') && !domain.ends_with('.'));
    if well_formed {
        Ok(trimmed.to_owned())
    } else {
        Err("must be an e-mail address such as name@example.com")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(username("worker1").is_ok());
        assert!(username("Worker1").is_err());
        assert!(username("ab").is_err());
    }

    #[test]
    fn single_line_fields_refuse_tabs_and_line_breaks() {
        assert_eq!(line(" 和平路 5 号 ", 200).unwrap(), "和平路 5 号");
        assert!(line("a\tb", 200).is_err());
        assert!(line("a\nb", 200).is_err());
        assert!(text("a\nb", 200).is_ok());
    }

    #[test]
    fn passwords_and_phones() {
        assert!(password("short").is_err());
        assert!(password("long enough").is_ok());
        assert_eq!(phone(" 138 0013 8000 ").unwrap(), "138 0013 8000");
        assert!(phone("call me").is_err());
    }
}
