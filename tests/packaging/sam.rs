//! AWS SAM and cfn-lint, offline: template.yaml is the stack serverless.yml
//! is (the same functions, events, names and defaults: the drift test);
//! `sam validate --lint` accepts it; `sam build` gives every function the
//! binary build.sh builds; and cfn-lint accepts the CloudFormation osls
//! packages, with the README's capacity-provider snippet added.
//!
//! The drift test reads serverless.yml through what `osls package` writes,
//! and template.yaml through cfn-lint's own YAML reader (the SAM CLI
//! brings cfn-lint), and reduces both to what they have in common: for
//! each function, by name, its handler, runtime, architecture, memory,
//! timeout, environment variable names, log group and retention, and its
//! triggers; and the topics, queues and tables of the stack. A function,
//! event or default found in one file and not the other fails it, and so
//! does a kind of event it does not know yet (it says where to teach it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

use super::{Service, build, elf, package, package_in, resources, root, target_dir, zip_entries};

/// The resources whose names the two files must share.
const NAMED: [(&str, &str); 3] = [
    ("AWS::SNS::Topic", "TopicName"),
    ("AWS::SQS::Queue", "QueueName"),
    ("AWS::DynamoDB::Table", "TableName"),
];

/// A function, in the terms both deploy files share.
#[derive(Debug, PartialEq)]
struct Function {
    /// What the runtime reads from `_HANDLER`: an entry of the table.
    handler: String,
    runtime: Value,
    architectures: Value,
    memory_mb: Value,
    timeout_s: Value,
    /// The names of its environment variables (values are references,
    /// spelt differently by each tool).
    environment: BTreeSet<String>,
    /// The retention of its log group (`/aws/lambda/<name>`), and whether
    /// the stack makes the group before the function (or Lambda would make
    /// one, kept forever); `None` without one.
    logs: Option<(Value, bool)>,
    /// What invokes it, e.g. `REST API GET /hello, stage dev`.
    triggers: BTreeSet<String>,
}

/// A stack: its functions by name (`lambda-bootstrap-dev-httpevent`), and
/// its named resources (`AWS::SNS::Topic lambda-bootstrap-events-dev`).
#[derive(Debug, PartialEq)]
struct Stack {
    functions: BTreeMap<String, Function>,
    named: Vec<String>,
}

/// The CloudFormation osls wrote for serverless.yml, reduced to a Stack.
fn osls_stack(template: &Value) -> Stack {
    let all = template["Resources"].as_object().expect("Resources");
    let of_type = |kind: &'static str| all.iter().filter(move |(_, r)| r["Type"] == kind);
    let mut functions = BTreeMap::new();
    for (id, function) in of_type("AWS::Lambda::Function") {
        let p = &function["Properties"];
        let arn = json!({"Fn::GetAtt": [id, "Arn"]});
        let name = p["FunctionName"]
            .as_str()
            .expect("FunctionName")
            .to_string();
        let mut triggers = BTreeSet::new();
        for (_, method) in of_type("AWS::ApiGateway::Method") {
            let m = &method["Properties"];
            if !m["Integration"]["Uri"]
                .to_string()
                .contains(&format!("{:?}", id))
            {
                continue;
            }
            let mut path = String::new();
            let mut at = &m["ResourceId"];
            while let Some(parent) = at["Ref"].as_str() {
                let r = &all[parent]["Properties"];
                path = format!("/{}{path}", r["PathPart"].as_str().unwrap());
                at = &r["ParentId"];
            }
            let stages: Vec<_> = of_type("AWS::ApiGateway::Deployment")
                .map(|(_, d)| d["Properties"]["StageName"].as_str().unwrap())
                .collect();
            triggers.insert(format!(
                "REST API {} {path}, stage {}",
                m["HttpMethod"].as_str().unwrap(),
                stages.join(" ")
            ));
        }
        for (_, route) in of_type("AWS::ApiGatewayV2::Route") {
            let r = &route["Properties"];
            let integration = r["Target"]["Fn::Join"][1][1]["Ref"].as_str().unwrap();
            let integration = &all[integration]["Properties"];
            if integration["IntegrationUri"] == arn {
                triggers.insert(format!(
                    "HTTP API {}, payload {}",
                    r["RouteKey"].as_str().unwrap(),
                    integration["PayloadFormatVersion"].as_str().unwrap()
                ));
            }
        }
        for (_, topic) in of_type("AWS::SNS::Topic") {
            let subscriptions = topic["Properties"]["Subscription"].as_array();
            for sub in subscriptions.into_iter().flatten() {
                if sub["Endpoint"] == arn {
                    triggers.insert(format!("SNS topic {}", name_of(topic)));
                }
            }
        }
        for (_, rule) in of_type("AWS::Events::Rule") {
            let r = &rule["Properties"];
            for target in r["Targets"].as_array().unwrap() {
                if target["Arn"] == arn {
                    triggers.insert(schedule(&r["ScheduleExpression"], &target["Input"]));
                }
            }
        }
        for (_, url) in of_type("AWS::Lambda::Url") {
            let u = &url["Properties"];
            if u["TargetFunctionArn"] == arn {
                triggers.insert(function_url(u));
            }
        }
        for (_, mapping) in of_type("AWS::Lambda::EventSourceMapping") {
            let m = &mapping["Properties"];
            if m["FunctionName"] == arn {
                triggers.insert(event_source(all, &m["EventSourceArn"], "serverless.yml"));
            }
        }
        // Whatever else may invoke it must be one of the above: a new kind of
        // event is taught here before it can pass unnoticed.
        for (pid, permission) in of_type("AWS::Lambda::Permission") {
            let p = &permission["Properties"];
            if p["FunctionName"] != arn {
                continue;
            }
            let explained = match p["Principal"].as_str().unwrap() {
                "apigateway.amazonaws.com" => "API",
                "sns.amazonaws.com" => "SNS topic",
                "events.amazonaws.com" => "schedule",
                "*" => "function URL",
                _ => "",
            };
            assert!(
                !explained.is_empty() && triggers.iter().any(|t| t.contains(explained)),
                "serverless.yml: {pid} lets {} invoke {id}, an event source \
                 tests/packaging/sam.rs does not know: teach osls_stack and \
                 sam_stack what it is",
                p["Principal"]
            );
        }
        let log_group = format!("/aws/lambda/{name}");
        let logs = of_type("AWS::Logs::LogGroup")
            .find(|(_, g)| g["Properties"]["LogGroupName"] == log_group.as_str())
            .map(|(group_id, group)| {
                let first = function["DependsOn"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|d| d == group_id);
                (group["Properties"]["RetentionInDays"].clone(), first)
            });
        functions.insert(
            name,
            Function {
                handler: p["Handler"].as_str().unwrap().to_string(),
                runtime: p["Runtime"].clone(),
                architectures: p["Architectures"].clone(),
                memory_mb: p["MemorySize"].clone(),
                timeout_s: p["Timeout"].clone(),
                environment: variables(&p["Environment"]),
                logs,
                triggers,
            },
        );
    }
    Stack {
        functions,
        named: named(all, |name| name.clone()),
    }
}

/// template.yaml, with its parameters at their defaults but for
/// `overrides` (as `sam deploy --parameter-overrides` gives them), reduced
/// to a Stack.
fn sam_stack(template: &Value, overrides: &[(&str, Value)]) -> Stack {
    let parameters = template["Parameters"].as_object().expect("Parameters");
    let param = |name: &str| {
        overrides
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| parameters[name]["Default"].clone())
    };
    // A value as CloudFormation would see it: a parameter's Ref, or a Sub of
    // parameters, resolved.
    let resolve = |value: &Value| -> Value {
        if let Some(name) = value["Ref"]
            .as_str()
            .filter(|n| parameters.contains_key(*n))
        {
            return param(name);
        }
        let Some(text) = value["Fn::Sub"].as_str() else {
            return value.clone();
        };
        let mut text = text.to_string();
        for name in parameters.keys() {
            let value = param(name);
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), String::from);
            text = text.replace(&format!("${{{name}}}"), &value);
        }
        Value::String(text)
    };
    let all = template["Resources"].as_object().expect("Resources");
    let globals = template["Globals"]["Function"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut functions = BTreeMap::new();
    for (id, function) in all
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
    {
        let mut p = globals.clone();
        p.extend(function["Properties"].as_object().unwrap().clone());
        let name = resolve(&p["FunctionName"])
            .as_str()
            .expect("FunctionName")
            .to_string();
        let mut triggers = BTreeSet::new();
        let events = p
            .get("Events")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (event, e) in &events {
            let props = &e["Properties"];
            let method = || props["Method"].as_str().unwrap().to_uppercase();
            let path = || props["Path"].as_str().unwrap();
            triggers.insert(match e["Type"].as_str().unwrap() {
                "Api" => {
                    let stage = match props["RestApiId"]["Ref"].as_str() {
                        Some(api) => resolve(&all[api]["Properties"]["StageName"]),
                        // An implicit API's stage: not the stack's.
                        None => json!("Prod"),
                    };
                    format!(
                        "REST API {} {}, stage {}",
                        method(),
                        path(),
                        stage.as_str().unwrap()
                    )
                }
                "HttpApi" => format!(
                    "HTTP API {}, payload {}",
                    http_api_route(props),
                    props["PayloadFormatVersion"].as_str().unwrap_or("2.0")
                ),
                "SNS" => {
                    let topic = props["Topic"]["Ref"].as_str().expect("Topic: !Ref");
                    format!("SNS topic {}", sam_name(&resolve, &all[topic]))
                }
                "Schedule" => schedule(&props["Schedule"], &props["Input"]),
                "SQS" => event_source_with(all, &props["Queue"], "template.yaml", |r| {
                    sam_name(&resolve, r)
                }),
                "DynamoDB" => event_source_with(all, &props["Stream"], "template.yaml", |r| {
                    sam_name(&resolve, r)
                }),
                other => panic!(
                    "template.yaml: {id}'s event {event} is of type {other}, which \
                     tests/packaging/sam.rs does not know: teach osls_stack and sam_stack \
                     what it becomes"
                ),
            });
        }
        if let Some(url) = p.get("FunctionUrlConfig") {
            triggers.insert(function_url(url));
        }
        let log_group = format!("/aws/lambda/{name}");
        let logs = all
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::Logs::LogGroup")
            .find(|(_, g)| resolve(&g["Properties"]["LogGroupName"]) == log_group.as_str())
            .map(|(group_id, group)| {
                let depends = &function["DependsOn"];
                let first = depends == group_id.as_str()
                    || depends
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|d| d == group_id);
                (resolve(&group["Properties"]["RetentionInDays"]), first)
            });
        functions.insert(
            name,
            Function {
                handler: p["Handler"].as_str().unwrap().to_string(),
                runtime: resolve(&p["Runtime"]),
                architectures: p["Architectures"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(resolve)
                    .collect(),
                memory_mb: resolve(&p["MemorySize"]),
                timeout_s: resolve(&p["Timeout"]),
                environment: variables(p.get("Environment").unwrap_or(&Value::Null)),
                logs,
                triggers,
            },
        );
    }
    Stack {
        functions,
        named: named(all, |name| resolve(name)),
    }
}

/// The route key an `HttpApi` event of SAM becomes, as CloudFormation
/// writes it (`GET /hello`): with no `Method` and `Path` (or `Method: ANY`
/// and `Path: /$default`), the catch-all `$default`, as osls's `httpApi: '*'`.
fn http_api_route(props: &Value) -> String {
    let method = props["Method"].as_str().map(str::to_uppercase);
    let path = props["Path"].as_str();
    match (method.as_deref(), path) {
        (None | Some("ANY"), None | Some("/$default")) => "$default".to_string(),
        (method, path) => format!("{} {}", method.unwrap_or("ANY"), path.unwrap_or("/")),
    }
}

/// `Kind name` of each NAMED resource, sorted; `Kind (unnamed)` for one
/// whose name CloudFormation makes up.
fn named(all: &serde_json::Map<String, Value>, resolve: impl Fn(&Value) -> Value) -> Vec<String> {
    let mut named: Vec<String> = all
        .values()
        .filter_map(|r| {
            let (kind, property) = NAMED.iter().find(|(kind, _)| r["Type"] == *kind)?;
            let name = resolve(&r["Properties"][*property]);
            Some(format!("{kind} {}", name.as_str().unwrap_or("(unnamed)")))
        })
        .collect();
    named.sort();
    named
}

/// A NAMED resource's name in osls's output (literal: osls resolves it).
fn name_of(resource: &Value) -> String {
    let (_, property) = NAMED
        .iter()
        .find(|(kind, _)| resource["Type"] == *kind)
        .unwrap();
    resource["Properties"][*property]
        .as_str()
        .unwrap_or("(unnamed)")
        .to_string()
}

/// A NAMED resource's name in template.yaml, resolved.
fn sam_name(resolve: &impl Fn(&Value) -> Value, resource: &Value) -> String {
    let (_, property) = NAMED
        .iter()
        .find(|(kind, _)| resource["Type"] == *kind)
        .unwrap();
    let name = resolve(&resource["Properties"][*property]);
    name.as_str().unwrap_or("(unnamed)").to_string()
}

/// `schedule rate(10 minutes), input {"hello":"world"}`: the input compared
/// as JSON, however each file spells it.
fn schedule(expression: &Value, input: &Value) -> String {
    let input = match input.as_str() {
        Some(text) => serde_json::from_str::<Value>(text).unwrap().to_string(),
        None => "none".to_string(),
    };
    format!("schedule {}, input {input}", expression.as_str().unwrap())
}

/// `function URL, auth NONE, RESPONSE_STREAM`.
fn function_url(url: &Value) -> String {
    format!(
        "function URL, auth {}, {}",
        url["AuthType"].as_str().unwrap(),
        url["InvokeMode"].as_str().unwrap_or("BUFFERED")
    )
}

/// What an event source mapping reads, from osls's resolved names.
fn event_source(all: &serde_json::Map<String, Value>, arn: &Value, file: &str) -> String {
    event_source_with(all, arn, file, name_of)
}

/// `SQS queue NAME` or `DynamoDB stream NAME` for the `!GetAtt` `arn`.
fn event_source_with(
    all: &serde_json::Map<String, Value>,
    arn: &Value,
    file: &str,
    name: impl Fn(&Value) -> String,
) -> String {
    let source = arn["Fn::GetAtt"][0].as_str().unwrap_or_else(|| {
        panic!("{file}: an event source given as {arn}, not a !GetAtt of the stack's own resource")
    });
    let resource = &all[source];
    match (
        resource["Type"].as_str().unwrap(),
        arn["Fn::GetAtt"][1].as_str(),
    ) {
        ("AWS::SQS::Queue", Some("Arn")) => format!("SQS queue {}", name(resource)),
        ("AWS::DynamoDB::Table", Some("StreamArn")) => {
            format!("DynamoDB stream {}", name(resource))
        }
        (kind, _) => panic!(
            "{file}: an event source of type {kind}, which tests/packaging/sam.rs does \
             not know: teach event_source_with"
        ),
    }
}

/// The names of a function's environment variables.
fn variables(environment: &Value) -> BTreeSet<String> {
    environment["Variables"]
        .as_object()
        .map(|vars| vars.keys().cloned().collect())
        .unwrap_or_default()
}

/// Reads template.yaml as cfn-lint (and so `sam validate --lint`) reads it:
/// `!Ref X` becomes `{"Ref": "X"}`, and so on.
fn template_yaml() -> Value {
    const DECODE: &str = "import json, sys\n\
        from cfnlint.decode import decode\n\
        template, errors = decode(sys.argv[1])\n\
        if errors: sys.exit('\\n'.join(str(e) for e in errors))\n\
        json.dump(template, sys.stdout)\n";
    let python = cfn_lint_python();
    let out = Command::new(&python)
        .args(["-c", DECODE])
        .arg(root().join("template.yaml"))
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e}"));
    assert!(
        out.status.success(),
        "reading template.yaml with {python}'s cfn-lint (pip install aws-sam-cli, \
         which brings it; .ci/tools.sh installs it):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The Python that runs `cfn-lint`, whose packages hold its YAML reader:
/// the interpreter its script names (pip writes an absolute one), else
/// python3.
fn cfn_lint_python() -> String {
    let script = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("cfn-lint"))
        .find(|path| path.is_file());
    let first_line = script
        .and_then(|path| std::fs::read(path).ok())
        .and_then(|bytes| bytes.split(|&b| b == b'\n').next().map(<[u8]>::to_vec))
        .map(|line| String::from_utf8_lossy(&line).into_owned())
        .unwrap_or_default();
    match first_line.strip_prefix("#!").map(str::trim) {
        Some(interpreter) if interpreter.starts_with('/') && !interpreter.contains(' ') => {
            interpreter.to_string()
        }
        _ => "python3".to_string(),
    }
}

/// Which property of function `name` differs between template.yaml's and
/// serverless.yml's, and how; `None` when they agree.
fn differ(name: &str, sam: &Function, osls: &Function) -> Option<String> {
    let properties: [(&str, String, String); 8] = [
        (
            "handler",
            format!("{:?}", sam.handler),
            format!("{:?}", osls.handler),
        ),
        ("runtime", sam.runtime.to_string(), osls.runtime.to_string()),
        (
            "architectures",
            sam.architectures.to_string(),
            osls.architectures.to_string(),
        ),
        (
            "memory",
            sam.memory_mb.to_string(),
            osls.memory_mb.to_string(),
        ),
        (
            "timeout",
            sam.timeout_s.to_string(),
            osls.timeout_s.to_string(),
        ),
        (
            "environment",
            format!("{:?}", sam.environment),
            format!("{:?}", osls.environment),
        ),
        (
            "logs",
            format!("{:?}", sam.logs),
            format!("{:?}", osls.logs),
        ),
        (
            "triggers",
            format!("{:?}", sam.triggers),
            format!("{:?}", osls.triggers),
        ),
    ];
    let found: Vec<String> = properties
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(property, a, b)| {
            format!("{property} is {a} in template.yaml and {b} in serverless.yml")
        })
        .collect();
    (!found.is_empty()).then(|| format!("function {name}: {}", found.join("; ")))
}

#[test]
fn a_difference_names_the_function_and_the_property() {
    let function = |timeout: u64| Function {
        handler: "httpevent".to_string(),
        runtime: json!("provided.al2023"),
        architectures: json!(["arm64"]),
        memory_mb: json!(128),
        timeout_s: json!(timeout),
        environment: BTreeSet::new(),
        logs: None,
        triggers: BTreeSet::new(),
    };
    assert_eq!(differ("f", &function(10), &function(10)), None);
    assert_eq!(
        differ(
            "lambda-bootstrap-dev-httpevent",
            &function(10),
            &function(30)
        )
        .unwrap(),
        "function lambda-bootstrap-dev-httpevent: timeout is 10 in template.yaml and 30 in \
         serverless.yml"
    );
}

#[test]
fn a_sam_http_api_catch_all_is_the_default_route() {
    assert_eq!(http_api_route(&json!({})), "$default");
    assert_eq!(
        http_api_route(&json!({"PayloadFormatVersion": "1.0"})),
        "$default"
    );
    assert_eq!(
        http_api_route(&json!({"Method": "get", "Path": "/hello"})),
        "GET /hello"
    );
    assert_eq!(http_api_route(&json!({"Path": "/any"})), "ANY /any");
}

/// Fails, saying what differs, unless the two stacks are the same.
fn assert_same(sam: &Stack, osls: &Stack, case: &str) {
    let handlers = |s: &Stack| {
        s.functions
            .iter()
            .map(|(name, f)| format!("{name} ({})", f.handler))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        handlers(sam),
        handlers(osls),
        "{case}: the functions (and handlers) of template.yaml (left) and serverless.yml (right)"
    );
    for (name, function) in &sam.functions {
        if let Some(difference) = differ(name, function, &osls.functions[name]) {
            panic!("{case}: {difference}");
        }
    }
    assert_eq!(
        sam.named, osls.named,
        "{case}: the named resources of template.yaml (left) and serverless.yml (right)"
    );
}

/// template.yaml and serverless.yml deploy the same stack: the same
/// handlers, each with the same name, runtime, architecture, memory,
/// timeout, environment, logs and triggers, and the same topics, queues and
/// tables; by default (a plain `./build.sh && osls deploy`, or `sam build &&
/// sam deploy`: arm64, stage dev, logs kept 14 days), and with every
/// parameter set (another stage, x86_64, another retention).
#[test]
#[ignore = "slow: release builds + npm + the SAM CLI's cfn-lint; run by .ci/run"]
fn template_yaml_is_the_stack_serverless_yml_is() {
    let template = template_yaml();
    assert_eq!(
        template["Parameters"]["Architecture"]["AllowedValues"],
        json!(["arm64", "x86_64"]),
        "the architectures build.sh builds"
    );

    let by_default = build(&[], &[], &target_dir("main")).zip;
    let osls = osls_stack(&package(&by_default, None, &[]));
    let sam = sam_stack(&template, &[]);
    assert!(!sam.functions.is_empty());
    assert_same(&sam, &osls, "by default");
    // The defaults are the ones the README promises, in both.
    for (name, function) in &sam.functions {
        assert_eq!(function.architectures, json!(["arm64"]), "{name}");
        assert_eq!(function.logs, Some((json!(14), true)), "{name}");
        assert!(name.contains("-dev-"), "{name}");
    }

    let x86_64 = build(&["--arch", "x86_64"], &[], &target_dir("main")).zip;
    let args = ["--stage", "qa", "--param=logRetentionInDays=30"];
    let osls = osls_stack(&package(&x86_64, None, &args));
    let overrides = [
        ("Stage", json!("qa")),
        ("Architecture", json!("x86_64")),
        ("LogRetentionInDays", json!(30)),
    ];
    assert_same(
        &sam_stack(&template, &overrides),
        &osls,
        "stage qa, x86_64, 30 days",
    );
}

/// The SAM CLI, offline: a region, no credentials of any kind, no telemetry.
fn sam(args: &[&str], env: &[(&str, &str)]) -> Output {
    let nowhere = std::env::temp_dir().join("lambda-bootstrap-no-aws-config");
    Command::new("sam")
        .args(args)
        .current_dir(root())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("SAM_CLI_TELEMETRY", "0")
        .env("AWS_CONFIG_FILE", &nowhere)
        .env("AWS_SHARED_CREDENTIALS_FILE", &nowhere)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("ARCH")
        .envs(env.iter().copied())
        .output()
        .expect("sam (pip install aws-sam-cli; .ci/packaging.sh installs it)")
}

/// `sam validate --lint` (SAM's checks, then cfn-lint on the whole stack)
/// passes without credentials.
#[test]
#[ignore = "needs the SAM CLI; run by .ci/run"]
fn sam_validate_lint_accepts_template_yaml() {
    let out = sam(&["validate", "--lint"], &[]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("template.yaml is a valid SAM Template"),
        "{said}"
    );
}

/// `sam build` runs build.sh through the Makefile: every function's folder
/// holds exactly build.sh's `bootstrap`, byte for byte, mode 0755, for the
/// architecture ARCH names (arm64 unless set); also when SAM builds the
/// functions in parallel (each gets a zip of its own to unpack).
#[test]
#[ignore = "slow: release builds + the SAM CLI; run by .ci/run"]
fn sam_build_gives_every_function_the_binary_build_sh_builds() {
    let template = template_yaml();
    let functions: Vec<&String> = template["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(id, _)| id)
        .collect();
    assert!(!functions.is_empty());
    let target = target_dir("main");
    for (arch, parallel) in [("arm64", false), ("x86_64", true)] {
        let build_dir = std::env::temp_dir().join(format!(
            "lambda-bootstrap-sam-{}-{arch}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&build_dir);
        let mut args = vec!["build", "--build-dir", build_dir.to_str().unwrap()];
        if parallel {
            args.push("--parallel");
        }
        let mut env = vec![("CARGO_TARGET_DIR", target.to_str().unwrap())];
        if arch != "arm64" {
            env.push(("ARCH", arch));
        }
        let out = sam(&args, &env);
        assert!(
            out.status.success(),
            "ARCH={arch} sam {args:?}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );

        // What build.sh makes of the same source, in the same target dir.
        let built = build(&["--arch", arch], &[], &target);
        let [entry] = &zip_entries(&built.zip)[..] else {
            panic!("build.sh zips one file")
        };
        let triple = if arch == "arm64" { "aarch64" } else { "x86_64" };
        let binary =
            std::fs::read(target.join(format!("{triple}-unknown-linux-musl/release/bootstrap")))
                .unwrap();
        assert_eq!(binary.len(), entry.size as usize);
        for id in &functions {
            let dir = build_dir.join(id);
            assert_eq!(files_in(&dir), [dir.join("bootstrap")], "{arch}: {id}");
            let bootstrap = dir.join("bootstrap");
            let mode = std::os::unix::fs::PermissionsExt::mode(
                &std::fs::metadata(&bootstrap).unwrap().permissions(),
            );
            assert_eq!(mode & 0o777, 0o755, "{arch}: {id}: {mode:o}");
            let theirs = std::fs::read(&bootstrap).unwrap();
            assert!(
                theirs == binary,
                "{arch}: {id}'s bootstrap is not build.sh's"
            );
            assert_eq!(elf(&theirs).machine, if arch == "arm64" { 183 } else { 62 });
        }
        assert!(build_dir.join("template.yaml").is_file());
        std::fs::remove_dir_all(&build_dir).unwrap();
    }
}

/// The files directly in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// The fenced block after `<!-- readme-check: NAME -->` in docs/managed-instances.md.
fn readme_block(name: &str) -> String {
    let readme = std::fs::read_to_string(root().join("docs/managed-instances.md")).unwrap();
    let marker = format!("<!-- readme-check: {name} -->");
    let (_, after) = readme.split_once(&marker).expect("the guide's marker");
    let body = after
        .trim_start()
        .split_once('\n')
        .expect("a fenced block")
        .1;
    body.split_once("\n```")
        .expect("the block's end")
        .0
        .to_string()
        + "\n"
}

/// cfn-lint, as the SAM CLI brings it, accepts what `osls package` makes of
/// serverless.yml with the README's Managed Instances snippet added at its
/// end (a capacity provider, and httpevent placed on it). The one finding
/// allowed is W3005 on a `DependsOn` osls writes itself, beside a `Ref` or
/// `GetAtt` to the same resource: on its HTTP API routes (to the route's
/// integration) and on a function with a role of its own (`orders`,
/// `durableorder`, `items`: to that role). CloudFormation takes both as they are; serverless.yml
/// writes no `DependsOn` and cannot change them.
#[test]
#[ignore = "slow: a release build + npm + cfn-lint; run by .ci/run"]
fn cfn_lint_accepts_the_osls_stack_with_the_readme_capacity_provider() {
    let snippet = readme_block("capacity-provider");
    let zip = build(&[], &[], &target_dir("main")).zip;
    let service = Service {
        yaml: &snippet,
        ..Service::default()
    };
    let template = package_in(&service, &zip, None, &[]);
    let providers = resources(&template, "AWS::Lambda::CapacityProvider");
    assert_eq!(providers.len(), 1, "the snippet's provider is in the stack");
    let placed = resources(&template, "AWS::Lambda::Function")
        .iter()
        .filter(|(_, f)| !f["CapacityProviderConfig"].is_null())
        .count();
    assert_eq!(placed, 1, "and a function placed on it");

    let file =
        std::env::temp_dir().join(format!("lambda-bootstrap-cfn-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec_pretty(&template).unwrap()).unwrap();
    let out = Command::new("cfn-lint")
        .args(["--format", "json", "--regions", "us-east-1", "--"])
        .arg(&file)
        .output()
        .expect("cfn-lint (pip install aws-sam-cli, which brings it)");
    std::fs::remove_file(&file).unwrap();
    let findings: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "cfn-lint's JSON:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    for finding in &findings {
        let path = &finding["Location"]["Path"];
        let osls_depends_on = path[0] == "Resources"
            && path[1].as_str().is_some_and(|id| {
                id.starts_with("HttpApiRoute")
                    || id == "OrdersLambdaFunction"
                    || id == "DurableorderLambdaFunction"
                    || id == "ItemsLambdaFunction"
            })
            && path[2] == "DependsOn";
        assert!(
            finding["Rule"]["Id"] == "W3005" && osls_depends_on,
            "cfn-lint: {}",
            serde_json::to_string_pretty(&findings).unwrap()
        );
    }
}
