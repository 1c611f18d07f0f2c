//! Who is calling: passwords, signing keys, access tokens, API keys, and the
//! extractor that turns a request's credentials into a [`Principal`].

mod extractor;
mod keyring;
mod passwords;
pub(crate) mod secrets;
mod throttle;
mod tokens;
mod verified;

pub use extractor::Auth;
pub(crate) use extractor::StreamCaller;
pub use keyring::KeyRing;
pub use passwords::Passwords;
pub(crate) use throttle::LoginThrottle;
pub use tokens::{issue_access_token, verify_access_token, AccessClaims, AUDIENCE, LEEWAY_SECS};
pub(crate) use verified::VerifiedTokens;

use gridline_domain::{
    identity::Principal,
    policy::{authorize, Action, Decision},
};

use crate::error::ApiError;

/// Asks the policy; a refusal becomes 404 (not visible) or 403.
///
/// # Errors
/// [`ApiError::NotFound`] or [`ApiError::Forbidden`].
pub fn require(principal: &Principal, action: Action) -> Result<(), ApiError> {
    match authorize(principal, action) {
        Decision::Allow => Ok(()),
        Decision::NotVisible => Err(ApiError::NotFound),
        Decision::Forbidden => Err(ApiError::Forbidden("you may not do this".into())),
    }
}
