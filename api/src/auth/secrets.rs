//! Random tokens and their hashes.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use ring::rand::SecureRandom;

/// Prefix of refresh tokens.
pub const REFRESH_PREFIX: &str = "glr_";
/// Prefix of API keys; lets a key be told from a JWT in `Authorization`.
pub const API_KEY_PREFIX: &str = "glk_";

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS random source failing leaves nothing safe to do but stop.
    ring::rand::SystemRandom::new().fill(&mut bytes).expect("the operating system's random source works");
    bytes
}

/// 256 random bits, base64url, behind a prefix saying what the token is.
pub fn opaque_token(prefix: &str) -> String {
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
}

/// How tokens and keys are stored: their SHA-256. They carry 256 random bits,
/// so a fast hash is enough; a slow one would only slow every request.
pub fn token_hash(token: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, token.as_bytes()).as_ref().to_vec()
}

pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}
