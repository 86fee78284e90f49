//! Packaging: `./build.sh` for both architectures, the zip Lambda gets, the
//! arm64 binary serving under qemu, and serverless.yml as CloudFormation.
//!
//! Ignored by plain `cargo test` (release builds, npm, qemu take minutes);
//! `.ci/run` installs what they need and runs them with `--ignored`.

#[path = "e2e/support.rs"]
#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use serde_json::{Value, json};
use support::{Event, FakeApi, Next, finish, lambda};

/// build.sh writes one `bootstrap.zip` at the root: one build at a time.
static BUILD: Mutex<()> = Mutex::new(());

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Built {
    zip: Vec<u8>,
    binary: PathBuf,
    stdout: String,
}

/// Runs build.sh with `args` and `env`, in its own target dir so it never
/// waits on the cargo running this test.
fn build(args: &[&str], env: &[(&str, &str)], target_dir: &str) -> Built {
    let target = root().join("target").join(target_dir);
    let mut cmd = Command::new(root().join("build.sh"));
    cmd.args(args)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("ARCH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "build.sh {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let triple = if stdout.contains("aarch64") {
        "aarch64-unknown-linux-musl"
    } else {
        "x86_64-unknown-linux-musl"
    };
    Built {
        zip: std::fs::read(root().join("bootstrap.zip")).unwrap(),
        binary: target.join(triple).join("release/bootstrap"),
        stdout,
    }
}

/// One entry of a zip's central directory.
#[derive(Debug)]
struct Entry {
    name: String,
    unix_mode: u32,
    crc32: u32,
    size: u32,
}

/// Reads the central directory: enough of the format to see names, modes
/// and checksums, without a zip library.
fn zip_entries(zip: &[u8]) -> Vec<Entry> {
    let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as usize;
    let u32_at = |i: usize| u32::from_le_bytes(zip[i..i + 4].try_into().unwrap());
    let eocd = (0..zip.len() - 21)
        .rev()
        .find(|&i| u32_at(i) == 0x0605_4b50)
        .expect("no end of central directory");
    let count = u16_at(eocd + 10);
    let mut at = u32_at(eocd + 16) as usize;
    let mut entries = Vec::new();
    for _ in 0..count {
        assert_eq!(u32_at(at), 0x0201_4b50, "central directory header");
        let (name_len, extra_len, comment_len) =
            (u16_at(at + 28), u16_at(at + 30), u16_at(at + 32));
        entries.push(Entry {
            name: String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).unwrap(),
            unix_mode: u32_at(at + 38) >> 16,
            crc32: u32_at(at + 16),
            size: u32_at(at + 24),
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    entries
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (!(crc & 1)).wrapping_add(1));
        }
    }
    !crc
}

/// The ELF machine number, and whether the file asks for a dynamic loader.
fn elf_facts(binary: &[u8]) -> (u16, bool) {
    assert_eq!(&binary[..5], b"\x7fELF\x02", "a 64-bit ELF file");
    let u16_at = |i: usize| u16::from_le_bytes([binary[i], binary[i + 1]]);
    let phoff = u64::from_le_bytes(binary[32..40].try_into().unwrap()) as usize;
    let (phentsize, phnum) = (u16_at(54) as usize, u16_at(56) as usize);
    let interp = (0..phnum)
        .any(|i| u32::from_le_bytes(binary[phoff + i * phentsize..][..4].try_into().unwrap()) == 3);
    (u16_at(18), interp)
}

/// Checks a built zip: one `bootstrap` entry, mode 0755, holding exactly
/// the static binary for `machine`.
fn check_zip(built: &Built, machine: u16) {
    let entries = zip_entries(&built.zip);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(entry.name, "bootstrap");
    assert_eq!(
        entry.unix_mode, 0o100755,
        "a regular file, mode 0755: {:o}",
        entry.unix_mode
    );
    let binary = std::fs::read(&built.binary).unwrap();
    assert_eq!(
        (entry.size as usize, entry.crc32),
        (binary.len(), crc32(&binary)),
        "the zip holds the built binary"
    );
    assert_eq!(
        elf_facts(&binary),
        (machine, false),
        "machine {machine}, statically linked"
    );
    assert!(
        built.stdout.contains("bootstrap.zip") && built.stdout.contains("sha256: "),
        "{}",
        built.stdout
    );
}

#[test]
#[ignore = "slow: release builds; run by .ci/run"]
fn build_sh_makes_reproducible_zips_for_both_architectures() {
    let _one = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    for (arch, machine) in [("x86_64", 62), ("arm64", 183)] {
        let first = build(&["--arch", arch], &[], &format!("pkg-{arch}-1"));
        check_zip(&first, machine);
        let again = build(&["--arch", arch], &[], &format!("pkg-{arch}-2"));
        assert!(
            first.zip == again.zip,
            "{arch}: two builds from scratch differ"
        );
    }
    // ARCH picks the architecture when --arch is absent; arm64 by default.
    check_zip(&build(&[], &[("ARCH", "x86_64")], "pkg-x86_64-1"), 62);
    check_zip(&build(&[], &[], "pkg-arm64-1"), 183);
    // Without `zip`, python3's zipfile gives the same guarantees.
    let fallback = build(
        &["--arch", "x86_64"],
        &[("ZIP_TOOL", "python")],
        "pkg-x86_64-1",
    );
    check_zip(&fallback, 62);
    assert!(fallback.stdout.contains("python3"), "{}", fallback.stdout);
    let again = build(
        &["--arch", "x86_64"],
        &[("ZIP_TOOL", "python")],
        "pkg-x86_64-1",
    );
    assert!(fallback.zip == again.zip);
}

#[test]
fn build_sh_refuses_an_unknown_architecture() {
    let out = Command::new(root().join("build.sh"))
        .args(["--arch", "sparc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown architecture 'sparc': use x86_64 or arm64"),
        "{stderr}"
    );
}

#[test]
#[ignore = "slow: release build + qemu-user; run by .ci/run"]
fn arm64_binary_serves_under_qemu() {
    let built = {
        let _one = BUILD.lock().unwrap_or_else(|e| e.into_inner());
        build(&["--arch", "arm64"], &[], "pkg-arm64-1")
    };
    let api = FakeApi::start(vec![Next::Event(Event::json(
        "arm-1",
        &json!({"httpMethod": "GET", "path": "/hello", "queryStringParameters": {"hello": "Graviton"}}),
    ))]);
    let binary = built.binary.to_str().unwrap().to_string();
    let mut cmd = lambda("qemu-aarch64", api.addr(), "httpevent");
    cmd.arg(&binary);
    let out = finish(cmd);
    let posts = api.posts();
    assert_eq!(posts.len(), 1, "{}", out.stderr);
    assert_eq!(
        posts[0].path,
        "/2018-06-01/runtime/invocation/arm-1/response"
    );
    assert_eq!(posts[0].json()["body"], "Hello Graviton from Rust");
    assert_eq!(
        out.code,
        Some(1),
        "exits when the fake API closes: {}",
        out.stderr
    );
}

/// Packages serverless.yml with the open-source framework, offline, and
/// returns the CloudFormation template it wrote.
fn package(arch: &str) -> Value {
    let dir = std::env::temp_dir().join(format!(
        "lambda-bootstrap-sls-{arch}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(root().join("serverless.yml"), dir.join("serverless.yml")).unwrap();
    // Packaging only checks that the artifact exists; its bytes are build.sh's business.
    std::fs::write(dir.join("bootstrap.zip"), b"").unwrap();
    let out = Command::new("npx")
        .args(["--yes", "osls@4.3.1", "package"])
        .current_dir(&dir)
        .env("ARCH", arch)
        .env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEONLY")
        .env("AWS_SECRET_ACCESS_KEY", "example-only")
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("npx (Node.js)");
    assert!(
        out.status.success(),
        "osls package failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let path = dir.join(".serverless/cloudformation-template-update-stack.json");
    let template = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    template
}

fn resources<'a>(template: &'a Value, kind: &str) -> Vec<&'a Value> {
    template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == kind)
        .map(|r| &r["Properties"])
        .collect()
}

#[test]
#[ignore = "slow: npm fetches osls; run by .ci/run"]
fn serverless_yml_packages_to_the_expected_stack() {
    for arch in ["arm64", "x86_64"] {
        let template = package(arch);
        let functions = resources(&template, "AWS::Lambda::Function");
        let mut handlers: Vec<&str> = functions
            .iter()
            .map(|f| f["Handler"].as_str().unwrap())
            .collect();
        handlers.sort();
        assert_eq!(handlers, ["httpevent", "scheduleevent", "snsevent"]);
        for f in &functions {
            assert_eq!(f["Runtime"], "provided.al2023");
            assert_eq!(f["Architectures"], json!([arch]));
            assert_eq!(f["MemorySize"], 128);
        }
        let function_named = |handler: &str| {
            let (name, _) = template["Resources"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(_, r)| {
                    r["Type"] == "AWS::Lambda::Function" && r["Properties"]["Handler"] == handler
                })
                .unwrap();
            json!({"Fn::GetAtt": [name, "Arn"]})
        };

        let hello = resources(&template, "AWS::ApiGateway::Resource");
        assert_eq!(hello.len(), 1);
        assert_eq!(hello[0]["PathPart"], "hello");
        let methods = resources(&template, "AWS::ApiGateway::Method");
        assert!(
            methods.iter().any(|m| m["HttpMethod"] == "GET"
                && m["Integration"]["Type"] == "AWS_PROXY"
                && m["Integration"]["Uri"]
                    .to_string()
                    .contains("HttpeventLambdaFunction")),
            "{methods:?}"
        );

        let topics = resources(&template, "AWS::SNS::Topic");
        assert_eq!(topics.len(), 1);
        assert_eq!(topics[0]["TopicName"], "lambda-bootstrap-events");
        assert_eq!(
            topics[0]["Subscription"],
            json!([{"Endpoint": function_named("snsevent"), "Protocol": "lambda"}])
        );

        let rules = resources(&template, "AWS::Events::Rule");
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0]["ScheduleExpression"], "rate(10 minutes)");
        let target = &rules[0]["Targets"][0];
        assert_eq!(target["Arn"], function_named("scheduleevent"));
        let input: Value = serde_json::from_str(target["Input"].as_str().unwrap()).unwrap();
        assert_eq!(input, json!({"hello": "world"}));
    }
}
