//! Token-signing keys: Ed25519, kept in the database so that every node signs
//! and verifies with the same keys, private parts encrypted under the
//! installation's secret.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use gridline_domain::auth::SigningKey;
use gridline_openapi::auth::Jwk;
use jsonwebtoken::{DecodingKey, EncodingKey};
use ring::{
    aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN},
    signature::{Ed25519KeyPair, KeyPair},
};

use super::secrets::{base64url, random_bytes, token_hash};

const AAD: &[u8] = b"gridline signing key v1";

struct Loaded {
    kid: String,
    public: Vec<u8>,
    signer: Option<Arc<EncodingKey>>,
    verifier: Arc<DecodingKey>,
}

/// The keys this node signs and verifies with, reloaded when any node rotates.
pub struct KeyRing {
    cipher: LessSafeKey,
    keys: RwLock<Vec<Loaded>>,
    /// Signs links that open a page without a bearer header (the weekly review's).
    links: ring::hmac::Key,
}

impl KeyRing {
    /// A ring whose private keys are sealed under `secret`.
    pub fn new(secret: &[u8]) -> Self {
        let key = ring::digest::digest(&ring::digest::SHA256, secret);
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, key.as_ref()).expect("a SHA-256 digest is a valid key");
        let link_secret =
            ring::digest::digest(&ring::digest::SHA256, &[b"gridline-links/".as_slice(), secret].concat());
        let links = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, link_secret.as_ref());
        Self { cipher: LessSafeKey::new(unbound), keys: RwLock::new(Vec::new()), links }
    }

    /// A link signature over `message`, base64url.
    pub fn sign_link(&self, message: &str) -> String {
        super::secrets::base64url(ring::hmac::sign(&self.links, message.as_bytes()).as_ref())
    }

    /// Whether `signature` is this installation's over `message` (in constant time).
    pub fn verify_link(&self, message: &str, signature: &str) -> bool {
        use base64::Engine;
        let Ok(tag) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature) else { return false };
        ring::hmac::verify(&self.links, message.as_bytes(), &tag).is_ok()
    }

    /// A fresh key, private part sealed, ready to store.
    ///
    /// # Errors
    /// When key generation fails.
    pub fn generate(&self, at: DateTime<Utc>) -> anyhow::Result<SigningKey> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 =
            Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| anyhow::anyhow!("Ed25519 key generation failed"))?;
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| anyhow::anyhow!("Ed25519 key rejected"))?;
        let public = pair.public_key().as_ref().to_vec();
        let kid = base64url(&token_hash(&base64url(&public))[..12]);
        Ok(SigningKey {
            kid,
            public_key: public,
            private_key_encrypted: self.seal(pkcs8.as_ref())?,
            created_at: at,
            retired_at: None,
        })
    }

    /// Seals a secret to store (a webhook's): only nodes with this
    /// installation's secret key open it.
    pub(crate) fn seal_secret(&self, plain: &[u8]) -> anyhow::Result<Vec<u8>> {
        self.seal(plain)
    }

    pub(crate) fn open_secret(&self, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        self.open(sealed)
    }

    fn seal(&self, plain: &[u8]) -> anyhow::Result<Vec<u8>> {
        let nonce = random_bytes::<NONCE_LEN>();
        let mut buf = plain.to_vec();
        self.cipher
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(AAD), &mut buf)
            .map_err(|_| anyhow::anyhow!("sealing the signing key failed"))?;
        Ok([nonce.as_slice(), &buf].concat())
    }

    fn open(&self, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            anyhow::bail!("sealed key too short");
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| anyhow::anyhow!("bad nonce"))?;
        let mut buf = body.to_vec();
        let plain = self.cipher.open_in_place(nonce, Aad::from(AAD), &mut buf).map_err(|_| {
            anyhow::anyhow!(
                "cannot decrypt the token-signing key: GRIDLINE_SECRET_KEY differs from the one it was sealed under \
                 (every node of an installation needs the same secret)"
            )
        })?;
        Ok(plain.to_vec())
    }

    /// Replaces the ring with the stored keys that still verify: the current
    /// one (which also signs) and those retired less than `verify_for` ago.
    ///
    /// # Errors
    /// When the current key cannot be decrypted.
    pub fn load(
        &self,
        stored: Vec<SigningKey>,
        now: DateTime<Utc>,
        verify_for: chrono::Duration,
    ) -> anyhow::Result<()> {
        let mut loaded = Vec::new();
        for key in stored {
            let signer = match key.retired_at {
                None => Some(Arc::new(EncodingKey::from_ed_der(&self.open(&key.private_key_encrypted)?))),
                Some(at) if now - at <= verify_for => None,
                Some(_) => continue,
            };
            loaded.push(Loaded {
                verifier: Arc::new(DecodingKey::from_ed_der(&key.public_key)),
                kid: key.kid,
                public: key.public_key,
                signer,
            });
        }
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = loaded;
        Ok(())
    }

    /// The key to sign with: the current one.
    pub fn signer(&self) -> Option<(String, Arc<EncodingKey>)> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        keys.iter().find_map(|k| k.signer.clone().map(|s| (k.kid.clone(), s)))
    }

    pub fn verifier(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        keys.iter().find(|k| k.kid == kid).map(|k| k.verifier.clone())
    }

    /// The public keys, as published at `/.well-known/jwks.json`.
    pub fn jwks(&self) -> Vec<Jwk> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        keys.iter()
            .map(|k| Jwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                x: base64url(&k.public),
                kid: k.kid.clone(),
                alg: "EdDSA".into(),
                use_: "sig".into(),
            })
            .collect()
    }
}
