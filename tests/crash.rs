//! A process writing concerns is killed with SIGKILL at random moments; the
//! store reopens and every acknowledged write is there and decrypts.

mod common;
use common::*;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use rand::Rng;

#[test]
fn acknowledged_writes_survive_sigkill() {
    let env = Env::new();
    let school = env.school();
    let mut rng = rand::thread_rng();
    let mut acknowledged: Vec<String> = Vec::new();
    for round in 0..6 {
        let mut child = env
            .casebook(&school.dsl)
            .args(["concern", "add", "--json"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        // Feed concerns until the pipe breaks (the child was killed).
        let writer = std::thread::spawn(move || {
            for i in 0.. {
                let line = format!(
                    r#"{{"subjects":[{{"kind":"child","name":"Crashtest Pupil {round}-{i}"}}],"category":"other","location":"office","description":"Round {round} concern {i}."}}"#
                );
                if writeln!(stdin, "{line}").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(r) = line.strip_prefix("Recorded ") {
                    tx.send(r.trim_end_matches('.').to_string()).ok();
                }
            }
        });
        std::thread::sleep(Duration::from_millis(rng.gen_range(150..700)));
        // SIGKILL: no chance to flush or clean up.
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        writer.join().unwrap();
        acknowledged.extend(rx.try_iter());

        let list: serde_json::Value =
            serde_json::from_str(&ok(env.casebook(&school.dsl).args(["list", "--json"]))).unwrap();
        let present: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["reference"].as_str().unwrap()).collect();
        for r in &acknowledged {
            assert!(present.contains(&r.as_str()), "round {round}: acknowledged {r} is missing after SIGKILL");
        }
    }
    assert!(acknowledged.len() >= 6, "the writer got going: {} acknowledged", acknowledged.len());
    // Every acknowledged concern decrypts in full.
    for r in acknowledged.iter().step_by(7) {
        let shown = ok(env.casebook(&school.deputy).args(["show", r]));
        assert!(shown.contains("Crashtest Pupil"), "{shown}");
    }
}
