//! This function as a whole, whatever its handlers: every name its table
//! serves is deployed by both serverless.yml and template.yaml, and every
//! function either file deploys is served by the table. Reads the built
//! `bootstrap` and the two files only, so it names no handler: adding or
//! deleting one (its file, its table line, its entries in the deploy files)
//! leaves this test as it is.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The names the table serves, as `bootstrap invoke` lists them to a
/// person who asks for one it lacks.
fn served() -> BTreeSet<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env_clear()
        .args(["invoke", "", "-"])
        .output()
        .expect("run bootstrap");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let list = stderr
        .split("(known handlers: ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("bootstrap named no handlers: {stderr}"));
    list.split(", ")
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect()
}

/// The value of every `key: value` line of `file` (a YAML key, at any
/// depth, outside comments): `handler:` in serverless.yml, `Handler:` in
/// template.yaml.
fn values_of(file: &str, key: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix(key)?.strip_prefix(':'))
        .map(|value| {
            value
                .split('#')
                .next()
                .unwrap()
                .trim()
                .trim_matches(['"', '\''])
        })
        .map(str::to_string)
        .collect()
}

/// The name of every line of the table, as src/handlers/mod.rs writes it:
/// a line under a feature `bootstrap` was built without is deployed all the
/// same.
fn table_lines() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/handlers/mod.rs"))
            .unwrap();
    for line in text.lines() {
        if let Some(name) = line
            .trim()
            .strip_prefix('"')
            .and_then(|l| l.split('"').next())
        {
            names.insert(name.to_string());
        }
    }
    names
}

/// Which names one side has that the other lacks, for the message.
fn differ(table: &BTreeSet<String>, deployed: &BTreeSet<String>, file: &str) -> Option<String> {
    let missing: Vec<_> = table.difference(deployed).collect();
    let extra: Vec<_> = deployed.difference(table).collect();
    (!missing.is_empty() || !extra.is_empty()).then(|| {
        format!(
            "{file}: deploys no function for {missing:?} (in src/handlers/mod.rs), and \
             deploys {extra:?}, which the table does not list"
        )
    })
}

#[test]
fn the_table_and_both_deploy_files_name_the_same_handlers() {
    // Every line of the table, served or built without its feature.
    let table = table_lines();
    assert!(served().is_subset(&table), "{:?} {table:?}", served());
    let problems: Vec<String> = [("serverless.yml", "handler"), ("template.yaml", "Handler")]
        .iter()
        .filter_map(|(file, key)| differ(&table, &values_of(file, key), file))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_difference_is_named_by_file_and_handler() {
    let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(differ(&names(&["a"]), &names(&["a"]), "x.yml"), None);
    assert_eq!(
        differ(&names(&["a", "b"]), &names(&["a", "c"]), "template.yaml").unwrap(),
        "template.yaml: deploys no function for [\"b\"] (in src/handlers/mod.rs), and deploys \
         [\"c\"], which the table does not list"
    );
}
