//! The HTTPS agent every AWS call (and a handler's own HTTPS call) goes
//! through: ureq with rustls, certificates checked against Mozilla's roots
//! (compiled in: a static musl binary cannot count on the system's), plus
//! the PEM bundle `AWS_CA_BUNDLE` names, for private endpoints and tests.
//! There is no way to turn verification off.

use std::time::Duration;

use ureq::Agent;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::transport::DefaultConnector;

use super::resolve::KeptResolver;

/// The roots to trust: Mozilla's alone (ureq's compiled-in trust anchors),
/// or, with a bundle, Mozilla's as whole certificates and the bundle's
/// certificates after them. `name` is where the bundle came from, for
/// messages.
pub fn roots(bundle: Option<(&str, &[u8])>) -> Result<RootCerts, String> {
    let Some((name, pem)) = bundle else {
        return Ok(RootCerts::WebPki);
    };
    let mut certs: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()))
        .collect();
    let mozilla = certs.len();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert.to_owned()),
            Ok(_) => {} // keys and such have no place in a CA bundle; skipped
            Err(e) => return Err(format!("AWS_CA_BUNDLE '{name}' is not a PEM bundle: {e}")),
        }
    }
    if certs.len() == mozilla {
        return Err(format!("AWS_CA_BUNDLE '{name}' holds no PEM certificate"));
    }
    Ok(RootCerts::Specific(std::sync::Arc::new(certs)))
}

/// An agent trusting `roots`, sharing its pool of kept-alive connections
/// with every thread that uses it. Statuses are answers, not errors, only
/// for the AWS calls (they ask for that per request); a handler's own calls
/// get ureq's usual behaviour.
pub fn agent(roots: RootCerts, connect_timeout: Duration) -> Agent {
    let config = Agent::config_builder()
        .tls_config(
            TlsConfig::builder()
                .provider(TlsProvider::Rustls)
                .root_certs(roots)
                .build(),
        )
        .timeout_connect(Some(connect_timeout))
        .user_agent(concat!("lambda-bootstrap/", env!("CARGO_PKG_VERSION")))
        .build();
    // ureq's own connectors (TCP, TLS); its resolver, answers kept a while.
    Agent::with_parts(config, DefaultConnector::new(), KeptResolver::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_add_to_the_roots_or_say_what_is_wrong() {
        assert!(matches!(roots(None), Ok(RootCerts::WebPki)));
        let err = |pem: &[u8]| roots(Some(("/ca.pem", pem))).err().unwrap();
        assert_eq!(err(b""), "AWS_CA_BUNDLE '/ca.pem' holds no PEM certificate");
        assert_eq!(
            err(b"hello"),
            "AWS_CA_BUNDLE '/ca.pem' holds no PEM certificate"
        );
        // A real certificate from the compiled-in set, as PEM.
        let der = webpki_root_certs::TLS_SERVER_ROOT_CERTS[0].as_ref();
        let pem = pem_of(der);
        let Ok(RootCerts::Specific(certs)) = roots(Some(("/ca.pem", pem.as_bytes()))) else {
            panic!("not a specific root list")
        };
        assert_eq!(
            certs.len(),
            webpki_root_certs::TLS_SERVER_ROOT_CERTS.len() + 1
        );
        assert_eq!(certs.last().unwrap().der(), der);
    }

    fn pem_of(der: &[u8]) -> String {
        let b64 = crate::http::base64::encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|l| std::str::from_utf8(l).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }
}
