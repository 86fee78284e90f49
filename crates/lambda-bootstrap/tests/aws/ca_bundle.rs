//! `AWS_CA_BUNDLE` files a client cannot use: each makes every call fail
//! with a configuration error naming the file, before anything is sent,
//! and none hangs the client (a FIFO, `/dev/zero`).

use std::io::Write;
use std::path::Path;

use lambda_bootstrap::aws::credentials::Source;
use lambda_bootstrap::aws::{self, Credentials, Error};
use serde_json::json;

use crate::support::{client_with, context, unique};
use crate::test_ca::make_ca;

/// What a call through a client trusting `bundle` says (to an endpoint
/// nothing listens on: nothing may be sent).
fn call_with(bundle: &Path) -> Error {
    let keys = Source::Static(Credentials::new("AKIDCA", "ca", None, None));
    let bundle = bundle.to_str().unwrap().to_string();
    client_with("https://127.0.0.1:1", keys, |c| c.ca_bundle = Some(bundle))
        .json(&context(30_000), &aws::DYNAMODB, "ListTables", &json!({}))
        .unwrap_err()
}

fn scratch() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(unique("ca-bundle"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_certificate_whose_der_does_not_decode_is_a_configuration_error() {
    let dir = scratch();
    make_ca(&dir);
    let ca = std::fs::read_to_string(dir.join("ca.pem")).unwrap();
    // Valid base64, and the CA's own bytes but for its first: not DER.
    let body_at = ca.find('\n').unwrap() + 1;
    let broken = format!("{}AAAA{}", &ca[..body_at], &ca[body_at + 4..]);
    let bundle = dir.join("broken.pem");
    std::fs::write(&bundle, format!("{ca}{broken}")).unwrap();
    let err = call_with(&bundle);
    assert!(matches!(err, Error::Config(_)), "{err}");
    assert!(
        err.to_string().starts_with(&format!(
            "AWS client configuration: AWS_CA_BUNDLE '{}': its certificate 2 is not an X.509 certificate",
            bundle.display()
        )),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_fifo_or_a_device_is_refused_without_waiting_on_it() {
    let dir = scratch();
    make_ca(&dir);
    let fifo = dir.join("ca.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // A writer with a good bundle for whoever opens the FIFO to read it: a
    // client that read it would trust it and go on to send.
    let ca = std::fs::read(dir.join("ca.pem")).unwrap();
    let writer_end = fifo.clone();
    std::thread::spawn(move || {
        if let Ok(mut w) = std::fs::OpenOptions::new().write(true).open(&writer_end) {
            let _ = w.write_all(&ca);
        }
    });
    for path in [fifo.as_path(), Path::new("/dev/zero"), dir.as_path()] {
        let err = call_with(path);
        assert_eq!(
            err.to_string(),
            format!(
                "AWS client configuration: AWS_CA_BUNDLE '{}' is not a regular file",
                path.display()
            )
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
