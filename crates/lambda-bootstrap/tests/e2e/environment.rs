//! The function's own environment (proxies, locale, log noise) must not
//! change how the runtime reaches the Runtime API.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use serde_json::json;

use crate::support::{Event, FakeApi, Next, finish, probe};

#[test]
fn proxy_variables_are_for_the_function_not_the_runtime() {
    // A "proxy" that counts whoever connects to it.
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    thread::spawn(move || {
        for stream in proxy.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });

    let api = FakeApi::start(vec![Next::Event(Event::json("via-loopback", &json!({})))]);
    let mut cmd = probe(&api, "probe");
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env(name, &proxy_url);
    }
    cmd.env("NO_PROXY", "example.com")
        .env("no_proxy", "example.com")
        .env("RUST_LOG", "=::,,garbage=notalevel")
        .env("LANG", "tr_TR.UTF-8")
        .env("LC_ALL", "tr_TR.UTF-8")
        .env("TZ", "Pacific/Kiritimati")
        .env("RUST_BACKTRACE", "full")
        .env("AWS_LAMBDA_LOG_FORMAT", "yaml")
        .env("AWS_LAMBDA_LOG_LEVEL", "LOUD");
    let out = finish(cmd);
    let posts = api.posts();
    assert_eq!(posts.len(), 1, "{}", out.stderr);
    assert!(posts[0].path.ends_with("/via-loopback/response"));
    assert_eq!(seen.load(Ordering::SeqCst), 0, "the proxy was used");
    assert_eq!(api.connections(), 1);
}
