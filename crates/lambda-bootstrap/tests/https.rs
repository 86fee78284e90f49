//! The `https` feature's agent against a real TLS server (openssl's
//! `s_server`) whose certificate comes from a CA this test makes: trusted
//! when `AWS_CA_BUNDLE` names the CA, refused for its certificate when not.
//! No AWS client and no credentials are involved.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use lambda_bootstrap::https;

#[path = "common/test_ca.rs"]
mod test_ca;

/// An `openssl s_server` answering every GET with its status page; stopped
/// when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &std::path::Path) -> Server {
    let mut child = Command::new("openssl")
        .args([
            "s_server",
            "-cert",
            "server.pem",
            "-key",
            "server.key",
            "-accept",
            "127.0.0.1:0",
            "-www",
        ])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the openssl command (apt-get install openssl)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // s_server says where it listens before it accepts: the line is the
    // signal that it is ready, so no waiting is needed.
    let port = loop {
        let line = lines
            .next()
            .expect("openssl s_server ended before listening")
            .unwrap();
        if let Some(address) = line.strip_prefix("ACCEPT ") {
            break address.rsplit(':').next().unwrap().to_string();
        }
    };
    // Keep draining its output, or it blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Server {
        child,
        url: format!("https://127.0.0.1:{port}/"),
    }
}

#[test]
fn the_ca_bundle_is_trusted_and_nothing_else_is() {
    let dir = std::env::temp_dir().join(format!("h7-https-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    test_ca::make_ca(&dir);
    let server = serve(&dir);
    let bundle = dir.join("ca.pem").display().to_string();

    let trusting =
        https::from_lookup(&|name| (name == "AWS_CA_BUNDLE").then(|| bundle.clone())).unwrap();
    let mut answer = trusting.get(&server.url).call().unwrap();
    assert_eq!(answer.status(), 200);
    let page = answer.body_mut().read_to_string().unwrap();
    assert!(page.contains("s_server"), "{page}");

    let refusing = https::from_lookup(&|_| None).unwrap();
    let err = refusing.get(&server.url).call().unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
}
