//! Packaging: the zip `./build.sh` hands to Lambda, for both architectures;
//! the arm64 binary serving an event under qemu; the shipped build (LTO,
//! stripped) still catching panics; serverless.yml as the CloudFormation
//! stack the open-source Serverless Framework makes of it, whose functions
//! always take the architecture of the zip (deploy/architecture.js); the
//! `aws` feature's build (C compiled by zig) for both architectures; and,
//! each in a file of its own under `packaging/`, the same binary built by
//! cargo-lambda (`cargo_lambda.rs`), and template.yaml, the same stack for
//! AWS SAM, checked by SAM and cfn-lint and kept alike to serverless.yml
//! (`sam.rs`).
//! Never tests the runtime's behaviour: `tests/e2e` does.
//!
//! The slow tests (release builds, qemu, npm, cargo-lambda, SAM) are
//! ignored by plain `cargo test`; `.ci/packaging.sh` installs what they
//! need and runs them:
//! `cargo test --test packaging -- --ignored --test-threads=1`.

#[path = "../crates/lambda-bootstrap/tests/e2e/support.rs"]
#[allow(dead_code)]
mod support;

#[path = "packaging/cargo_lambda.rs"]
mod cargo_lambda;
#[path = "packaging/sam.rs"]
mod sam;
#[path = "../crates/lambda-bootstrap/tests/common/test_ca.rs"]
mod test_ca;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use support::{Event, FakeApi, Next, finish, lambda};

/// The Serverless Framework fork that packages offline (v4 needs a login).
const OSLS: &str = "osls@4.3.1";

/// ELF `e_machine` of each architecture build.sh takes.
const ARCHES: [(&str, u16); 2] = [("x86_64", 62), ("arm64", 183)];

/// build.sh writes the one `bootstrap.zip` at the root: one run at a time.
static BUILD: Mutex<()> = Mutex::new(());

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Where build.sh builds for these tests: under target/, never the target
/// dir of the cargo running them, whose lock it would wait on forever.
fn target_dir(name: &str) -> PathBuf {
    root().join("target/packaging").join(name)
}

/// What one successful run of build.sh left behind.
struct Built {
    zip: Vec<u8>,
    target: PathBuf,
    stdout: String,
}

/// Runs `./build.sh args` with `env` (and no ARCH unless `env` sets it),
/// building in `target`; fails the test with its output if it fails.
fn build(args: &[&str], env: &[(&str, &str)], target: &Path) -> Built {
    let _one = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let mut cmd = Command::new(root().join("build.sh"));
    cmd.args(args)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("ARCH")
        .env_remove("ZIP_TOOL");
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run build.sh");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "build.sh {args:?} {env:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let zip = args
        .iter()
        .position(|a| *a == "--example")
        .map_or("bootstrap", |i| args[i + 1]);
    Built {
        zip: std::fs::read(root().join(format!("{zip}.zip"))).unwrap(),
        target: target.to_path_buf(),
        stdout,
    }
}

/// One file in a zip, as its central directory and local header tell it.
#[derive(Debug)]
struct Entry {
    name: String,
    /// The high byte of "version made by": 3 is unix, the only system whose
    /// mode bits Lambda honours.
    made_by: u8,
    unix_mode: u32,
    dos_date: u16,
    dos_time: u16,
    crc32: u32,
    size: u32,
    /// Extra field lengths, central and local: `zip -X` leaves none.
    extra: (usize, usize),
}

/// Reads a zip's central directory: just enough of the format (APPNOTE
/// 4.3.12, 4.3.16) for names, modes, times and checksums, without a crate.
fn zip_entries(zip: &[u8]) -> Vec<Entry> {
    let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(zip[i..i + 4].try_into().unwrap());
    let eocd = (0..=zip.len() - 22)
        .rev()
        .find(|&i| u32_at(i) == 0x0605_4b50)
        .expect("no end of central directory record");
    let mut at = u32_at(eocd + 16) as usize;
    let mut entries = Vec::new();
    for _ in 0..u16_at(eocd + 10) {
        assert_eq!(u32_at(at), 0x0201_4b50, "central directory header at {at}");
        let name_len = usize::from(u16_at(at + 28));
        let extra_len = usize::from(u16_at(at + 30));
        let comment_len = usize::from(u16_at(at + 32));
        let local = u32_at(at + 42) as usize;
        assert_eq!(u32_at(local), 0x0403_4b50, "local header at {local}");
        entries.push(Entry {
            name: String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).unwrap(),
            made_by: zip[at + 5],
            unix_mode: u32_at(at + 38) >> 16,
            dos_time: u16_at(at + 12),
            dos_date: u16_at(at + 14),
            crc32: u32_at(at + 16),
            size: u32_at(at + 24),
            extra: (extra_len, usize::from(u16_at(local + 28))),
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    entries
}

/// `rustc --version`, as build.sh prints it.
fn rustc_version() -> String {
    let out = Command::new("rustc").arg("--version").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// CRC-32 (IEEE), as zip stores it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & 0u32.wrapping_sub(crc & 1));
        }
    }
    !crc
}

/// What decides whether Lambda can exec a binary: its machine, and whether
/// it needs anything from the (absent or foreign) system to start.
#[derive(Debug, PartialEq)]
struct Elf {
    machine: u16,
    /// ELF type ET_DYN: position-independent (static-pie), loaded at a
    /// random address; a fixed-address executable is ET_EXEC.
    position_independent: bool,
    /// A PT_INTERP program header: it asks for a dynamic loader.
    interpreter: bool,
    /// DT_NEEDED entries: shared libraries it links to. A static-pie binary
    /// has a dynamic section, to relocate itself, but names none.
    needed: usize,
}

fn elf(binary: &[u8]) -> Elf {
    assert_eq!(
        &binary[..6],
        b"\x7fELF\x02\x01",
        "a 64-bit little-endian ELF file"
    );
    let u16_at = |i: usize| u16::from_le_bytes([binary[i], binary[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(binary[i..i + 4].try_into().unwrap());
    let u64_at = |i: usize| u64::from_le_bytes(binary[i..i + 8].try_into().unwrap()) as usize;
    let (phoff, phentsize, phnum) = (u64_at(32), usize::from(u16_at(54)), u16_at(56));
    let mut facts = Elf {
        machine: u16_at(18),
        position_independent: u16_at(16) == 3,
        interpreter: false,
        needed: 0,
    };
    for ph in (0..usize::from(phnum)).map(|i| phoff + i * phentsize) {
        match u32_at(ph) {
            3 => facts.interpreter = true,
            2 => {
                let (offset, size) = (u64_at(ph + 8), u64_at(ph + 32));
                let tags = (offset..offset + size).step_by(16).map(u64_at);
                facts.needed = tags
                    .take_while(|&tag| tag != 0)
                    .filter(|&tag| tag == 1)
                    .count();
            }
            _ => {}
        }
    }
    facts
}

/// Checks what a user deploys: one `bootstrap`, a regular file with unix
/// mode 0755, a fixed timestamp, no extra fields, holding a static binary
/// for `machine` (static-pie on x86_64; the stable aarch64 musl target links
/// no static-pie, so a fixed-address one on arm64); and the summary build.sh
/// printed, with the rustc that built it.
fn check_zip(built: &Built, machine: u16) {
    let entries = zip_entries(&built.zip);
    assert_eq!(entries.len(), 1, "exactly one file: {entries:?}");
    let entry = &entries[0];
    assert_eq!(entry.name, "bootstrap");
    assert_eq!(entry.made_by, 3, "made on unix, or Lambda ignores the mode");
    assert_eq!(
        entry.unix_mode, 0o100_755,
        "regular file, 0755: {:o}",
        entry.unix_mode
    );
    // 1980-01-01 00:00: (year - 1980) << 9 | month << 5 | day, and time 0.
    assert_eq!(
        (entry.dos_date, entry.dos_time),
        (1 << 5 | 1, 0),
        "fixed timestamp"
    );
    assert_eq!(entry.extra, (0, 0), "no extra fields (uid, gid, mtime)");

    // The zip holds one of the binaries cargo built, byte for byte.
    let binary = ["x86_64", "aarch64"]
        .iter()
        .filter_map(|cpu| {
            let path = built
                .target
                .join(format!("{cpu}-unknown-linux-musl/release/bootstrap"));
            std::fs::read(path).ok()
        })
        .find(|b| (b.len(), crc32(b)) == (entry.size as usize, entry.crc32))
        .expect("the zipped file is the binary cargo built");
    assert_eq!(
        elf(&binary),
        Elf {
            machine,
            position_independent: machine == 62,
            interpreter: false,
            needed: 0
        },
        "a static binary for ELF machine {machine}"
    );

    let sha256 = Command::new("sha256sum")
        .arg(root().join("bootstrap.zip"))
        .output()
        .unwrap();
    let sha256 = String::from_utf8_lossy(&sha256.stdout);
    for line in [
        format!("built {}", root().join("bootstrap.zip").display()),
        format!("size:   {} bytes", built.zip.len()),
        format!("rustc:  {}", rustc_version()),
        format!("sha256: {}", sha256.split_whitespace().next().unwrap()),
    ] {
        assert!(
            built.stdout.contains(&line),
            "{line:?} in:\n{}",
            built.stdout
        );
    }
}

#[test]
#[ignore = "slow: release builds + npm; run by .ci/run"]
fn build_sh_zips_the_same_static_bootstrap_twice_for_each_architecture() {
    for (arch, machine) in ARCHES {
        let first = build(&["--arch", arch], &[], &target_dir("main"));
        check_zip(&first, machine);
        // From scratch, in another directory, as a CI machine would.
        let scratch = target_dir(&format!("scratch-{arch}"));
        let _ = std::fs::remove_dir_all(&scratch);
        let again = build(&["--arch", arch], &[], &scratch);
        check_zip(&again, machine);
        assert!(
            first.zip == again.zip,
            "{arch}: two builds gave different zips"
        );
        let _ = std::fs::remove_dir_all(&scratch);
    }
}

#[test]
#[ignore = "slow: release builds + npm; run by .ci/run"]
fn the_architecture_comes_from_the_flag_then_arch_then_arm64() {
    for (args, env, machine) in [
        (&[][..], &[][..], 183),
        (&[], &[("ARCH", "x86_64")], 62),
        (&[], &[("ARCH", "arm64")], 183),
        (&["--arch", "arm64"], &[("ARCH", "x86_64")], 183),
        (&["--arch=x86_64"], &[("ARCH", "arm64")], 62),
    ] {
        check_zip(&build(args, env, &target_dir("main")), machine);
    }
}

#[test]
#[ignore = "slow: release builds + npm; run by .ci/run"]
fn without_zip_python_makes_an_equally_reproducible_zip() {
    let python = [("ZIP_TOOL", "python")];
    let first = build(&["--arch", "x86_64"], &python, &target_dir("main"));
    assert!(
        first.stdout.contains("zipping with python3's zipfile"),
        "{}",
        first.stdout
    );
    check_zip(&first, 62);
    let again = build(&["--arch", "x86_64"], &python, &target_dir("main"));
    assert!(
        first.zip == again.zip,
        "two python zips of one binary differ"
    );
}

/// Fast (it stops before cargo), so plain `cargo test` runs it.
#[test]
fn build_sh_refuses_an_unknown_architecture() {
    for (args, arch_env, names) in [
        (&["--arch", "sparc"][..], None, "'sparc' (from --arch)"),
        (&[], Some("sparc"), "'sparc' (from ARCH)"),
        // Lambda's names only, so one ARCH value serves build.sh and serverless.yml.
        (&[], Some("aarch64"), "'aarch64' (from ARCH)"),
        // Empty is no default: serverless.yml refuses it too.
        (&[], Some(""), "'' (from ARCH)"),
    ] {
        let mut cmd = Command::new(root().join("build.sh"));
        cmd.args(args).env_remove("ARCH");
        cmd.envs(arch_env.map(|arch| ("ARCH", arch)));
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?} {arch_env:?}: {stderr}"
        );
        let says = format!("unknown architecture {names}: use arm64 or x86_64");
        assert!(stderr.contains(&says), "{says:?} in: {stderr}");
    }
}

#[test]
#[ignore = "slow: release build + qemu-user; run by .ci/run"]
fn the_arm64_binary_serves_an_api_gateway_event_under_qemu() {
    let built = build(&["--arch", "arm64"], &[], &target_dir("main"));
    let binary = built
        .target
        .join("aarch64-unknown-linux-musl/release/bootstrap");
    serves_an_api_gateway_event(&binary);
}

/// Runs `binary` (under qemu-aarch64 when it is an arm64 binary on another
/// machine) on one REST API event, and checks the answer.
fn serves_an_api_gateway_event(binary: &Path) {
    let arm64 = elf(&std::fs::read(binary).unwrap()).machine == 183;
    let event = std::fs::read(root().join("tests/data/apigw-rest-get-query.json")).unwrap();
    let api = FakeApi::start(vec![Next::Event(Event::new("arm-1", event))]);
    let cmd = if !arm64 || cfg!(target_arch = "aarch64") {
        lambda(binary.to_str().unwrap(), api.addr(), "httpevent")
    } else {
        let mut qemu = lambda("qemu-aarch64", api.addr(), "httpevent");
        qemu.arg(binary);
        qemu
    };
    let out = finish(cmd);

    let posts = api.posts();
    assert_eq!(posts.len(), 1, "{}", out.stderr);
    assert_eq!(
        posts[0].path,
        "/2018-06-01/runtime/invocation/arm-1/response"
    );
    let answer = posts[0].json();
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert_eq!(answer["body"], "Hello Alice from Rust");
    assert_eq!(
        out.code,
        Some(1),
        "exits when the fake API closes: {}",
        out.stderr
    );
}

/// A CA and a certificate for 127.0.0.1 signed by it, made with the
/// openssl command in `dir`; an `openssl s_server` answering HTTPS GETs
/// there with them, stopped when the returned guard drops; its URL.
fn https_server(dir: &Path) -> (String, KillOnDrop) {
    test_ca::make_ca(dir);
    let mut server = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            "127.0.0.1:0",
            "-cert",
            "server.pem",
            "-key",
            "server.key",
            "-www",
        ])
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("openssl s_server");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(server.stdout.take().unwrap()));
    let port = loop {
        let line = lines
            .next()
            .expect("s_server said where it listens")
            .unwrap();
        if let Some(addr) = line.strip_prefix("ACCEPT ") {
            break addr.rsplit(':').next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (format!("https://127.0.0.1:{port}/"), KillOnDrop(server))
}

/// Ends a helper process when the test is done with it, pass or fail.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[ignore = "slow: release builds with zig, qemu-user, openssl; run by .ci/run"]
fn the_aws_feature_builds_static_for_both_architectures_and_talks_tls() {
    let dir = target_dir("aws-tls");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (url, _server) = https_server(&dir);
    for (arch, machine) in ARCHES {
        // probe, built exactly as bootstrap is, holds a handler that uses
        // ring (SigV4) and rustls (an HTTPS call): both compiled for musl.
        let built = build(
            &[
                "--arch",
                arch,
                "--package",
                "lambda-bootstrap",
                "--example",
                "probe",
                "--features",
                "aws",
            ],
            &[],
            &target_dir("aws"),
        );
        assert!(built.stdout.contains("features: aws"), "{}", built.stdout);
        let cpu = if machine == 62 { "x86_64" } else { "aarch64" };
        let binary = built
            .target
            .join(format!("{cpu}-unknown-linux-musl/release/examples/probe"));
        assert_eq!(
            elf(&std::fs::read(&binary).unwrap()),
            Elf {
                machine,
                position_independent: machine == 62,
                interpreter: false,
                needed: 0
            },
            "{arch}: a static binary"
        );
        let event = json!({"sign": true, "https_get": url});
        let api = FakeApi::start(vec![Next::Event(Event::json("aws-1", &event))]);
        let mut cmd = if cfg!(target_arch = "aarch64") == (machine == 183) {
            lambda(binary.to_str().unwrap(), api.addr(), "probe_aws")
        } else {
            let mut qemu = lambda("qemu-aarch64", api.addr(), "probe_aws");
            qemu.arg(&binary);
            qemu
        };
        cmd.env("AWS_CA_BUNDLE", dir.join("ca.pem"));
        let out = finish(cmd);
        let posts = api.posts();
        assert_eq!(posts.len(), 1, "{arch}: {}", out.stderr);
        assert!(
            posts[0].path.ends_with("/aws-1/response"),
            "{arch}: {} {}",
            posts[0].path,
            String::from_utf8_lossy(&posts[0].body)
        );
        // The signature botocore computes for the same request (sigv4.rs).
        assert_eq!(
            posts[0].json(),
            json!({
                "signature": "c3d5af51c2451e8dee985379e5f5bd11ee20bfef93cb3d7677a2488985f7f8bb",
                "status": 200,
            }),
            "{arch}"
        );
    }
}

/// The release build (LTO, stripped, opt-level "s") must still catch a
/// handler's panic and go on, and move a big answer. `--package
/// lambda-bootstrap --example probe` builds the runtime's test function
/// exactly as `bootstrap` is.
#[test]
#[ignore = "slow: a release build; run by .ci/run"]
fn the_shipped_build_still_catches_panics_and_serves_on() {
    let built = build(
        &[
            "--arch",
            "x86_64",
            "--package",
            "lambda-bootstrap",
            "--example",
            "probe",
        ],
        &[],
        &target_dir("probe"),
    );
    let binary = built
        .target
        .join("x86_64-unknown-linux-musl/release/examples/probe");
    let event = |id: &str, value: Value| Next::Event(Event::json(id, &value));
    let api = FakeApi::start(vec![
        event("boom", json!({"panic": "boom"})),
        event("big", json!({"answer_bytes": 3 << 20})),
        event("after", json!({})),
    ]);
    let out = finish(lambda(binary.to_str().unwrap(), api.addr(), "probe"));

    let posts = api.posts();
    assert_eq!(posts.len(), 3, "{}", out.stderr);
    assert!(posts[0].path.ends_with("/boom/error"), "{}", posts[0].path);
    assert_eq!(
        posts[0].json()["errorType"],
        "Runtime.HandlerPanic",
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("ERROR [boom] panicked at "),
        "{}",
        out.stderr
    );
    assert!(posts[1].path.ends_with("/big/response"));
    assert_eq!(posts[1].json().as_str().map(str::len), Some(3 << 20));
    assert!(posts[2].path.ends_with("/after/response"));
    assert_eq!(api.connections(), 1);
}

/// What one osls command did in a scratch copy of the service.
struct Osls {
    success: bool,
    /// Its stdout and stderr, as a user's terminal shows them.
    output: String,
    /// The CloudFormation template it wrote to `.serverless/`, if any.
    template: Option<Value>,
}

/// Runs `osls args`, offline, in a scratch copy of serverless.yml and
/// deploy/ (what resolves the architecture), with `zip` as its bootstrap.zip
/// (none if `None`) and `ARCH=arch` (unset if `None`).
fn osls(args: &[&str], zip: Option<&[u8]>, arch: Option<&str>) -> Osls {
    osls_in(&Service::default(), args, zip, arch)
}

/// How a scratch copy of the service differs from the checkout's.
#[derive(Default)]
struct Service<'a> {
    /// Where the zip goes, named to osls by BOOTSTRAP_ZIP (as cargo-lambda's
    /// is); the default bootstrap.zip when `None`.
    zip_at: Option<&'a str>,
    /// Appended to serverless.yml, as a user adds to its end.
    yaml: &'a str,
}

/// `osls` in a scratch copy of the service that `service` describes.
fn osls_in(service: &Service, args: &[&str], zip: Option<&[u8]>, arch: Option<&str>) -> Osls {
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lambda-bootstrap-sls-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("deploy")).unwrap();
    for file in ["serverless.yml", "deploy/architecture.js"] {
        std::fs::copy(root().join(file), dir.join(file)).unwrap();
    }
    if !service.yaml.is_empty() {
        let yml = std::fs::read_to_string(dir.join("serverless.yml")).unwrap();
        std::fs::write(dir.join("serverless.yml"), yml + "\n" + service.yaml).unwrap();
    }
    let zip_at = dir.join(service.zip_at.unwrap_or("bootstrap.zip"));
    if let Some(zip) = zip {
        std::fs::create_dir_all(zip_at.parent().unwrap()).unwrap();
        std::fs::write(&zip_at, zip).unwrap();
    }
    let mut cmd = Command::new("npx");
    cmd.args(["--yes", OSLS])
        .args(args)
        .current_dir(&dir)
        .env_remove("ARCH")
        .env_remove("BOOTSTRAP_ZIP")
        // Never a real account: packaging talks to no AWS service.
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEONLY")
        .env("AWS_SECRET_ACCESS_KEY", "example-only")
        .env("AWS_REGION", "us-east-1")
        .env("npm_config_update_notifier", "false");
    cmd.envs(arch.map(|arch| ("ARCH", arch)));
    cmd.envs(service.zip_at.map(|at| ("BOOTSTRAP_ZIP", at)));
    let out = cmd.output().expect("npx (Node.js and npm)");
    let path = dir.join(".serverless/cloudformation-template-update-stack.json");
    let template = std::fs::read(path)
        .ok()
        .map(|json| serde_json::from_slice(&json).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
    Osls {
        success: out.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        template,
    }
}

/// `osls package args`, which must succeed: the template it wrote.
fn package(zip: &[u8], arch: Option<&str>, args: &[&str]) -> Value {
    package_in(&Service::default(), zip, arch, args)
}

/// `osls package args` in a scratch copy that `service` describes.
fn package_in(service: &Service, zip: &[u8], arch: Option<&str>, args: &[&str]) -> Value {
    let packaged = osls_in(service, &[&["package"], args].concat(), Some(zip), arch);
    assert!(
        packaged.success,
        "{OSLS} package {args:?} with ARCH={arch:?} failed:\n{}",
        packaged.output
    );
    packaged.template.expect("a CloudFormation template")
}

/// The resources of `kind` in `template`, by logical id.
fn resources<'a>(template: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    let all = template["Resources"].as_object().expect("Resources");
    all.iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, r)| (id.as_str(), &r["Properties"]))
        .collect()
}

/// `{"Fn::GetAtt": [id, "Arn"]}` of the function whose handler is `handler`.
fn function_arn(template: &Value, handler: &str) -> Value {
    let functions = resources(template, "AWS::Lambda::Function");
    let (id, _) = functions
        .iter()
        .find(|(_, f)| f["Handler"] == handler)
        .unwrap();
    json!({"Fn::GetAtt": [id, "Arn"]})
}

/// What `osls deploy` would create, for each architecture: the functions
/// take the architecture of the zip they run (ARCH, when set, agrees), every
/// account-wide name carries the stage, logs are kept 14 days unless
/// `--param=logRetentionInDays=N` says otherwise, and GET /hello is served
/// both by a REST API (`https://<id>.execute-api.<region>.amazonaws.com/<stage>/hello`)
/// and by an HTTP API (`https://<id>.execute-api.<region>.amazonaws.com/hello`).
#[test]
#[ignore = "slow: release builds + npm; run by .ci/run"]
fn serverless_yml_packages_to_the_expected_stack() {
    for (arch, args, stage, retention) in [
        ("arm64", &[][..], "dev", 14),
        (
            "x86_64",
            &["--stage", "qa", "--param=logRetentionInDays=30"][..],
            "qa",
            30,
        ),
    ] {
        let zip = build(&["--arch", arch], &[], &target_dir("main")).zip;
        let template = package(&zip, Some(arch), args);

        // Which names the table serves and both files deploy is
        // tests/function.rs's, offline: a line built without its feature
        // is deployed all the same.
        let functions = resources(&template, "AWS::Lambda::Function");
        for (id, f) in &functions {
            assert_eq!(f["Runtime"], "provided.al2023", "{id}");
            assert_eq!(f["Architectures"], json!([arch]), "{id}");
            assert_eq!(f["MemorySize"], 128, "{id}");
            assert!(
                f["Code"]["S3Key"]
                    .as_str()
                    .unwrap()
                    .ends_with("/bootstrap.zip"),
                "{id}"
            );
        }

        // Every name that must be unique in an account and region carries
        // the stage, so that stages deploy side by side.
        for (kind, property) in [
            ("AWS::Lambda::Function", "FunctionName"),
            ("AWS::Logs::LogGroup", "LogGroupName"),
            ("AWS::IAM::Role", "RoleName"),
            ("AWS::SNS::Topic", "TopicName"),
            ("AWS::SQS::Queue", "QueueName"),
            ("AWS::DynamoDB::Table", "TableName"),
        ] {
            let named = resources(&template, kind);
            assert!(!named.is_empty(), "no {kind}");
            for (id, r) in named {
                let name = r[property].to_string();
                assert!(name.contains(stage), "{id}: {name} without {stage}");
            }
        }

        // One log group per function, kept `retention` days.
        let groups = resources(&template, "AWS::Logs::LogGroup");
        assert_eq!(groups.len(), functions.len(), "{groups:?}");
        for (id, group) in &groups {
            assert_eq!(group["RetentionInDays"], retention, "{id}");
        }

        // GET /hello on a REST API (payload 1.0), proxied to httpevent.
        let paths = resources(&template, "AWS::ApiGateway::Resource");
        let [(hello, path)] = paths[..] else {
            panic!("one API path: {paths:?}")
        };
        assert_eq!(path["PathPart"], "hello");
        let methods = resources(&template, "AWS::ApiGateway::Method");
        let [(_, get)] = methods[..] else {
            panic!("one method: {methods:?}")
        };
        assert_eq!(get["HttpMethod"], "GET");
        assert_eq!(get["ResourceId"], json!({"Ref": hello}));
        assert_eq!(get["Integration"]["Type"], "AWS_PROXY");
        let uri = get["Integration"]["Uri"].to_string();
        assert!(
            uri.contains(&function_arn(&template, "httpevent").to_string()),
            "{uri}"
        );
        // What osls prints as the REST endpoint: the stage is in the path.
        let rest_url = &template["Outputs"]["ServiceEndpoint"]["Value"]["Fn::Join"][1];
        assert_eq!(
            rest_url.as_array().and_then(|parts| parts.last()),
            Some(&json!(format!("/{stage}"))),
            "{rest_url}"
        );

        // And on one HTTP API (payload 2.0): GET /hello to the same
        // function, and the items example's two routes to its own.
        let apis = resources(&template, "AWS::ApiGatewayV2::Api");
        let [(api, http_api)] = apis[..] else {
            panic!("one HTTP API: {apis:?}")
        };
        assert_eq!(http_api["ProtocolType"], "HTTP");
        let integrations = resources(&template, "AWS::ApiGatewayV2::Integration");
        let routes = resources(&template, "AWS::ApiGatewayV2::Route");
        let function_of = |key: &str| {
            let keyed: Vec<_> = routes
                .iter()
                .filter(|(_, r)| r["RouteKey"] == key)
                .collect();
            let [(_, route)] = keyed[..] else {
                panic!("one route {key}: {routes:?}")
            };
            assert_eq!(route["ApiId"], json!({"Ref": api}), "{key}");
            let [(integration, proxy)] = integrations
                .iter()
                .filter(|(id, _)| {
                    route["Target"] == json!({"Fn::Join": ["/", ["integrations", {"Ref": id}]]})
                })
                .collect::<Vec<_>>()[..]
            else {
                panic!("{key}: one integration its target names: {integrations:?}")
            };
            assert_eq!(proxy["ApiId"], json!({"Ref": api}), "{integration}");
            assert_eq!(proxy["IntegrationType"], "AWS_PROXY", "{integration}");
            assert_eq!(proxy["PayloadFormatVersion"], "2.0", "{integration}");
            proxy["IntegrationUri"].clone()
        };
        assert_eq!(
            function_of("GET /hello"),
            function_arn(&template, "httpevent")
        );
        for key in ["ANY /items/{id}", "ANY /items"] {
            assert_eq!(function_of(key), function_arn(&template, "items"), "{key}");
        }
        assert_eq!(routes.len(), 3, "{routes:?}");
        // Its URL has no stage in the path: one `$default` stage.
        let stages = resources(&template, "AWS::ApiGatewayV2::Stage");
        let [(_, default)] = stages[..] else {
            panic!("one HTTP API stage: {stages:?}")
        };
        assert_eq!(default["StageName"], "$default");
        let http_url = &template["Outputs"]["HttpApiUrl"]["Value"]["Fn::Join"][1];
        assert_eq!(
            http_url.as_array().and_then(|parts| parts.last()),
            Some(&json!({"Ref": "AWS::URLSuffix"})),
            "{http_url}"
        );

        // streamevent behind a Function URL that streams its answer.
        let urls = resources(&template, "AWS::Lambda::Url");
        let [(_, url)] = urls[..] else {
            panic!("one function URL: {urls:?}")
        };
        assert_eq!(url["InvokeMode"], "RESPONSE_STREAM");
        assert_eq!(
            url["TargetFunctionArn"],
            function_arn(&template, "streamevent")
        );

        // The SNS topic, subscribed to by snsevent.
        let topics = resources(&template, "AWS::SNS::Topic");
        let [(_, topic)] = topics[..] else {
            panic!("one topic: {topics:?}")
        };
        assert_eq!(
            topic["TopicName"],
            format!("lambda-bootstrap-events-{stage}")
        );
        assert_eq!(
            topic["Subscription"],
            json!([{"Endpoint": function_arn(&template, "snsevent"), "Protocol": "lambda"}])
        );

        // Two queues: the orders sqsevent reads, and the orders `orders`
        // stores; each read in batches whose failed messages alone come
        // back.
        let queues = resources(&template, "AWS::SQS::Queue");
        let mappings = resources(&template, "AWS::Lambda::EventSourceMapping");
        assert_eq!((queues.len(), mappings.len()), (2, 2), "{queues:?}");
        for (handler, queue_name) in [
            ("sqsevent", format!("lambda-bootstrap-orders-{stage}")),
            (
                "orders",
                format!("lambda-bootstrap-orders-to-store-{stage}"),
            ),
        ] {
            let (queue, _) = queues
                .iter()
                .find(|(_, q)| q["QueueName"] == queue_name)
                .unwrap_or_else(|| panic!("no queue {queue_name}: {queues:?}"));
            let (_, mapping) = mappings
                .iter()
                .find(|(_, m)| m["FunctionName"] == function_arn(&template, handler))
                .unwrap_or_else(|| panic!("no mapping to {handler}: {mappings:?}"));
            assert_eq!(
                mapping["EventSourceArn"],
                json!({"Fn::GetAtt": [queue, "Arn"]})
            );
            assert_eq!(mapping["BatchSize"], 10);
            assert_eq!(
                mapping["FunctionResponseTypes"],
                json!(["ReportBatchItemFailures"])
            );
        }

        // `orders` stores into its table, named by ORDERS_TABLE, with a role
        // that may do exactly dynamodb:PutItem on that table (and read its
        // queue and write its logs), nothing more of DynamoDB.
        let tables = resources(&template, "AWS::DynamoDB::Table");
        let (_, orders) = functions
            .iter()
            .find(|(_, f)| f["Handler"] == "orders")
            .unwrap();
        let [(table, orders_table)] = tables
            .iter()
            .filter(|(id, _)| {
                orders["Environment"]["Variables"]["ORDERS_TABLE"] == json!({"Ref": id})
            })
            .copied()
            .collect::<Vec<_>>()[..]
        else {
            panic!("the table ORDERS_TABLE names: {tables:?}")
        };
        assert_eq!(
            orders_table["TableName"],
            format!("lambda-bootstrap-orders-{stage}")
        );
        assert_eq!(
            orders_table["KeySchema"],
            json!([{"AttributeName": "id", "KeyType": "HASH"}])
        );
        let roles = resources(&template, "AWS::IAM::Role");
        let (role_id, role) = roles
            .iter()
            .find(|(id, _)| orders["Role"] == json!({"Fn::GetAtt": [id, "Arn"]}))
            .unwrap_or_else(|| panic!("orders' own role: {}", orders["Role"]));
        let statements: Vec<&Value> = role["Policies"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["PolicyDocument"]["Statement"].as_array().unwrap())
            .collect();
        let dynamodb: Vec<&&Value> = statements
            .iter()
            .filter(|st| st["Action"].to_string().contains("dynamodb:"))
            .collect();
        assert_eq!(
            dynamodb,
            [&&json!({"Effect": "Allow", "Action": "dynamodb:PutItem",
                      "Resource": {"Fn::GetAtt": [table, "Arn"]}})],
            "{role_id}"
        );
        assert!(
            statements.iter().all(|st| st["Effect"] == "Allow"
                && !st["Action"].to_string().contains('*')
                && !st["Resource"].to_string().contains('*')),
            "{role_id}: {statements:?}"
        );

        // Every ten minutes, scheduleevent gets exactly {"hello": "world"}.
        let rules = resources(&template, "AWS::Events::Rule");
        let [(_, rule)] = rules[..] else {
            panic!("one rule: {rules:?}")
        };
        assert_eq!(rule["ScheduleExpression"], "rate(10 minutes)");
        let [target] = rule["Targets"].as_array().unwrap().as_slice() else {
            panic!("one target: {rule}")
        };
        assert_eq!(target["Arn"], function_arn(&template, "scheduleevent"));
        let input: Value = serde_json::from_str(target["Input"].as_str().unwrap()).unwrap();
        assert_eq!(input, json!({"hello": "world"}));

        // Each event source may invoke its function: httpevent twice, once
        // for each API.
        let permissions = resources(&template, "AWS::Lambda::Permission");
        for (handler, principal, count) in [
            ("httpevent", "apigateway.amazonaws.com", 2),
            ("snsevent", "sns.amazonaws.com", 1),
            ("scheduleevent", "events.amazonaws.com", 1),
        ] {
            let arn = function_arn(&template, handler);
            let may = permissions
                .iter()
                .filter(|(_, p)| p["FunctionName"] == arn && p["Principal"] == principal)
                .count();
            assert_eq!(
                may, count,
                "{principal} may invoke {handler}: {permissions:?}"
            );
        }
    }
}

/// A deploy never puts a binary of one architecture into functions of the
/// other (Lambda would fail every invocation with Runtime.InvalidEntrypoint):
/// after `ARCH=x86_64 ./build.sh`, a plain `osls deploy` makes x86_64
/// functions, and `ARCH=arm64 osls deploy` stops before anything is packaged,
/// saying what to run. So does a deploy without a zip, or with a bad ARCH.
/// Commands that upload nothing (`print` here; remove, info, logs, invoke)
/// work without a zip.
#[test]
#[ignore = "slow: a release build + npm; run by .ci/run"]
fn a_deploy_takes_the_zips_architecture_and_refuses_another() {
    let x86_64 = build(&["--arch", "x86_64"], &[], &target_dir("main")).zip;

    let template = package(&x86_64, None, &[]);
    let functions = resources(&template, "AWS::Lambda::Function");
    assert!(!functions.is_empty());
    for (id, f) in &functions {
        assert_eq!(f["Architectures"], json!(["x86_64"]), "{id}");
    }

    for (zip, arch, says) in [
        (
            Some(&x86_64[..]),
            Some("arm64"),
            "bootstrap.zip holds an x86_64 binary but ARCH=arm64: \
             run `ARCH=arm64 ./build.sh`, or deploy with ARCH=x86_64",
        ),
        (None, None, "bootstrap.zip not found: run ./build.sh first"),
        (
            None,
            Some("x86_64"),
            "bootstrap.zip not found: run `ARCH=x86_64 ./build.sh` first",
        ),
        (
            Some(b"not a zip"),
            None,
            "bootstrap.zip is not a zip file: run ./build.sh",
        ),
        (
            Some(&x86_64[..]),
            Some("aarch64"),
            "unknown architecture 'aarch64' (from ARCH): use arm64 or x86_64",
        ),
    ] {
        let refused = osls(&["package"], zip, arch);
        assert!(
            !refused.success,
            "ARCH={arch:?} packaged:\n{}",
            refused.output
        );
        assert!(
            refused.output.contains(says),
            "{says:?} in:\n{}",
            refused.output
        );
        assert!(refused.template.is_none(), "ARCH={arch:?} wrote a template");
    }

    // Nothing to upload, nothing to check: ARCH, else arm64.
    for (arch, prints) in [(None, "arm64"), (Some("x86_64"), "x86_64")] {
        let print = osls(&["print", "--path", "provider.architecture"], None, arch);
        assert!(print.success, "ARCH={arch:?}: {}", print.output);
        assert_eq!(print.output.trim(), prints, "ARCH={arch:?}");
    }
}

/// A function crate of its own, outside this repository, as a user writes
/// one: any name, a `main` of a few lines, the runtime by path, and a
/// dependency that brings ring (the runtime's `aws` feature, switched on in
/// its own Cargo.toml, with no `--features` given). build.sh copied beside
/// its Cargo.toml finds its binary, compiles ring's C with zig, and zips a
/// static `bootstrap` that serves the crate's handler.
#[test]
#[ignore = "slow: a release build with zig from PyPI; run by .ci/run"]
fn build_sh_builds_a_function_crate_of_any_name_outside_this_repository() {
    let scratch = std::env::temp_dir().join(format!("outside-fn-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let krate = scratch.join("my-fn");
    std::fs::create_dir_all(krate.join("src/handlers")).unwrap();
    let runtime = root().join("crates/lambda-bootstrap");
    let files = [
        (
            "Cargo.toml",
            format!(
                "[package]\nname = \"my-fn\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                 [dependencies]\nlambda-bootstrap = {{ path = {:?}, features = [\"aws\"] }}\n\
                 serde_json = \"1\"\n\n[workspace]\n\n[profile.release]\nstrip = true\n",
                runtime.display().to_string()
            ),
        ),
        (
            "src/main.rs",
            "mod handlers;\n\nfn main() -> std::process::ExitCode {\n    \
             lambda_bootstrap::run(handlers::HANDLERS)\n}\n"
                .to_string(),
        ),
        (
            "src/handlers/mod.rs",
            "lambda_bootstrap::handler_table! {\n    \"hello\" => hello,\n}\n".to_string(),
        ),
        (
            "src/handlers/hello.rs",
            "use lambda_bootstrap::{Context, HandlerError};\nuse serde_json::{Value, json};\n\n\
             pub fn handle(event: Value, _: &Context) -> Result<Value, HandlerError> {\n    \
             Ok(json!({\"hello\": event[\"name\"]}))\n}\n"
                .to_string(),
        ),
    ];
    for (path, text) in &files {
        std::fs::write(krate.join(path), text).unwrap();
    }
    std::fs::copy(root().join("build.sh"), krate.join("build.sh")).unwrap();
    // What `cargo build` does on a user's first build; build.sh is --locked.
    let lock = Command::new(env!("CARGO"))
        .arg("generate-lockfile")
        .current_dir(&krate)
        .output()
        .unwrap();
    assert!(
        lock.status.success(),
        "{}",
        String::from_utf8_lossy(&lock.stderr)
    );

    let target = target_dir("outside");
    let out = Command::new(krate.join("build.sh"))
        .args(["--arch", "x86_64"])
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("ARCH")
        .env_remove("FEATURES")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "build.sh failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("built {}", krate.join("bootstrap.zip").display())),
        "{stdout}"
    );
    let binary = target.join("x86_64-unknown-linux-musl/release/my-fn");
    assert_eq!(
        elf(&std::fs::read(&binary).unwrap()),
        Elf {
            machine: 62,
            position_independent: true,
            interpreter: false,
            needed: 0
        }
    );
    let zip = std::fs::read(krate.join("bootstrap.zip")).unwrap();
    let entries = zip_entries(&zip);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].name, "bootstrap");

    let api = FakeApi::start(vec![Next::Event(Event::json(
        "o-1",
        &json!({"name": "Ada"}),
    ))]);
    let out = finish(lambda(binary.to_str().unwrap(), api.addr(), "hello"));
    let posts = api.posts();
    assert_eq!(posts.len(), 1, "{}", out.stderr);
    assert_eq!(posts[0].json(), json!({"hello": "Ada"}));
    let _ = std::fs::remove_dir_all(&scratch);
}
