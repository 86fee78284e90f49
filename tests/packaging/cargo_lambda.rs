//! cargo-lambda, with nothing but what Cargo.toml's
//! `[package.metadata.lambda.build]` says: the binary build.sh builds (static
//! musl, static-pie on x86_64, linked by rust-lld), zipped alone where the
//! README says, and accepted by serverless.yml through BOOTSTRAP_ZIP.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::json;

use super::{
    ARCHES, Service, build, crc32, elf, osls_in, package_in, resources, root,
    serves_an_api_gateway_event, target_dir, zip_entries,
};

/// Where cargo-lambda puts the zip of `bootstrap`, as the README says.
const ZIP: &str = "target/lambda/bootstrap/bootstrap.zip";

/// `cargo lambda args` in the checkout, as a user runs it: its own target/.
fn cargo_lambda(args: &[&str]) -> Output {
    Command::new(env!("CARGO"))
        .arg("lambda")
        .args(args)
        .current_dir(root())
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("cargo-lambda (pip install cargo-lambda; .ci/packaging.sh installs it)")
}

/// For each architecture, the command the README gives (`cargo lambda build
/// --release`, plus the musl target for x86_64) zips exactly one function,
/// `bootstrap`, mode 0755, holding a binary with build.sh's ELF facts (the
/// machine; static; static-pie on x86_64) that serves an event; and the
/// osls stack, pointed at that zip, takes its architecture and refuses
/// another, saying which cargo-lambda command makes the right zip.
#[test]
#[ignore = "slow: release builds with cargo-lambda + npm; run by .ci/run"]
fn cargo_lambda_builds_the_static_binary_build_sh_builds() {
    for (arch, machine) in ARCHES {
        let (args, triple) = build_args(arch);
        // Whatever an earlier build left (a second binary's zip, once) goes.
        let _ = std::fs::remove_dir_all(root().join("target/lambda"));
        let out = cargo_lambda(args);
        assert!(
            out.status.success(),
            "cargo lambda {args:?}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );

        // One function, bootstrap, and nothing else: the probe is no binary.
        let zipped: Vec<PathBuf> = walk(&root().join("target/lambda"));
        assert_eq!(zipped, [root().join(ZIP)], "what cargo-lambda zipped");
        let zip = std::fs::read(root().join(ZIP)).unwrap();
        let entries = zip_entries(&zip);
        let [entry] = &entries[..] else {
            panic!("one file: {entries:?}")
        };
        assert_eq!(entry.name, "bootstrap");
        assert_eq!(entry.made_by, 3, "made on unix, or Lambda ignores the mode");
        assert_eq!(entry.unix_mode, 0o100_755, "{:o}", entry.unix_mode);

        let binary_path = root().join("target").join(triple).join("release/bootstrap");
        let binary = std::fs::read(&binary_path).unwrap();
        assert_eq!(
            (binary.len(), crc32(&binary)),
            (entry.size as usize, entry.crc32),
            "the zipped file is the binary cargo built"
        );
        let by_build_sh = build(&["--arch", arch], &[], &target_dir("main"));
        let build_sh_binary =
            std::fs::read(by_build_sh.target.join(triple).join("release/bootstrap")).unwrap();
        assert_eq!(elf(&binary), elf(&build_sh_binary), "{arch}: as build.sh's");
        assert_eq!(elf(&binary).machine, machine);
        // And in the words of `file`, as a user checks it.
        let file = Command::new("file")
            .arg("-b")
            .arg(&binary_path)
            .output()
            .expect("file (apt-get install file)");
        let file = String::from_utf8_lossy(&file.stdout);
        let (cpu, linking) = if arch == "x86_64" {
            ("x86-64", "static-pie linked")
        } else {
            ("ARM aarch64", "statically linked")
        };
        assert!(
            file.contains(cpu) && file.contains(linking),
            "{arch}: {file}"
        );
        serves_an_api_gateway_event(&binary_path);

        // serverless.yml deploys it when BOOTSTRAP_ZIP names it.
        let service = Service {
            zip_at: Some(ZIP),
            ..Service::default()
        };
        let template = package_in(&service, &zip, None, &[]);
        let functions = resources(&template, "AWS::Lambda::Function");
        assert!(!functions.is_empty());
        for (id, f) in &functions {
            assert_eq!(f["Architectures"], json!([arch]), "{id}");
        }
        let other = if arch == "x86_64" { "arm64" } else { "x86_64" };
        let refused = osls_in(&service, &["package"], Some(&zip), Some(other));
        assert!(
            !refused.success,
            "ARCH={other} packaged:\n{}",
            refused.output
        );
        let says = format!(
            "{ZIP} holds an {arch} binary but ARCH={other}: \
             run `cargo lambda {}`, or deploy with ARCH={arch}",
            build_args(other).0.join(" ")
        );
        assert!(
            refused.output.contains(&says),
            "{says:?} in:\n{}",
            refused.output
        );
    }
}

/// What the README tells a user to run for `arch`, and the target it builds.
fn build_args(arch: &str) -> (&'static [&'static str], &'static str) {
    if arch == "x86_64" {
        (
            &[
                "build",
                "--release",
                "--target",
                "x86_64-unknown-linux-musl",
            ],
            "x86_64-unknown-linux-musl",
        )
    } else {
        (&["build", "--release"], "aarch64-unknown-linux-musl")
    }
}

/// `--arm64` and `--x86-64` mean cargo-lambda's glibc targets; beside the
/// musl target in Cargo.toml it refuses them, before building anything.
#[test]
#[ignore = "needs cargo-lambda; run by .ci/run"]
fn cargo_lambdas_glibc_shortcuts_are_refused() {
    for shortcut in ["--arm64", "--x86-64"] {
        let out = cargo_lambda(&["build", "--release", shortcut]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{shortcut} built:\n{stderr}");
        assert!(
            stderr.contains("--arm64, --x86-64, and --target cannot be specified"),
            "{shortcut}: {stderr}"
        );
    }
}

/// Every file under `dir`, sorted.
fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// With the `aws` feature (ring compiles C), after the one-time step
/// docs/build.md gives (`./build.sh --features aws`, which leaves zig's C
/// compiler wrappers under target/), `cargo lambda build --release
/// --features aws` builds for both architectures, with build.sh's ELF facts
/// (static; static-pie on x86_64).
#[test]
#[ignore = "slow: release builds with zig and cargo-lambda; run by .ci/run"]
fn cargo_lambda_builds_the_aws_feature_after_the_one_time_step() {
    let step = Command::new(root().join("build.sh"))
        .args(["--features", "aws"])
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("ARCH")
        .output()
        .unwrap();
    assert!(
        step.status.success(),
        "./build.sh --features aws:\n{}",
        String::from_utf8_lossy(&step.stderr)
    );
    for (arch, machine) in ARCHES {
        let (args, triple) = build_args(arch);
        let args: Vec<&str> = args.iter().copied().chain(["--features", "aws"]).collect();
        let out = cargo_lambda(&args);
        assert!(
            out.status.success(),
            "cargo lambda {args:?}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let binary =
            std::fs::read(root().join("target").join(triple).join("release/bootstrap")).unwrap();
        let elf = elf(&binary);
        assert_eq!(elf.machine, machine, "{arch}");
        assert!(
            !elf.interpreter && elf.needed == 0,
            "{arch}: static: {elf:?}"
        );
        assert_eq!(elf.position_independent, machine == 62, "{arch}: {elf:?}");
    }
}
