//! moto's server, the AWS the orders comparison's runtimes call: started
//! on 127.0.0.1 and a free port, stopped when the driver ends (however it
//! ends: its only stdin is a pipe from the driver), and the driver's own
//! DynamoDB calls to it, which make each session's table and read it back;
//! the runtimes reach it through a keep-alive front (`keepalive.rs`), as
//! they would keep their connection to DynamoDB.
//! moto runs with its request authentication off (no
//! `INITIAL_NO_AUTH_ACTION_COUNT`): the runtimes sign every request, moto
//! does not check the signatures.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread;

use serde_json::{Value, json};

use crate::keepalive::KeepAlive;
use crate::procfs;
use crate::which::find_in_path;

/// The version bench/run.sh and .ci/run install.
pub const MOTO: &str = "moto[server]==5.2.1";

/// A running `moto_server`.
pub struct Moto {
    /// `http://127.0.0.1:PORT`: moto itself, for the driver's calls.
    pub url: String,
    /// The keep-alive front, whose URL the runtimes are given.
    pub front: KeepAlive,
    /// moto's own process (the shell around it is `child`).
    pid: u32,
    agent: ureq::Agent,
    child: Child,
    /// Closing it stops moto.
    lifeline: Option<ChildStdin>,
}

impl Moto {
    /// Starts `moto_server` and waits until it listens.
    pub fn start() -> Result<Moto, String> {
        find_in_path("moto_server")
            .ok_or_else(|| format!("moto_server is not on PATH (pip install '{MOTO}')"))?;
        // The shell stops moto when its stdin closes, that is when the
        // driver's end of the pipe closes, even if the driver is killed.
        let mut child = Command::new("sh")
            .args([
                "-c",
                "moto_server -H 127.0.0.1 -p 0 2>&1 & pid=$!; echo \"moto pid $pid\"; \
                 trap 'kill $pid 2>/dev/null' EXIT; cat >/dev/null",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start moto_server: {e}"))?;
        let lifeline = child.stdin.take();
        let stdout = child.stdout.take().ok_or("moto_server has no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let (mut pid, mut url) = (None, None);
        while pid.is_none() || url.is_none() {
            let Some(Ok(line)) = lines.next() else {
                return Err(format!(
                    "moto_server ended before listening: is it installed? pip install '{MOTO}'"
                ));
            };
            if let Some(p) = line.strip_prefix("moto pid ") {
                pid = p.trim().parse().ok();
            } else if let Some(at) = line.find("Running on http") {
                url = Some(line[at + "Running on ".len()..].trim().to_string());
            }
        }
        // moto logs every request: keep reading, or it blocks on a full pipe.
        thread::spawn(move || for _ in lines {});
        let url = url.unwrap_or_default();
        let addr = url
            .strip_prefix("http://")
            .and_then(|a| a.trim_end_matches('/').parse().ok())
            .ok_or_else(|| format!("moto_server listens at '{url}', not http://IP:PORT"))?;
        let front =
            KeepAlive::start(addr).map_err(|e| format!("cannot start moto's front: {e}"))?;
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        Ok(Moto {
            url,
            front,
            pid: pid.unwrap_or_default(),
            agent,
            child,
            lifeline,
        })
    }

    /// CPU moto has used so far, all threads, those ended too (it runs
    /// each request in a thread of its own): in clock ticks' resolution.
    pub fn cpu_ns(&self) -> u64 {
        procfs::process_cpu_ns(self.pid)
    }

    /// One DynamoDB call; its JSON answer, which must be a success.
    fn call(&self, operation: &str, body: &Value) -> Result<Value, String> {
        let failed = |why: String| format!("moto: DynamoDB {operation}: {why}");
        let mut response = self
            .agent
            .post(&self.url)
            .header("X-Amz-Target", format!("DynamoDB_20120810.{operation}"))
            .header("Content-Type", "application/x-amz-json-1.0")
            // moto finds the service by the signature's scope (without one
            // it answers as S3); it does not check the signature itself.
            .header(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=ASIABENCHDRIVER00001/20260101/us-east-1/dynamodb/\
                 aws4_request, SignedHeaders=host;x-amz-target, Signature=0",
            )
            .send(body.to_string())
            .map_err(|e| failed(e.to_string()))?;
        let status = response.status();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| failed(e.to_string()))?;
        if !status.is_success() {
            return Err(failed(format!("{status}: {text}")));
        }
        serde_json::from_str(&text).map_err(|e| failed(format!("not JSON ({e}): {text}")))
    }

    /// A new table `name`, key `id` (a string), holding `items`.
    pub fn create_table(&self, name: &str, items: &BTreeMap<String, u32>) -> Result<(), String> {
        self.call(
            "CreateTable",
            &json!({
                "TableName": name,
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            }),
        )?;
        let items: Vec<(&String, &u32)> = items.iter().collect();
        // BatchWriteItem takes 25 at a time.
        for chunk in items.chunks(25) {
            let puts: Vec<Value> = chunk
                .iter()
                .map(|(id, qty)| {
                    json!({"PutRequest": {"Item": {"id": {"S": id}, "qty": {"N": qty.to_string()}}}})
                })
                .collect();
            let answer = self.call("BatchWriteItem", &json!({"RequestItems": {name: puts}}))?;
            let left = &answer["UnprocessedItems"];
            if left.as_object().is_some_and(|o| !o.is_empty()) {
                return Err(format!("moto left items unwritten: {left}"));
            }
        }
        Ok(())
    }

    /// Every item of table `name`, `id` → `qty`; an item of another shape
    /// is an error.
    pub fn scan(&self, name: &str) -> Result<BTreeMap<String, u32>, String> {
        let mut items = BTreeMap::new();
        let mut request = json!({"TableName": name});
        loop {
            let page = self.call("Scan", &request)?;
            for item in page["Items"].as_array().map_or(&[][..], Vec::as_slice) {
                let id = item["id"]["S"].as_str();
                let qty = item["qty"]["N"].as_str().and_then(|n| n.parse().ok());
                match (id, qty, item.as_object().map_or(0, |o| o.len())) {
                    (Some(id), Some(qty), 2) => {
                        items.insert(id.to_string(), qty);
                    }
                    _ => return Err(format!("table {name} holds an item not an order: {item}")),
                }
            }
            match page.get("LastEvaluatedKey") {
                Some(key) if !key.is_null() => request["ExclusiveStartKey"] = key.clone(),
                _ => return Ok(items),
            }
        }
    }

    /// Deletes table `name`.
    pub fn delete_table(&self, name: &str) -> Result<(), String> {
        self.call("DeleteTable", &json!({"TableName": name}))
            .map(drop)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        // Closing the pipe makes the shell stop moto, then exit.
        drop(self.lifeline.take());
        let _ = self.child.wait();
    }
}
