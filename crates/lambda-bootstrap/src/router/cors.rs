//! CORS, as Powertools' `CORSConfig` does it: the allowed origins (one
//! `*`, or a list matched exactly against the request's `Origin`), the
//! headers a browser may send and read, credentials, and how long a
//! preflight is kept. A request whose origin is not allowed gets no CORS
//! header at all, so the browser refuses it; the function still runs,
//! which is CORS's model, not an access check.

use crate::http::HttpResponse;

/// The headers a browser may send when none are configured: Powertools'
/// defaults.
pub const DEFAULT_ALLOW_HEADERS: &[&str] = &[
    "Authorization",
    "Content-Type",
    "X-Amz-Date",
    "X-Api-Key",
    "X-Amz-Security-Token",
];

/// A router's CORS rules; `const`, so a router table can be a `static`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cors {
    origins: &'static [&'static str],
    allow_headers: &'static [&'static str],
    expose_headers: &'static [&'static str],
    max_age: Option<u32>,
    allow_credentials: bool,
}

impl Cors {
    /// Any origin (`Access-Control-Allow-Origin: *`), the default headers,
    /// no credentials.
    pub const fn any() -> Cors {
        Cors::origins(&["*"])
    }

    /// Exactly these origins (`https://app.example.com`); the answer names
    /// the request's own origin and says `Vary: Origin`.
    pub const fn origins(origins: &'static [&'static str]) -> Cors {
        Cors {
            origins,
            allow_headers: DEFAULT_ALLOW_HEADERS,
            expose_headers: &[],
            max_age: None,
            allow_credentials: false,
        }
    }

    /// The request headers a browser may send, instead of the defaults.
    pub const fn allow_headers(mut self, headers: &'static [&'static str]) -> Cors {
        self.allow_headers = headers;
        self
    }

    /// The response headers a browser's script may read.
    pub const fn expose_headers(mut self, headers: &'static [&'static str]) -> Cors {
        self.expose_headers = headers;
        self
    }

    /// How long, in seconds, a browser may keep a preflight's answer.
    pub const fn max_age(mut self, seconds: u32) -> Cors {
        self.max_age = Some(seconds);
        self
    }

    /// Whether the browser may send cookies. With `*`, the answer names
    /// the request's origin instead, since browsers refuse `*` with
    /// credentials.
    pub const fn allow_credentials(mut self, allow: bool) -> Cors {
        self.allow_credentials = allow;
        self
    }

    /// The `Access-Control-Allow-Origin` value for a request from
    /// `origin`, when it is allowed.
    fn allowed_origin(&self, origin: Option<&str>) -> Option<String> {
        let any = self.origins.contains(&"*");
        match origin {
            Some(origin) if any || self.origins.contains(&origin) => {
                if any && !self.allow_credentials {
                    Some("*".to_string())
                } else {
                    Some(origin.to_string())
                }
            }
            // No Origin header: not a cross-origin browser request; `*`
            // still says so, for caches.
            None if any && !self.allow_credentials => Some("*".to_string()),
            _ => None,
        }
    }

    /// `response` with the headers an actual (not preflight) request's
    /// answer carries.
    pub(crate) fn decorate(
        &self,
        origin: Option<&str>,
        mut response: HttpResponse,
    ) -> HttpResponse {
        let Some(allowed) = self.allowed_origin(origin) else {
            return response;
        };
        if allowed != "*" {
            response = response.header("Vary", "Origin");
        }
        response = response.header("Access-Control-Allow-Origin", allowed);
        if !self.expose_headers.is_empty() {
            response = response.header(
                "Access-Control-Expose-Headers",
                self.expose_headers.join(","),
            );
        }
        if self.allow_credentials {
            response = response.header("Access-Control-Allow-Credentials", "true");
        }
        response
    }

    /// The answer to a preflight (`OPTIONS` with
    /// `Access-Control-Request-Method`) for a path whose routes take
    /// `methods`: 204, with the rules; without them when the origin is not
    /// allowed. The origin's own headers are added by [`Cors::decorate`],
    /// as on every answer.
    pub(crate) fn preflight(&self, origin: Option<&str>, methods: &[&str]) -> HttpResponse {
        let mut response = HttpResponse::new(204);
        if self.allowed_origin(origin).is_none() {
            return response;
        }
        let mut methods = methods.to_vec();
        methods.push("OPTIONS");
        response = response
            .header("Access-Control-Allow-Methods", methods.join(","))
            .header("Access-Control-Allow-Headers", self.allow_headers.join(","));
        if let Some(age) = self.max_age {
            response = response.header("Access-Control-Max-Age", age.to_string());
        }
        response
    }
}
