//! Tokens made by hand, to attack the server with: signed with the server's
//! real key but wrong claims, with another key, with HS256, or with none.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use gridline_api::auth::KeyRing;
use gridline_persistence::{Database, DbOptions};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;

use crate::Ctx;

/// The server's current signing key, read the way a node reads it.
pub async fn server_key(ctx: &Ctx) -> (String, EncodingKey) {
    let secret = std::fs::read_to_string(ctx.data_dir().join("secret-key")).expect("the generated secret");
    let db = Database::connect(ctx.database_url(), &DbOptions::default()).await.expect("open the test database");
    let keys = db.store().signing_keys().await.expect("read the signing keys");
    db.close().await;
    let ring = KeyRing::new(secret.trim().as_bytes());
    ring.load(keys, chrono::Utc::now(), chrono::Duration::minutes(20)).expect("decrypt the signing key");
    let (kid, key) = ring.signer().expect("a current key");
    (kid, (*key).clone())
}

/// Signs `claims` with `key` under `kid`, `typ: at+jwt`, EdDSA.
pub fn sign(kid: &str, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some("at+jwt".into());
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, key).expect("sign")
}

/// Decodes the claims of a token without verifying it.
pub fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON claims")
}

/// A token with `alg: none` and no signature.
pub fn unsigned(claims: &Value) -> String {
    let header = serde_json::json!({"alg": "none", "typ": "at+jwt"});
    format!("{}.{}.", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()))
}

/// A token signed with HS256 under a guessable secret.
pub fn hs256(kid: &str, secret: &[u8], claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some("at+jwt".into());
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).expect("sign")
}

/// A fresh Ed25519 key nobody trusts.
pub fn stranger_key() -> EncodingKey {
    let pkcs8 = ring::signature::Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).expect("generate");
    EncodingKey::from_ed_der(pkcs8.as_ref())
}

/// The payload of `token` replaced, its signature kept.
pub fn tampered(token: &str, claims: &Value) -> String {
    let mut parts = token.split('.');
    let (header, _, signature) = (parts.next().unwrap(), parts.next(), parts.next().unwrap());
    format!("{header}.{}.{signature}", URL_SAFE_NO_PAD.encode(claims.to_string()))
}
