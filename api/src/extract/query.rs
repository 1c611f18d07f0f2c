use actix_web::{dev::Payload, FromRequest, HttpRequest};
use futures::future::{ready, Ready};
use gridline_openapi::FieldError;
use serde::de::DeserializeOwned;

use super::{field_named_in, strip_position};
use crate::error::ApiError;

/// Query parameters; a bad or missing one is a 400 naming the parameter.
/// Like [`ValidJson`](super::ValidJson), the outcome waits in [`ValidQuery::parse`].
pub struct ValidQuery<T>(Result<T, ApiError>);

impl<T> ValidQuery<T> {
    /// # Errors
    /// 400 naming the parameter at fault.
    pub fn parse(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T: DeserializeOwned> FromRequest for ValidQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(ValidQuery(parse(req.query_string()))))
    }
}

pub(crate) fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let hostile = super::hostile::scan_query(query);
    if !hostile.is_empty() {
        return Err(ApiError::InvalidQuery(hostile));
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let message = strip_position(&err.into_inner().to_string());
        let name = match field_named_in(&message) {
            Some(field) => field.to_owned(),
            None if path != "." => path,
            None => "query".to_owned(),
        };
        ApiError::InvalidQuery(vec![FieldError::parameter(name, message)])
    })
}
