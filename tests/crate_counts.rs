//! The crate counts the README and the guides quote are the dependency
//! tree's: the runtime's own build and its `aws` build, counted as `cargo
//! tree` sees them (crates linked into the binary: no build-time-only
//! proc-macros, not the runtime itself), offline from the lock file.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// How many crates `cargo tree` counts under the runtime with `features`.
fn count(features: &[&str]) -> usize {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["tree", "--locked", "--offline", "-p", "lambda-bootstrap"])
        .args(["-e", "normal,no-proc-macro", "--prefix", "none"])
        .args(["--target", "x86_64-unknown-linux-musl"])
        .current_dir(root());
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    let out = cmd.output().expect("cargo tree");
    assert!(
        out.status.success(),
        "cargo tree: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let crates: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|line| !line.starts_with("lambda-bootstrap "))
        .map(|line| line.trim_end_matches(" (*)").to_string())
        .collect();
    crates.len()
}

/// Every number in `file` followed by " crates".
fn quoted(file: &str) -> Vec<usize> {
    let text = text(file);
    let words: Vec<&str> = text.split(' ').collect();
    words
        .windows(2)
        .filter(|w| w[1].trim_end_matches([',', '.', ';', ')']) == "crates")
        .filter_map(|w| w[0].parse().ok())
        .collect()
}

/// `file`'s text with every run of whitespace made one space.
fn text(file: &str) -> String {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_quoted_crate_counts_are_the_dependency_trees() {
    let (default, aws) = (count(&[]), count(&["aws"]));
    let says = format!("{default} crates in the binary");
    assert!(
        text("README.md").contains(&says),
        "README.md should say {says:?}"
    );
    let says = format!("the build is {aws} crates, not {default}");
    assert!(
        text("docs/calling-aws.md").contains(&says),
        "docs/calling-aws.md should say {says:?}"
    );
    // And no other count, in any of the files a user reads.
    for file in [
        "README.md",
        "docs/calling-aws.md",
        "crates/lambda-bootstrap/README.md",
    ] {
        for n in quoted(file) {
            assert!(n == default || n == aws, "{file} quotes {n} crates");
        }
    }
}
