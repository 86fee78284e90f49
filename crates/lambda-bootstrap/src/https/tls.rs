//! The HTTPS agent every AWS call (and a handler's own HTTPS call) goes
//! through: ureq with rustls, certificates checked against Mozilla's roots
//! (compiled in: a static musl binary cannot count on the system's), plus
//! the PEM bundle `AWS_CA_BUNDLE` names, for private endpoints and tests.
//! There is no way to turn verification off.

use std::time::Duration;

use ureq::Agent;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::transport::DefaultConnector;

use rustls_pki_types::CertificateDer;

use super::file;
use super::resolve::KeptResolver;

/// The largest `AWS_CA_BUNDLE` read: Mozilla's whole set, as PEM, is a
/// small fraction of it.
pub const BUNDLE_MAX: u64 = 4 << 20;

/// The roots to trust for `AWS_CA_BUNDLE`'s `path`, if one is named: the
/// file read (a regular file of at most [`BUNDLE_MAX`] bytes: a FIFO or
/// `/dev/zero` is refused, not waited on), then [`roots`].
pub fn bundle_roots(path: Option<&str>) -> Result<RootCerts, String> {
    let Some(path) = path else {
        return Ok(RootCerts::WebPki);
    };
    let pem = file::read_small(path, BUNDLE_MAX)
        .map_err(|why| format!("AWS_CA_BUNDLE '{path}' {why}"))?;
    roots(Some((path, &pem)))
}

/// The roots to trust: Mozilla's alone (ureq's compiled-in trust anchors),
/// or, with a bundle, Mozilla's as whole certificates and the bundle's
/// certificates after them. `name` is where the bundle came from, for
/// messages. Each of the bundle's certificates must read as the trust
/// anchor webpki will make of it: rustls would otherwise drop one that
/// does not, without a word, and the private CA would quietly not be
/// trusted.
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
            Ok(PemItem::Certificate(cert)) => {
                let n = certs.len() - mozilla + 1;
                let der = CertificateDer::from(cert.der());
                if let Err(e) = webpki::anchor_from_trusted_cert(&der) {
                    return Err(format!(
                        "AWS_CA_BUNDLE '{name}': its certificate {n} is not an X.509 certificate a TLS client can trust ({e})"
                    ));
                }
                certs.push(cert.to_owned());
            }
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
/// get ureq's usual behaviour there.
///
/// It follows no redirect: a redirected AWS call would carry its signed
/// headers (the session token among them) to whatever host the answer
/// names, and a POST would turn into a GET there. A 3xx is an answer,
/// which AWS calls read as a service error; a handler's own call that
/// wants redirects followed asks for them (`.config().max_redirects(5)`).
pub fn agent(roots: RootCerts, connect_timeout: Duration) -> Agent {
    let config = Agent::config_builder()
        .tls_config(
            TlsConfig::builder()
                .provider(TlsProvider::Rustls)
                .root_certs(roots)
                .build(),
        )
        .timeout_connect(Some(connect_timeout))
        .max_redirects(0)
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

    #[test]
    fn a_certificate_whose_der_does_not_decode_is_refused_naming_the_file() {
        let good = pem_of(webpki_root_certs::TLS_SERVER_ROOT_CERTS[0].as_ref());
        let bad = pem_of(b"0\x03\x02\x01\x00 not a certificate");
        for (pem, n) in [(bad.clone(), 1), (format!("{good}{bad}"), 2)] {
            let err = roots(Some(("/ca.pem", pem.as_bytes()))).err().unwrap();
            assert!(
                err.starts_with(&format!(
                    "AWS_CA_BUNDLE '/ca.pem': its certificate {n} is not an X.509 certificate a TLS client can trust ("
                )),
                "{err}"
            );
        }
    }

    #[test]
    fn bundle_files_are_read_only_when_regular_and_small() {
        assert!(matches!(bundle_roots(None), Ok(RootCerts::WebPki)));
        let err = |path: &str| bundle_roots(Some(path)).err().unwrap();
        assert_eq!(
            err("/dev/zero"),
            "AWS_CA_BUNDLE '/dev/zero' is not a regular file"
        );
        assert!(
            err("/nonexistent/ca.pem")
                .starts_with("AWS_CA_BUNDLE '/nonexistent/ca.pem' cannot be read: "),
            "{}",
            err("/nonexistent/ca.pem")
        );
        let dir = std::env::temp_dir().join(format!("aws-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.pem");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(BUNDLE_MAX + 1)
            .unwrap();
        let big = big.to_str().unwrap();
        assert_eq!(
            err(big),
            format!("AWS_CA_BUNDLE '{big}' is larger than 4 MiB")
        );
        let _ = std::fs::remove_dir_all(&dir);
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
