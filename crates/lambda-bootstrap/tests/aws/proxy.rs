//! Proxy variables, per scheme, as the AWS SDKs read them: an https
//! endpoint is reached through `HTTPS_PROXY`, an http one through
//! `HTTP_PROXY`, and a host `NO_PROXY` names directly. A small local
//! proxy records what reached it.

use lambda_bootstrap::aws::credentials::Source;
use lambda_bootstrap::aws::proxy::Proxies;
use lambda_bootstrap::aws::{self, Client, Credentials};
use serde_json::json;

use crate::support::{RecordingProxy, client_with, context, moto, tls_moto};

/// The host and port of `url` (`scheme://host:port`).
fn authority(url: &str) -> &str {
    url.split_once("://").unwrap().1.trim_end_matches('/')
}

fn over_https(proxies: Proxies) -> Client {
    let tls = tls_moto();
    let keys = Source::Static(Credentials::new("AKIDTLS", "tls", None, None));
    client_with(&tls.url, keys, |c| {
        c.ca_bundle = Some(tls.bundle.clone());
        c.proxies = proxies;
    })
}

fn over_http(proxies: Proxies) -> Client {
    let moto = moto();
    client_with(&moto.url, Source::Static(moto.keys[0].clone()), |c| {
        c.proxies = proxies
    })
}

fn list_tables(client: &Client) {
    let tables = client
        .json(&context(30_000), &aws::DYNAMODB, "ListTables", &json!({}))
        .unwrap();
    assert!(tables["TableNames"].is_array(), "{tables}");
}

#[test]
fn an_https_endpoint_goes_through_https_proxy_only() {
    let (secure, plain) = (RecordingProxy::start(), RecordingProxy::start());
    list_tables(&over_https(Proxies {
        https: Some(secure.url.clone()),
        http: Some(plain.url.clone()),
        no_proxy: vec![],
    }));
    let target = authority(&tls_moto().url);
    assert_eq!(
        secure.seen(),
        [format!("CONNECT {target} HTTP/1.1")],
        "a tunnel to the endpoint"
    );
    assert!(plain.seen().is_empty(), "{:?}", plain.seen());
}

#[test]
fn an_http_endpoint_goes_through_http_proxy_only() {
    let (secure, plain) = (RecordingProxy::start(), RecordingProxy::start());
    list_tables(&over_http(Proxies {
        https: Some(secure.url.clone()),
        http: Some(plain.url.clone()),
        no_proxy: vec![],
    }));
    // ureq reaches an http endpoint through a proxy by CONNECT as well.
    let target = authority(&moto().url);
    assert_eq!(plain.seen(), [format!("CONNECT {target} HTTP/1.1")]);
    assert!(secure.seen().is_empty(), "{:?}", secure.seen());
}

#[test]
fn no_proxy_hosts_and_star_go_direct() {
    for no_proxy in ["127.0.0.1", "*", "localhost,.example.com,127.0.0.1"] {
        let proxy = RecordingProxy::start();
        let proxies = Proxies {
            https: Some(proxy.url.clone()),
            http: Some(proxy.url.clone()),
            no_proxy: no_proxy.split(',').map(String::from).collect(),
        };
        list_tables(&over_https(proxies.clone()));
        list_tables(&over_http(proxies));
        assert!(
            proxy.seen().is_empty(),
            "NO_PROXY={no_proxy}: {:?}",
            proxy.seen()
        );
    }
    // A NO_PROXY naming other hosts leaves the proxy in use.
    let proxy = RecordingProxy::start();
    list_tables(&over_http(Proxies {
        http: Some(proxy.url.clone()),
        no_proxy: vec!["example.com".into()],
        ..Proxies::default()
    }));
    assert_eq!(proxy.seen().len(), 1, "{:?}", proxy.seen());
}
