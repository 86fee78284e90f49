//! The container credentials endpoint's fetch: one GET of the URI the
//! environment names, with its authorization token, within the time the
//! calling attempt has left. What the URI may be and how the answer reads
//! are `credentials.rs`'s; when to fetch is `credentials::Cache`'s.
//!
//! The answer holds a secret key: the caller marks its thread as in an AWS
//! call (`client::QuietWire`), so ureq's byte dumps of it are dropped.

use std::time::Duration;

use ureq::Agent;

use crate::aws::credentials::{self, Credentials, Source, Token};
use crate::aws::error::Error;

/// GETs the container endpoint's credentials through `agent`, within
/// `budget` (and 5 s at most, as the SDKs wait).
pub fn fetch(
    agent: &Agent,
    source: &Source,
    budget: Option<Duration>,
) -> Result<Credentials, Error> {
    let Source::Container { uri, token } = source else {
        unreachable!("only container credentials are fetched")
    };
    credentials::check_container_uri(uri)?;
    let token = match token {
        None => None,
        Some(Token::Value(v)) => Some(v.clone()),
        Some(Token::File(path)) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| {
                    Error::Credentials(format!(
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '{path}' cannot be read: {e}"
                    ))
                })?
                .trim()
                .to_string(),
        ),
    };
    let limit = Duration::from_secs(5).min(budget.unwrap_or(Duration::MAX));
    let mut request = agent
        .get(uri)
        .config()
        .http_status_as_error(false)
        .timeout_global(Some(limit))
        .build();
    if let Some(token) = &token {
        request = request.header("Authorization", token);
    }
    let failed = |e: ureq::Error| {
        Error::Credentials(format!(
            "the container credentials endpoint '{uri}' could not be reached: {e}"
        ))
    };
    let mut response = request.call().map_err(failed)?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_vec().map_err(failed)?;
    if status != 200 {
        return Err(Error::Credentials(format!(
            "the container credentials endpoint '{uri}' answered {status}"
        )));
    }
    credentials::parse_container_answer(&body)
}
