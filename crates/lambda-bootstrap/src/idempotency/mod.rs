//! Idempotency, DynamoDB-backed (the cargo feature `idempotency`):
//! Powertools' semantics. A call made again with the same chosen part of
//! its event gets the first call's stored answer instead of running again.
//!
//! ```no_run
//! use std::sync::LazyLock;
//!
//! use lambda_bootstrap::aws::Client;
//! use lambda_bootstrap::idempotency::{Config, Idempotency};
//! use lambda_bootstrap::{Context, HandlerError};
//! use serde_json::{Value, json};
//!
//! static AWS: LazyLock<Client> = LazyLock::new(Client::from_env);
//!
//! pub fn handle(event: Value, ctx: &Context) -> Result<Value, HandlerError> {
//!     let config = Config::new("payments").key_path("/order").validate_path("/amount");
//!     Idempotency::new(&AWS, "idempotency", config).run(ctx, &event, || {
//!         // charged once per order, however often the event comes
//!         Ok(json!({"charged": event["amount"]}))
//!     })
//! }
//! ```
//!
//! - The key is `<name>#<SHA-256 of the chosen part>` (a JSON pointer into
//!   the event; the whole event by default), kept in the table's `id`.
//! - The first call writes an `INPROGRESS` record, conditionally: no
//!   record, or one that has expired, or one in progress past the deadline
//!   of the invocation that wrote it (it died). Its in-progress expiry is
//!   this invocation's deadline.
//! - Its answer is stored (`COMPLETED`, with an expiry, one hour by
//!   default, in the `expiration` TTL attribute); its failure deletes the
//!   record, so a retry runs again.
//! - A repeat gets the stored answer; while the first runs, a repeat is an
//!   `IdempotencyAlreadyInProgressError`; a repeat whose validated part
//!   differs is an `IdempotencyValidationError`.
//!
//! [`record`] is what a record is and says; this file the flow and its
//! calls.

pub mod record;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub use record::{Record, Status, hash};

use crate::aws::Client;
use crate::context::Context;
use crate::dynamodb::{self, Expression, Table};
use crate::handler::HandlerError;

/// What makes a call the same as another, and how long it is remembered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    name: String,
    key_path: Option<String>,
    validate_path: Option<String>,
    expires_after: Duration,
    raise_on_no_key: bool,
}

impl Config {
    /// Records named `name` (a function or operation: two operations on
    /// one table keep apart), keyed on the whole event, kept an hour.
    pub fn new(name: impl Into<String>) -> Config {
        Config {
            name: name.into(),
            key_path: None,
            validate_path: None,
            expires_after: Duration::from_secs(3600),
            raise_on_no_key: false,
        }
    }

    /// Keys on the part of the event at `pointer` (a JSON pointer,
    /// `/body/order_id`), Powertools' `event_key_jmespath`.
    pub fn key_path(mut self, pointer: impl Into<String>) -> Config {
        self.key_path = Some(pointer.into());
        self
    }

    /// A repeat whose part at `pointer` differs from the first call's is an
    /// error, Powertools' `payload_validation_jmespath`.
    pub fn validate_path(mut self, pointer: impl Into<String>) -> Config {
        self.validate_path = Some(pointer.into());
        self
    }

    /// How long a completed call is remembered.
    pub fn expires_after(mut self, after: Duration) -> Config {
        self.expires_after = after;
        self
    }

    /// An event without the key's part (or with null there) is an
    /// `IdempotencyKeyError`, instead of running without idempotency.
    pub fn raise_on_no_key(mut self, raise: bool) -> Config {
        self.raise_on_no_key = raise;
        self
    }
}

/// Why an idempotent call did not run or answer, with Powertools' names.
#[derive(Debug)]
pub enum Error {
    /// The first call with this key is still running.
    AlreadyInProgress(String),
    /// A repeat's validated part differs from the first call's.
    Validation(String),
    /// The event has no key part and [`Config::raise_on_no_key`] is set.
    NoKey(String),
    /// The table could not be read or written, or a stored answer read.
    Persistence(dynamodb::Error),
}

impl Error {
    /// Powertools' exception name, the `errorType` Lambda reports.
    pub fn error_type(&self) -> &'static str {
        match self {
            Error::AlreadyInProgress(_) => "IdempotencyAlreadyInProgressError",
            Error::Validation(_) => "IdempotencyValidationError",
            Error::NoKey(_) => "IdempotencyKeyError",
            Error::Persistence(_) => "IdempotencyPersistenceLayerError",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AlreadyInProgress(key) => {
                write!(
                    f,
                    "a call with idempotency key '{key}' is already in progress"
                )
            }
            Error::Validation(key) => write!(
                f,
                "the payload differs from the first call's with idempotency key '{key}'"
            ),
            Error::NoKey(pointer) => write!(f, "no idempotency key at '{pointer}' in the event"),
            Error::Persistence(e) => write!(f, "idempotency store: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// The handler's error, typed with Powertools' name ([`Error::error_type`]).
    pub fn into_handler_error(self) -> HandlerError {
        HandlerError::new(self.error_type(), self.to_string())
    }
}

/// Idempotent calls recorded in one DynamoDB table keyed by the string
/// `id`, with TTL on `expiration`.
#[derive(Debug, Clone)]
pub struct Idempotency<'c> {
    table: Table<'c>,
    config: Config,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn part<'e>(event: &'e Value, pointer: Option<&str>) -> Option<&'e Value> {
    match pointer {
        None => Some(event),
        Some(p) => event.pointer(p).filter(|v| !v.is_null()),
    }
}

impl<'c> Idempotency<'c> {
    /// Records in `table` through `client`, by `config`'s rules.
    pub fn new(client: &'c Client, table: &'c str, config: Config) -> Idempotency<'c> {
        Idempotency {
            table: Table::new(client, table),
            config,
        }
    }

    /// Runs `f` once per key: the first call with `event`'s key runs it and
    /// stores its answer; a repeat gets that answer back without running.
    /// A failure of `f` is returned as it is, and deletes the record.
    pub fn run<T, F>(&self, ctx: &Context, event: &Value, f: F) -> Result<T, HandlerError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Result<T, HandlerError>,
    {
        let key_path = self.config.key_path.as_deref();
        let Some(key_part) = part(event, key_path) else {
            if self.config.raise_on_no_key {
                return Err(
                    Error::NoKey(key_path.unwrap_or_default().to_string()).into_handler_error()
                );
            }
            log::warn!("no idempotency key in the event: running without idempotency");
            return f();
        };
        let key = format!("{}#{}", self.config.name, hash(key_part));
        let validation = self
            .config
            .validate_path
            .as_deref()
            .map(|p| hash(part(event, Some(p)).unwrap_or(&Value::Null)));
        let now = now_ms();
        let started = Record {
            id: key.clone(),
            status: Status::InProgress,
            expiration: now / 1000 + self.config.expires_after.as_secs(),
            // Where the remaining time ends: past it, this invocation has
            // been stopped, and its record must not block the retry.
            in_progress_expiration: ctx.deadline_ms,
            data: None,
            validation: validation.clone(),
        };
        match self.start(ctx, &started, now) {
            Ok(()) => {}
            Err(dynamodb::Error::ConditionFailed) => return self.repeat(ctx, &key, validation),
            Err(e) => return Err(Error::Persistence(e).into_handler_error()),
        }
        match f() {
            Ok(answer) => {
                let data = serde_json::to_string(&answer).map_err(|e| {
                    HandlerError::new("IdempotencyPersistenceLayerError", e.to_string())
                })?;
                let completed = Record {
                    status: Status::Completed,
                    in_progress_expiration: None,
                    data: Some(data),
                    ..started
                };
                self.table
                    .put_item(ctx, &completed)
                    .map_err(|e| Error::Persistence(e).into_handler_error())?;
                Ok(answer)
            }
            Err(e) => {
                // The failure is what the caller must see; a record left
                // behind would only block the retry until its deadline.
                if let Err(delete) = self.table.delete_item(ctx, &json!({"id": key}), None) {
                    log::warn!("idempotency record not deleted after a failure: {delete}");
                }
                Err(e)
            }
        }
    }

    /// Writes the in-progress record, when no record counts for the key.
    fn start(&self, ctx: &Context, record: &Record, now: u64) -> Result<(), dynamodb::Error> {
        let condition = Expression::new(
            "attribute_not_exists(#id) OR #expiry < :now OR \
             (#status = :inprogress AND attribute_exists(#in_progress) AND #in_progress < :now_ms)",
        )
        .name("#id", "id")
        .name("#expiry", "expiration")
        .name("#status", "status")
        .name("#in_progress", "in_progress_expiration")
        .value(":now", &(now / 1000))?
        .value(":now_ms", &now)?
        .value(":inprogress", &Status::InProgress)?;
        self.table.put_item_if(ctx, record, &condition)
    }

    /// The answer to a repeat: the stored one, or why there is none.
    fn repeat<T: DeserializeOwned>(
        &self,
        ctx: &Context,
        key: &str,
        validation: Option<String>,
    ) -> Result<T, HandlerError> {
        let record: Option<Record> = self
            .table
            .get_item(ctx, &json!({"id": key}))
            .map_err(|e| Error::Persistence(e).into_handler_error())?;
        let Some(record) = record else {
            // Deleted by a failure since the write was refused: the first
            // call is over without an answer; a retry will run.
            return Err(Error::AlreadyInProgress(key.to_string()).into_handler_error());
        };
        if validation.is_some() && record.validation != validation {
            return Err(Error::Validation(key.to_string()).into_handler_error());
        }
        match (record.status_at(now_ms()), record.data) {
            (Status::Completed, Some(data)) => serde_json::from_str(&data).map_err(|e| {
                Error::Persistence(dynamodb::Error::Item(dynamodb::ItemError::Deserialize(
                    e.to_string(),
                )))
                .into_handler_error()
            }),
            _ => Err(Error::AlreadyInProgress(key.to_string()).into_handler_error()),
        }
    }
}
