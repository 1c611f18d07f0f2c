//! Tracking codes: what a resident is given to follow a case without an
//! account. Twelve characters of Crockford's base32 (60 random bits), so
//! that a code read out on the phone survives: no I, L, O or U, any case,
//! hyphens and spaces ignored, and I and L read as 1, O as 0, as Crockford
//! decodes them.

use std::fmt;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LENGTH: usize = 12;

/// A well-formed tracking code, in its canonical form (upper case, no hyphens).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackingCode(String);

impl TrackingCode {
    /// A fresh code from 60 random bits.
    pub fn generate() -> Self {
        let random = u128::from_be_bytes(*uuid::Uuid::new_v4().as_bytes());
        // A version-4 UUID's top 48 bits are random.
        let mut bits = (random >> 68) as u64;
        let mut code = String::with_capacity(LENGTH);
        for _ in 0..LENGTH {
            code.push(ALPHABET[(bits & 31) as usize] as char);
            bits >>= 5;
        }
        Self(code)
    }

    /// The code as a resident may type or say it, or `None` when it cannot
    /// be one (the caller answers an unknown and a malformed code alike).
    pub fn parse(input: &str) -> Option<Self> {
        let mut code = String::with_capacity(LENGTH);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' => continue,
                'I' | 'L' => '1',
                'O' => '0',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => return None,
            };
            if code.len() == LENGTH {
                return None;
            }
            code.push(c);
        }
        (code.len() == LENGTH).then_some(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::TrackingCode;

    #[test]
    fn a_fresh_code_is_twelve_characters_of_the_alphabet_and_reads_back() {
        let code = TrackingCode::generate();
        assert_eq!(code.as_str().len(), 12);
        assert!(code.as_str().chars().all(|c| c.is_ascii_digit() || "ABCDEFGHJKMNPQRSTVWXYZ".contains(c)));
        assert_eq!(TrackingCode::parse(code.as_str()), Some(code.clone()));
        assert_ne!(TrackingCode::generate(), code, "60 random bits");
    }

    #[test]
    fn a_code_is_read_as_a_resident_types_or_says_it() {
        let code = TrackingCode::parse("7K2M9Q4RXW1Z").unwrap();
        assert_eq!(TrackingCode::parse("7k2m-9q4r-xw1z"), Some(code.clone()));
        assert_eq!(TrackingCode::parse("7K2M 9Q4R XWIZ"), Some(code.clone()), "I read as 1");
        assert_eq!(TrackingCode::parse("7K2M9Q4RXWlZ"), Some(code), "l read as 1");
        assert_eq!(TrackingCode::parse("O000000000O0").unwrap().as_str(), "000000000000");
    }

    #[test]
    fn anything_else_is_no_code() {
        for bad in ["", "7K2M9Q4RXW1", "7K2M9Q4RXW1ZZ", "7K2M9Q4RXW1U", "7K2M9Q4RXW1!", "七K2M9Q4RXW1Z"] {
            assert_eq!(TrackingCode::parse(bad), None, "{bad}");
        }
    }
}
